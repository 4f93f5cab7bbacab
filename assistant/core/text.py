"""Text helpers every stage shares: normalisation, sentence splitting, and the patterns of Chinese policy
documents (heading markers, 文号, dates) and of the answers (citation markers). Pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata

from assistant.core.errors import InvalidQuestion

_WHITESPACE = re.compile(r"\s+")


def norm(text: str | None) -> str:
    """NFKC-normalised with all whitespace removed: the form in which two texts are compared."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or ""))


# ---- sentences ---------------------------------------------------------------------------------

SENTENCE = re.compile(r"[^。；！？!?;\n]*(?:[。；！？!?;]+[”’」』）)]*|\n|$)")
FULL_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』）)]*|\n|$)")


def sentences(text: str) -> list[str]:
    """Split at 。；！？ and line ends, keeping the punctuation with its sentence."""
    return [s for s in SENTENCE.findall(text) if s.strip()]


def full_sentences(text: str) -> list[str]:
    """Split at 。！？ and line ends only: clauses joined by ； stay together, as a rule and its caveat."""
    return [s for s in FULL_SENTENCE.findall(text) if s.strip()]


# ---- patterns of policy documents --------------------------------------------------------------

# The markers that open a heading, by level of the clause tree (the first is the highest):
# 第一章, 第一节, 第一条, 一、, （一）, 1., （1）, 一是.
HEADING_LEVELS = (
    r"第[一二三四五六七八九十百零〇]+章",
    r"第[一二三四五六七八九十百零〇]+节",
    r"第[一二三四五六七八九十百零〇]+条",
    r"[一二三四五六七八九十]+、",
    r"[（(][一二三四五六七八九十]+[）)]",
    r"[0-9]{1,2}[.．、](?![0-9])",
    r"[（(][0-9]{1,2}[）)]",
    r"[一二三四五六七八九十]是",
)
# the marker at the start of a heading, of any level
HEADING_MARKER = re.compile("^(" + "|".join(HEADING_LEVELS) + ")")

# 文号: the issuer's abbreviation, the year in brackets and the serial number (工信部联科〔2024〕11号)
_YEAR_SERIAL = r"[〔［\[【(（]\s*\d{4}\s*[〕］\]】)）]\s*\d{1,4}\s*号"
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}" + _YEAR_SERIAL)
YEAR_SERIAL = re.compile(_YEAR_SERIAL)  # the part of a 文号 that holds its digits: 〔2024〕11号

DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")  # 2024年1月8日: groups year, month, day
MONTH_OR_DATE = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?")  # 2024年1月 or 2024年1月8日

# ---- answers -----------------------------------------------------------------------------------

MARKER = re.compile(r"\[(\d{1,4})\]")  # a citation marker [n]; the group is n


# ---- questions ---------------------------------------------------------------------------------


def clean_question(question: str, max_chars: int) -> str:
    """The question without control characters and with single spaces; InvalidQuestion, in Chinese, for a
    non-text, empty or over-long one."""
    if not isinstance(question, str):
        raise InvalidQuestion("问题必须是文本")
    text = "".join(ch for ch in question if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestion("问题不能为空，请输入您要咨询的内容。", "empty_question")
    if len(text) > max_chars:
        raise InvalidQuestion(f"问题过长（{len(text)} 字），请精简到 {max_chars} 字以内。", "question_too_long")
    return text
