"""Near misses on the real corpus: a clause on the subject that lacks the detail asked for is shown as the nearest
one, never as the answer; what is covered is answered and what is not is named."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "question, named",
    [
        ("中试平台给企业做检测服务，收费标准是怎么定的？", "收费标准"),  # a fee the documents never set
        ("《制造业中试平台建设指引》里的建设要点具体有哪些？", "未收录"),  # a document not on file
        ("江苏省对中试平台的补贴标准是多少？跟上海比哪个高？", "江苏"),  # another province, compared
        ("顺便问下，深圳的中试平台政策是怎么补的？最高补多少？", "深圳"),  # the place carries to the next ask
        ("上海到２０２６年底要建成几家中试平台？", "所问年份"),  # a target year in full-width digits
        ("中试平台补贴是先建后补还是先补后建呀？", "现有政策文件"),  # a choice neither side of which is said
        ("请把市级中试平台的名单发我一份，想看看有没有做新材料的", "名单"),  # a list no clause names
    ],
)
def test_refused_naming_what_is_missing_and_quoting_nothing_as_the_answer(workspace, question, named):
    answer = workspace[1].ask(question)
    lines = answer.answer.splitlines()
    assert answer.refused and named in lines[0] and answer.verdict is None
    assert not any(line.startswith("据《") for line in lines) and "1亿元" not in answer.answer


@pytest.mark.parametrize(
    "question, expected",
    [
        ("如果同时引入银行贷款，还另有贴息支持及其额度吗？", "2000万元"),  # chat words beside their synonyms
        ("深圳的中试平台怎么补？上海新建中试平台最高补多少？", "1亿元"),  # an ask's own place is kept
        (
            "贴息那个2000万，是一年的额度还是总共的？",
            "累计贴息总额不超过2000万元",
        ),  # a choice one side of which is said
    ],
)
def test_answered_from_the_clause_that_says_it(workspace, question, expected):
    answer = workspace[1].ask(question)
    assert not answer.refused and expected in answer.answer


def test_of_two_values_the_covered_one_is_answered_and_the_other_named(workspace):
    answer = workspace[1].ask("新布局建设的中试平台，设备投资补贴比例是多少？最高金额又是多少？")
    assert not answer.refused and "1亿元" in answer.answer and "30%" not in answer.answer
    assert answer.answer.splitlines()[-1].startswith("文件未规定")


def test_a_claim_about_what_no_document_mentions_gets_no_yes(workspace):
    answer = workspace[1].ask("这个券过期了还能用吗？")
    assert answer.verdict != "yes" and not answer.answer.startswith("是")
