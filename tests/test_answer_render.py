"""The rendered answer of a tiny plan: the answered ask quoted, each reason an ask is left open said once."""

from __future__ import annotations

from assistant.answer.analysis import Ask, Intent, QuestionAnalysis
from assistant.answer.candidates import Composition
from assistant.answer.plans import AnswerPlan, AskPlan, Outcome
from assistant.answer.render import render


def _ask(text: str) -> Ask:
    return Ask(text, Intent.OTHER, False, (), ())


def test_two_asks_left_open_for_one_reason_get_one_line():
    answered = AskPlan(_ask("补多少"), Outcome.ANSWERED, Composition("最高补贴1亿元。", False, []))
    refused = Composition("未找到。", True, [])
    open_ = [AskPlan(_ask(t), Outcome.NOT_COVERED, refused, missing="外资企业") for t in ("能申请吗", "能用券吗")]
    plan = AnswerPlan(QuestionAnalysis("q", "q", False, "", ()), (answered, *open_))
    assert render(plan).text == "最高补贴1亿元。\n文件未规定外资企业。"
