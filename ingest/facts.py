"""Policy facts: the figures a clause sets, each with its subject, measure and comparator.

"针对已建…的中试平台，补贴支持比例不超过核定总投资的30%，支持金额不超过5000万元" yields two facts for the
subject "已建…的中试平台": 补贴支持比例 ≤ 30% and 支持金额 ≤ 5000万元. Any subsidy clause in the usual style
("对…，按…的X%给予补助，最高不超过Y万元") yields its facts the same way. Pure functions.
"""

from __future__ import annotations

import functools
import re

from assistant.core.figures import Kind, figures
from assistant.core.records import Comparator, PolicyFact
from assistant.core.resources import DOMAIN, lines

SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")  # the units the answer stage quotes
SEGMENT = re.compile(r"[，,：:]")
FACT_KINDS = (Kind.MONEY, Kind.PERCENT, Kind.COUNT)
COMPARATORS: list[tuple[Comparator, re.Pattern[str]]] = [
    (Comparator.AT_MOST, re.compile(r"最高可达|最高不超过|最高|不超过|不高于|最多|上限为?|至多|以内")),
    (Comparator.AT_LEAST, re.compile(r"不低于|不少于|至少|最低|超过|以上")),
]
AFTER = [(Comparator.ABOUT, re.compile(r"^\s*(?:左右|上下)")), (Comparator.AT_LEAST, re.compile(r"^\s*以上"))]
SUBJECT = re.compile(r"(?:针对|对于|对)(?P<s>[^，。；]{2,40}?)(?:的项目|，|,)|“(?P<q>[^”]{2,20})”")
# how far before a figure its subject and measure are looked for (real sentences are shorter): bounded work
# per figure however long a run of text without punctuation is
LOOK_BACK = 240
MAX_FACTS = 16  # per sentence: a policy sentence sets a few figures; a table flattened into one line is no rule
MEASURE_END = re.compile(r"最高可达|最高不超过|不超过|不高于|最多|至多|不低于|不少于|至少|达到|为|按|约|的?\d")


def _comparator(before: str, after: str) -> Comparator:
    for comparator, pattern in AFTER:
        if pattern.search(after):
            return comparator
    for comparator, pattern in COMPARATORS:
        if pattern.search(before):
            return comparator
    return Comparator.EQUAL


def _subject(sentence: str, at: int, fallback: str) -> str:
    """The nearest "针对X" / "对X" / “X” in the LOOK_BACK characters before the figure, else `fallback`."""
    best = ""
    for match in SUBJECT.finditer(sentence, max(0, at - LOOK_BACK), at):
        best = match.group("s") or match.group("q") or best
    return best or fallback


@functools.cache
def _connectives() -> frozenset[str]:
    return frozenset(w for line in lines(DOMAIN, "connectives.txt") for w in line.split())


def _opening(sentence: str, at: int) -> str:
    """The sentence's first segment that is not a connective ("然而，…"): the subject of a figure at `at` that no
    "针对X" names; "" when the figure is in that segment itself (the segment says what it is of)."""
    start = 0
    for segment in SEGMENT.split(sentence):
        if segment.strip() and segment.strip() not in _connectives():
            return "" if start <= at < start + len(segment) else segment[:40]
        start += len(segment) + 1
    return ""


def sentence_facts(sentence: str) -> list[PolicyFact]:
    out = []
    for figure in [f for f in figures(sentence) if f.kind in FACT_KINDS][:MAX_FACTS]:
        look_from = max(0, figure.start - LOOK_BACK)
        seg_start = max((m.end() for m in SEGMENT.finditer(sentence, look_from, figure.start)), default=look_from)
        before = sentence[seg_start : figure.start]
        after = sentence[figure.start + len(figure.text) : figure.start + len(figure.text) + 4]
        end = MEASURE_END.search(before)
        measure = (before[: end.start()] if end and end.start() > 0 else before).strip()
        out.append(
            PolicyFact(
                subject=_subject(sentence, figure.start, _opening(sentence, figure.start)).strip(),
                measure=measure[-20:],
                comparator=_comparator(before, after),
                kind=figure.kind.value,
                value=float(figure.value) if isinstance(figure.value, float) else 0.0,
                unit=figure.unit,
                span=(before + figure.text)[-30:].lstrip("，, "),
                sentence=sentence.strip(),
            )
        )
    return out


def extract_facts(text: str) -> tuple[PolicyFact, ...]:
    """The facts of every sentence of a chunk, in order."""
    return tuple(f for s in SENTENCE_END.split(text) if s.strip() for f in sentence_facts(s))
