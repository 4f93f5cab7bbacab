"""Where a question's terms come from: an enum, so the answer stage asks "is it the question's own word?"
instead of comparing weights."""

from __future__ import annotations

from assistant.answer.followup import resolve
from assistant.core.records import TermOrigin, Turn
from assistant.core.settings import AnswerTuning


def test_own_words_and_their_synonyms(tokenizer):
    origins = tokenizer.query_origins("贴息怎么算")
    assert origins["贴息"] is TermOrigin.OWN
    synonyms = [t for t, o in origins.items() if o is TermOrigin.SYNONYM]
    assert synonyms and all(t not in "贴息怎么算" for t in synonyms)
    weights = tokenizer.query_terms("贴息怎么算", AnswerTuning().synonym_weight)
    assert set(weights) == set(origins)
    assert all((weights[t] == 1.0) == (o is TermOrigin.OWN) for t, o in origins.items())


def test_a_follow_up_keeps_its_own_words_apart_from_the_conversations(tokenizer):
    history = [
        Turn("user", "上海新建中试平台补贴多少？"),
        Turn("assistant", "支持金额最高可达1亿元。"),
    ]
    resolved = resolve("那已建的呢？", history, tokenizer, {}, AnswerTuning())
    assert resolved.followup
    assert resolved.origins["新建"] is TermOrigin.CONTEXT
    assert resolved.origins["亿元"] is TermOrigin.ANSWER
    assert "已建" in resolved.own_words() and "新建" not in resolved.own_words()
    assert "新建" in resolved.previous_terms and "已建" not in resolved.previous_terms


def test_the_asker_s_situation_is_context(tokenizer):
    resolved = resolve("买设备能补多少？", [], tokenizer, {}, AnswerTuning(), context="我们是一家做新材料的企业")
    assert resolved.origins["材料"] is TermOrigin.CONTEXT
    assert "材料" not in resolved.own_words() and "设备" in resolved.own_words()
