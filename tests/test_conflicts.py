"""Several documents on one ask: a question that names a document by its title is answered from that document,
and when two indexed documents give different figures for the same ask, the answer shows both, attributed.
Real index (Chroma on disk, hash-64 embedder) over the shipped corpus and a district policy written here."""

from __future__ import annotations

import pytest

from assistant.answer.disagreement import figures_differ
from assistant.index.build import ingest
from assistant.service import Assistant

DISTRICT_TITLE = "浦东新区中试平台专项支持办法"
DISTRICT = f"""浦东新区科技和经济委员会关于印发《{DISTRICT_TITLE}》的通知
浦科经委〔2025〕12号
各有关单位：
现将《{DISTRICT_TITLE}》印发给你们，请认真贯彻执行。
浦东新区科技和经济委员会
2025年7月1日
{DISTRICT_TITLE}
第一条 为支持新建中试平台，制定本办法。
第二条 对新建的中试平台，按照中试线所需采购的仪器设备等投资的50%给予补贴，支持金额最高可达{{amount}}。
第三条 中试服务券补贴比例不超过70%。
"""
VOUCHER_TITLE = "中试服务券管理细则"
VOUCHER = f"""{VOUCHER_TITLE}
第一条 为规范中试服务券的发放和使用，制定本细则。
第二条 中试服务券补贴比例最高不超过40%，由服务机构按季度申请兑付。
"""
SHANGHAI_TITLE = "上海市中试平台创新发展实施方案"
NATIONAL_TITLE = "制造业中试创新发展实施意见"
HEADLINE = "新建中试平台采购设备最高补贴多少？"


def assistant_with(settings, embedder, tokenizer, amount: str, voucher: bool = False) -> Assistant:
    (settings.corpus_dir / "pudong.txt").write_text(DISTRICT.format(amount=amount), encoding="utf-8")
    if voucher:
        (settings.corpus_dir / "voucher.txt").write_text(VOUCHER, encoding="utf-8")
    assert not ingest(settings, embedder, tokenizer).failed
    return Assistant(settings, embedder, tokenizer)


@pytest.fixture
def disagreeing(settings, embedder, tokenizer):
    assistant = assistant_with(settings, embedder, tokenizer, "2亿元")
    yield assistant
    assistant.close()


def titles(answer) -> list[str]:
    return [c.document.title for c in answer.citations]


def test_two_documents_with_different_figures_are_both_shown(disagreeing):
    answer = disagreeing.ask(HEADLINE)
    first, *rest = answer.answer.splitlines()
    assert first.startswith("各文件对此规定不同——") and first.endswith("请以适用地区和对象的文件为准：")
    assert f"《{DISTRICT_TITLE}》（浦科经委〔2025〕12号）：支持金额最高可达2亿元" in first
    assert f"《{SHANGHAI_TITLE}》（沪经信技〔2025〕365号）：支持金额最高可达1亿元" in first
    assert sorted(set(titles(answer))) == sorted([DISTRICT_TITLE, SHANGHAI_TITLE])
    body = "\n".join(rest)
    assert (
        f"【《{DISTRICT_TITLE}》（浦科经委〔2025〕12号）】" in body
        and f"【《{SHANGHAI_TITLE}》（沪经信技〔2025〕365号）】" in body
    )
    assert "2亿元" in body and "1亿元" in body and not answer.refused


def test_a_ratio_that_differs_is_shown_from_both_documents(disagreeing):
    answer = disagreeing.ask("中试服务券最高支持比例是多少？")
    assert answer.answer.startswith("各文件对此规定不同——") and "50%" in answer.answer and "70%" in answer.answer
    assert set(titles(answer)) == {DISTRICT_TITLE, SHANGHAI_TITLE}


def test_documents_that_agree_are_not_reported_as_disagreeing(settings, embedder, tokenizer):
    assistant = assistant_with(settings, embedder, tokenizer, "1亿元")
    try:
        answer = assistant.ask(HEADLINE)
    finally:
        assistant.close()
    assert "规定不同" not in answer.answer and "1亿元" in answer.answer and "2亿元" not in answer.answer


@pytest.fixture
def with_voucher(settings, embedder, tokenizer):
    assistant = assistant_with(settings, embedder, tokenizer, "2亿元", voucher=True)
    yield assistant
    assistant.close()


def test_a_question_naming_a_document_is_answered_from_that_document(with_voucher):
    voucher = with_voucher.ask(f"《{VOUCHER_TITLE}》规定补贴比例最高多少？")  # searched across all: not covered
    assert set(titles(voucher)) == {VOUCHER_TITLE} and "40%" in voucher.answer and not voucher.refused
    assert "50%" not in voucher.answer and "规定不同" not in voucher.answer
    issuers = with_voucher.ask(f"《{SHANGHAI_TITLE}》是哪几个部门联合印发的？")  # about the document itself
    assert set(titles(issuers)) == {SHANGHAI_TITLE} and "上海市科学技术委员会" in issuers.answer
    district = with_voucher.ask(f"《{DISTRICT_TITLE}》规定补贴最高多少？")
    assert (
        set(titles(district)) == {DISTRICT_TITLE} and "2亿元" in district.answer and "规定不同" not in district.answer
    )
    plan = with_voucher.ask("《实施方案》规定中试服务券最高支持比例是多少？")  # a distinctive part of the title
    assert set(titles(plan)) == {SHANGHAI_TITLE} and "50%" in plan.answer and "70%" not in plan.answer
    national = with_voucher.ask(f"《{NATIONAL_TITLE}》规定新建中试平台采购设备最高补贴多少？")
    assert set(titles(national)) <= {NATIONAL_TITLE}, titles(national)  # it sets no amount: not another's
    assert "亿元" not in national.answer and national.refused


def test_an_asks_heading_keeps_the_titles_the_question_quotes():
    from assistant.retrieval.scope import with_titles, without_titles

    question = f"按照《{VOUCHER_TITLE}》，补贴比例最高多少？《{DISTRICT_TITLE}》由谁兑付？"
    first, second = (p for p in without_titles(question).split("？") if p)
    assert with_titles(first, question) == f"按照《{VOUCHER_TITLE}》，补贴比例最高多少"
    assert with_titles(second, question) == f"《{DISTRICT_TITLE}》由谁兑付"  # a title just before its ask
    assert with_titles("别的问题", question) == "别的问题"


def test_only_figures_of_one_measure_can_disagree():
    assert figures_differ({("money", "万元", 5000.0)}, {("money", "万元", 8000.0)})
    assert not figures_differ({("count", "家", 728.0)}, {("count", "批", 2.0)})
    assert not figures_differ({("money", "万元", 5000.0)}, {("percent", "%", 30.0)})
    assert not figures_differ({("money", "万元", 5000.0), ("percent", "%", 30.0)}, {("percent", "%", 30.0)})
