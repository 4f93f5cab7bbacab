"""A third, made-up provincial policy beside the two real ones (tests only): places and document words come from
what is indexed, so a new province needs no code change."""

from __future__ import annotations

import shutil

import pytest

from assistant.core.settings import Settings
from assistant.index.build import ingest
from assistant.index.embeddings import make_embedder
from assistant.index.lexical import ChineseTokenizer
from assistant.service import Assistant
from tests.corpus_fixtures import CORPUS

PROVINCE_TITLE = "江苏省中试平台建设支持办法"
PROVINCE_TXT = f"""江苏省工业和信息化厅关于印发《{PROVINCE_TITLE}》的通知
苏工信科〔2025〕88号
各设区市工业和信息化局：
现将《{PROVINCE_TITLE}》印发给你们，请认真贯彻执行。
江苏省工业和信息化厅
2025年3月1日
{PROVINCE_TITLE}
一、支持对象
（一）在本省注册的制造业企业建设的省级中试平台。
二、支持标准
（二）对新建的省级中试平台，按设备投资的20%给予补助，最高不超过500万元。
（三）对中试平台提供的中试服务，按服务合同金额的10%给予奖励，每家企业每年最高100万元。
抄送：省财政厅，省科技厅。
江苏省工业和信息化厅办公室 2025年3月5日印发
"""


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    base = tmp_path_factory.mktemp("three")
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "jiangsu-pilot-platform-measures.txt").write_text(PROVINCE_TXT, encoding="utf-8")
    settings = Settings.from_env(environ={}, data_dir=base / "data", corpus_dir=corpus, embedding_model="hash-64")
    tokenizer = ChineseTokenizer()
    embedder = make_embedder(settings)
    assert not ingest(settings, embedder, tokenizer).failed
    assistant = Assistant(settings, embedder, tokenizer)
    yield assistant
    assistant.close()


def test_the_province_is_filed_under_its_own_jurisdiction(three):
    places = {d.title: d.place for d in three.snapshot.documents.values()}
    assert places[PROVINCE_TITLE] == "江苏省"


def test_a_city_of_the_province_is_answered_from_the_provincial_policy_with_a_note(three):
    answer = three.ask("苏州的企业新建省级中试平台，设备投资最高补助多少？")
    assert not answer.refused
    assert answer.answer.splitlines()[0].startswith("现有政策文件中未收录苏州的中试政策")
    assert "500万元" in answer.answer and "1亿元" not in answer.answer
    assert {c.document.title for c in answer.citations} == {PROVINCE_TITLE}


def test_the_province_named_gets_its_own_figures(three):
    answer = three.ask("江苏新建省级中试平台最高补助多少？")
    assert not answer.refused and "500万元" in answer.answer and "1亿元" not in answer.answer


def test_a_place_less_question_says_which_place_it_assumes(three):
    answer = three.ask("中试服务的奖励比例是多少？")
    assert not answer.refused
    assert answer.answer.splitlines()[0].startswith("问题未指明地区，以下为")


def test_shanghai_answers_are_unchanged(three):
    answer = three.ask("上海新建中试平台买设备最多补多少？")
    assert not answer.refused
    assert answer.answer.startswith("据《上海市中试平台创新发展实施方案》") and "1亿元" in answer.answer
    assert "500万元" not in answer.answer


def test_the_plan_still_means_shanghai(three):
    answer = three.ask("方案里中试服务券的最高支持比例是多少？")
    assert not answer.refused and "50%" in answer.answer
    assert {c.document.place for c in answer.citations} == {"上海市"}


def test_a_province_without_a_policy_is_still_refused(three):
    answer = three.ask("浙江新建中试平台补贴多少？")
    assert answer.refused and "浙江" in answer.answer


@pytest.mark.parametrize(
    ("question", "stated", "verdict"),
    [
        ("江苏那个办法的通知主送哪些单位？", ("各设区市工业和信息化局",), None),
        ("苏工信科〔2025〕88号的成文日期和印发日期分别是哪天？", ("2025年3月1日", "2025年3月5日"), None),
        ("江苏的办法是省财政厅印发的吧？", ("江苏省工业和信息化厅",), "no"),
        ("江苏办法的抄送单位里有省科技厅吗？", ("省科技厅",), "yes"),
        ("苏工信科〔2025〕88号是2025年3月1日印发的，对吗？", ("江苏省工业和信息化厅办公室", "2025年3月5日"), "no"),
    ],
)
def test_the_facts_of_a_new_notice(three, question, stated, verdict):
    answer = three.ask(question)
    assert not answer.refused and all(s in answer.answer for s in stated) and answer.verdict == verdict
