"""Pure functions that turn extracted page texts into clean paragraphs.

Government PDFs wrap lines mid-sentence, space out characters ("上 海 市"),
split numbers across lines ("1.\\n87 万亿元") and carry page footers ("— 3 —",
"第 3 页 共 7 页") and running titles. The result keeps full-width punctuation
and one paragraph per line, with a map from character offset to page number.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass

from assistant.core.text import DATE, DOC_NUMBER, HEADING_LEVELS

_PAGE_NUMBER = [
    re.compile(r"^[-—–－―─~·\s]*[0-9０-９]{1,4}[-—–－―─~·\s]*$"),
    re.compile(r"^第\s*[0-9０-９]+\s*页\s*[,，/、]?\s*(共\s*[0-9０-９]+\s*页)?$"),
    re.compile(r"^[0-9]+\s*/\s*[0-9]+$"),
    re.compile(r"^(page|p\.)\s*\d+(\s*(of|/)\s*\d+)?$", re.IGNORECASE),
]
_SENTENCE_END = "。！？；：!?;:"
_OPENERS = "“‘《（(【〔"
# A paragraph starts at these markers when they open a line: a heading's, or a part's (解读：, 抄送：, 附件：).
HEADING_START = re.compile("^(" + "|".join([*HEADING_LEVELS, "解读[:：]", "抄送[:：]", "附件[:：]"]) + ")")
_WS = re.compile(r"\s+")
# A signature date or a 文号 on a line of its own is a paragraph of its own, however wide the line before.
_OWN_LINE = re.compile(f"{DATE.pattern}|{DOC_NUMBER.pattern}")  # on a line whose spaces collapse_spaces dropped


@dataclass(frozen=True)
class CleanText:
    text: str  # paragraphs separated by "\n"
    page_starts: tuple[int, ...]  # offset at which each page's text begins (page i+1)

    def page_at(self, offset: int) -> int:
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def pages_between(self, start: int, end: int) -> tuple[int, ...]:
        return tuple(range(self.page_at(start), self.page_at(max(start, end - 1)) + 1))


def collapse_spaces(line: str) -> str:
    """Drop whitespace except one space between two ASCII letters or digits ("AI For Science")."""

    def keep(match: re.Match) -> str:
        s, e = match.start(), match.end()
        before = line[s - 1] if s > 0 else ""
        after = line[e] if e < len(line) else ""
        return " " if before.isascii() and after.isascii() and before.isalnum() and after.isalnum() else ""

    return _WS.sub(keep, line).strip()


def _signature(line: str) -> str:
    return re.sub(r"[0-9０-９]+", "#", _WS.sub("", line))


def is_page_number(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and any(p.match(stripped) for p in _PAGE_NUMBER)


def strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and running headers/footers repeated at the edges of pages."""
    pages = [[ln for ln in page if ln.strip() and not is_page_number(ln)] for page in pages]
    if len(pages) < 3:
        return pages
    edge_counts: Counter[str] = Counter()
    for page in pages:
        edges = {_signature(ln) for ln in page[:2] + page[-2:]}
        edge_counts.update(edges)
    threshold = max(3, (len(pages) + 1) // 2)
    running = {sig for sig, n in edge_counts.items() if n >= threshold and len(sig) <= 60}
    cleaned = []
    for page in pages:
        edge_idx = set(range(min(2, len(page)))) | set(range(max(0, len(page) - 2), len(page)))
        cleaned.append([ln for i, ln in enumerate(page) if not (i in edge_idx and _signature(ln) in running)])
    return cleaned


def _width(line: str) -> float:
    return sum(0.5 if ch.isascii() else 1.0 for ch in line)


def _typical_width(lines: list[str]) -> float:
    widths = sorted(_width(ln) for ln in lines if ln.strip())
    return widths[int(len(widths) * 0.9)] if widths else 0.0


def _breaks_after(line: str, nxt: str, nxt_raw: str, full: float) -> bool:
    if line[-1] in "？?" or _OWN_LINE.fullmatch(nxt):
        return True
    # A heading marker opens a paragraph only after a finished or short line; after a wrapped,
    # unfinished line it is a cross-reference ("按照本方案\n（三）的要求", "依据\n第五条").
    if HEADING_START.match(nxt) and (line[-1] in _SENTENCE_END or _width(line) < 0.8 * full):
        return True
    if line.count("《") > line.count("》") or line.count("（") > line.count("）"):
        return False
    if _width(line) < 0.8 * full:
        return True
    # After a finished sentence, a short line is a paragraph of its own (an issuer above its date).
    return line[-1] in _SENTENCE_END and (nxt_raw[:1].isspace() or nxt[:1] in _OPENERS or _width(nxt) < 0.5 * full)


def _joiner(left: str, right: str) -> str:
    return " " if left[-1:].isascii() and left[-1:].isalpha() and right[:1].isascii() and right[:1].isalpha() else ""


def clean_pages(raw_pages: list[str]) -> CleanText:
    """Turn the extracted text of each page into paragraphs with a page map."""
    pages = strip_page_furniture([p.splitlines() for p in raw_pages])
    full = _typical_width([collapse_spaces(ln) for page in pages for ln in page])
    lines = [(collapse_spaces(raw), raw, pno) for pno, page in enumerate(pages, 1) for raw in page]
    lines = [item for item in lines if item[0]]

    out: list[str] = []
    page_starts = [0] * len(raw_pages)
    seen_pages: set[int] = set()
    length = 0
    for i, (line, _raw, pno) in enumerate(lines):
        if i > 0:
            prev = lines[i - 1][0]
            sep = "\n" if _breaks_after(prev, line, _raw, full) else _joiner(prev, line)
            out.append(sep)
            length += len(sep)
        if pno not in seen_pages:
            seen_pages.add(pno)
            page_starts[pno - 1] = length
        out.append(line)
        length += len(line)
    # Pages with no text start where the next page with text starts.
    for idx in range(len(page_starts) - 1, -1, -1):
        if idx + 1 not in seen_pages:
            page_starts[idx] = page_starts[idx + 1] if idx + 1 < len(page_starts) else length
    return CleanText("".join(out), tuple(page_starts))


def text_quality(text: str) -> float:
    """Share of characters that are CJK, ASCII printable or common full-width punctuation."""
    if not text:
        return 0.0
    good = sum(
        1
        for ch in text
        if "\u4e00" <= ch <= "\u9fff" or (" " <= ch <= "~") or ch in "\n　，。、；：？！“”‘’（）《》〔〕【】—…％·"
    )
    return good / len(text)
