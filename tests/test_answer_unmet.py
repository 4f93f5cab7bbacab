"""What a question asks for that the chosen sentences lack, on tiny texts."""

from __future__ import annotations

import pytest

from assistant.answer.unmet import counts, unmet_ask


def _tokens(text: str) -> list[str]:
    return [w for w in ("中试平台", "链主企业") if w in text]


@pytest.mark.parametrize(
    ("question", "texts", "missing"),
    [
        ("要建多少家中试平台？", ["到2027年建成20家左右中试平台。"], None),
        ("要建多少家中试平台？", ["组织申报一批中试平台。"], "具体数量"),
        ("2026年要建多少家？", ["到2027年建成20家左右中试平台。"], "所问年份的情况"),
        ("是2026年建成20家吗？", ["到2027年建成20家左右中试平台。"], None),
        ("平台2021年就建好了，能拿多少钱？", ["支持金额不超过5000万元。"], None),
    ],
)
def test_what_the_chosen_sentences_lack(question, texts, missing):
    assert unmet_ask(question, texts, texts[0], _tokens) == missing


def test_the_items_of_a_list_count_themselves():
    texts = ["一是强化统筹协作。", "二是加大支持力度。"]
    assert unmet_ask("有几条？分别是啥", texts, texts[0], _tokens) == "具体数量"
    assert unmet_ask("有几条？分别是啥", texts, texts[0], _tokens, enumerated=True) is None


def test_a_count_of_something_else_is_no_count_of_what_is_asked():
    assert counts("建成20家左右中试平台", "家中试平台", _tokens)
    assert not counts("支持3家链主企业", "家中试平台", _tokens)
