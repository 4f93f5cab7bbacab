"""Figures in policy text: amounts, ratios, counts, dates, years, ordinals and 文号, as comparable values.

Shared by ingest (policy facts) and the answer stage (value spans, yes/no verdicts). Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# Lengths are bounded (no figure has more digits) and a number starts where a digit run starts, so a long run
# of digits or blanks costs a fixed amount of work per position, never a backtrack over the whole run.
CN_NUMBER = "[零〇一二两三四五六七八九十百千]{1,16}"
DIGITS = r"(?<!\d)\d{1,16}(?:\.\d{1,8})?"
NUMBER = rf"{DIGITS}|{CN_NUMBER}"
VAGUE_MEASURES = frozenset({"批", "部分"})  # 一批, 一部分: an unstated number, not a count of one
_S = r"\s{0,3}"  # blanks inside a figure ("1 亿元")


class Kind(Enum):
    MONEY = "money"  # in 万元
    PERCENT = "percent"
    COUNT = "count"
    DATE = "date"
    YEAR = "year"
    ORDINAL = "ordinal"
    DOC_NUMBER = "doc_number"


@dataclass(frozen=True)
class Figure:
    kind: Kind
    value: float | str
    unit: str  # as written: 亿元, 万元, %, 家…
    text: str  # the span as written
    start: int

    def same_value(self, other: Figure) -> bool:
        return self.kind is other.kind and self.value == other.value


_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    (Kind.DOC_NUMBER, re.compile(rf"[〔\[［(（]{_S}(\d{{4}}){_S}[〕\]］)）]{_S}(\d{{1,6}}){_S}号")),
    (Kind.DATE, re.compile(rf"(\d{{4}}){_S}(?:年|-){_S}(\d{{1,2}}){_S}(?:月|-){_S}(\d{{1,2}}){_S}日?")),
    (Kind.MONEY, re.compile(rf"({NUMBER}){_S}(亿|万)?{_S}元|({NUMBER}){_S}个?{_S}(亿|万)(?![家人个项名条所批次])")),
    (Kind.PERCENT, re.compile(rf"({DIGITS}){_S}[%％]|百分之({NUMBER})|({CN_NUMBER})成(?!都)")),
    (Kind.YEAR, re.compile(rf"((?:19|20)\d{{2}}){_S}年")),
    (Kind.ORDINAL, re.compile(rf"第{_S}({NUMBER})(?!\s*[条章节款项批次])")),
    (
        Kind.COUNT,
        re.compile(rf"({NUMBER}){_S}(万|亿)?{_S}(?:多|余)?{_S}(家|个|项|条|所|名|人|批|类|种|级|部分|方面|年)"),
    ),
]


def cn_to_number(text: str) -> float | None:
    """ "二十" → 20, "五千" → 5000, "1.5" → 1.5; None for anything else."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not text or not re.fullmatch(CN_NUMBER, text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * CN_UNITS[ch]
            digit = None
    return float(total + (digit or 0))


def _money(groups: tuple[str | None, ...]) -> tuple[float, str] | None:
    number, scale = (groups[0], groups[1]) if groups[0] else (groups[2], groups[3])
    value = cn_to_number(number or "")
    if value is None:
        return None
    factor = {"亿": 10000.0, "万": 1.0}.get(scale or "", 0.0001)
    return value * factor, f"{scale or ''}元"


def _value(kind: Kind, match: re.Match[str]) -> tuple[float | str, str] | None:
    groups = match.groups()
    if kind is Kind.MONEY:
        return _money(groups)
    if kind is Kind.DOC_NUMBER:
        return f"{groups[0]}-{int(groups[1])}", "号"
    if kind is Kind.DATE:
        return f"{groups[0]}-{int(groups[1]):02d}-{int(groups[2]):02d}", "日"
    if kind is Kind.PERCENT:
        raw = next(g for g in groups if g)
        value = cn_to_number(raw)
        if value is None:
            return None
        return (value * 10 if groups[2] else value), "%"
    if kind is Kind.COUNT:
        value = cn_to_number(groups[0])
        if value is None or (groups[0] == "一" and groups[2] in VAGUE_MEASURES):
            return None
        return value * {"万": 10000, "亿": 100000000}.get(groups[1] or "", 1), groups[2]
    value = cn_to_number(groups[0])
    return (value, "") if value is not None else None


def figures(text: str) -> list[Figure]:
    """Every figure in `text`, a span claimed once (a 文号's year is not also a year)."""
    taken = bytearray(len(text))  # 1 where a figure was found: linear in the text, however many figures
    found: list[Figure] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            a, b = match.span()
            if any(taken[a:b]):
                continue
            parsed = _value(kind, match)
            if parsed is None:
                continue
            taken[a:b] = b"\1" * (b - a)
            found.append(Figure(kind, parsed[0], parsed[1], match.group(0), a))
    return sorted(found, key=lambda f: f.start)
