"""What a question asks for that the sentences chosen to answer it do not contain: a sum, a support standard, a
count, a year. A question so left unmet is refused with what it lacks, never answered by the nearby clause."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.answer.asks import (
    COUNT_ASK,
    COUNTED,
    MONEY_ANSWER,
    MONEY_CONTEXT,
    MONEY_STRICT,
    NOT_NUMERIC,
    NUMERIC_ASK,
    SUBSIDY_ASK,
    TAG_QUESTION,
    VAGUE_COUNT,
    asked_years,
    whole,
)


def counts(text: str, asked_for: str, tokens: Callable[[str], list[str]]) -> bool:
    """Whether `text` gives a count of what the question counts ("多少家中试平台" → "20家左右…中试平台")."""
    noun = re.split(r"[，。？?！!、；]", asked_for, maxsplit=1)[0]
    words = whole(w for w in tokens(noun) if len(w) > 1)
    return any(m.group(0) not in VAGUE_COUNT for m in COUNTED.finditer(text)) and (
        not words or any(w in text for w in words)
    )


def unmet_ask(
    question: str,
    texts: Sequence[str],
    best: str,
    tokens: Callable[[str], list[str]],
    enumerated: bool = False,
) -> str | None:
    """What the question asks for that the chosen sentences (`texts`, `best` the leading one) do not contain, if
    anything; `enumerated`: they are the items of a list (一是…二是…), which count themselves ("共几点？各是什么")."""
    if MONEY_STRICT.search(question) and not MONEY_ANSWER.search(best):
        return "具体金额"
    if (
        SUBSIDY_ASK.search(question)
        and NUMERIC_ASK.search(question)
        and not NOT_NUMERIC.search(question)
        and not any((MONEY_ANSWER.search(t) or "%" in t) and MONEY_CONTEXT.search(t) for t in texts)
    ):
        return "具体支持标准"
    asked = COUNT_ASK.search(question)
    if asked and not enumerated and not any(counts(t, question[asked.end() :], tokens) for t in texts):
        return "具体数量"
    # a year the user proposes ("是2025年吗？") is checked, not required; one of their own past ("早在2019年就投产了")
    for year in asked_years(question):
        if not any(year in t for t in texts) and not TAG_QUESTION.search(question):
            return "所问年份的情况"
    return None
