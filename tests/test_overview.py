"""Broad questions get the document's outline: exact text and citations on the real corpus."""

from __future__ import annotations

import pytest

from assistant.answer.overview import definitional, is_broad, outline
from assistant.core.records import TermOrigin

TITLES = ["上海市中试平台创新发展实施方案", "制造业中试创新发展实施意见"]


def test_outline_of_the_shanghai_plan(shanghai):
    text, citations = outline(shanghai.document, shanghai.chunks, 1)
    lines = text.splitlines()
    assert lines[0] == "《上海市中试平台创新发展实施方案》的主要内容（共四个部分，按条款标题，详见所引条款原文）："
    assert lines[1] == "一、主要目标[1]"
    assert lines[3] == (
        "三、提升现代化中试能力：（五）提升中试平台软硬件供给能力[6]；（六）提升中试智能化链接能力[7]；"
        "（七）提升中试平台专业化服务能力[8]。"
    )
    assert len(lines) == 5 and lines[4].endswith("（十五）支持资源开放共享[16]。")
    assert [c.marker for c in citations] == list(range(1, 17))
    assert citations[12].chunk.path[-1] == "（十二）支持布局搭建中试线" and "[13]" in lines[4]
    assert {c.chunk.kind for c in citations} == {"clause"}


def test_outline_of_the_interpretation_drops_the_shared_prefix(national):
    text, citations = outline(national.document, national.chunks, 5)
    lines = text.splitlines()
    assert lines[0] == "《制造业中试创新发展实施意见》解读的主要内容（共五个部分，按条款标题，详见所引条款原文）："
    assert lines[3] == (
        "三、《实施意见》对制造业中试平台建设模式上有哪些考虑？[7]：一是龙头企业建设产业链中试平台[8]；"
        "二是布局建设中试公共服务机构[9]；三是强化现有创新和服务平台中试功能[10]。"
    )
    assert citations[0].marker == 5 and len(citations) == 14  # split clauses are cited once
    assert outline(national.document, national.chunks, 1, body=True) == ("", [])  # its 正文 is not indexed


@pytest.mark.parametrize(
    "question, broad",
    [
        ("上海有什么中试政策？", True),
        ("上海对中试平台的支持政策有哪些", True),
        ("国家那个中试文件主要讲了什么？", True),
        ("实施意见的解读讲了哪些内容", True),
        ("解读分几个部分？", True),  # the outline itself is asked for
        ("整体看，上海方案的四个大部分标题是什么？", True),
        ("上海方案一共有多少条具体措施？", True),
        ("解读这篇一共回答了几个问题？", True),
        ("提升中试平台自主水平可以用好哪些政策？", False),  # a topic of its own
        ("上海中试平台有什么税收优惠？", False),
        ("新建中试平台最高补贴多少？", False),
        ("上海方案是哪些部门发的？", False),
        ("国家级制造业中试平台这块，上海市里要做哪些工作？", False),
    ],
)
def test_is_broad(tokenizer, question, broad):
    terms = [t for t, o in tokenizer.query_origins(question).items() if o is TermOrigin.OWN]
    assert is_broad(question, terms, TITLES) is broad


def test_a_definition_is_not_an_outline():
    assert definitional("中试平台是什么？", ["中试平台是"])
    assert not definitional("上海方案的主要内容是什么？", ["上海是"])
    assert not definitional("上海有什么中试政策？", [])
