"""Pure functions: clean text → document metadata and a clause tree of Chinese policy headings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.records import JURISDICTION_NAMES, PLACE_SUFFIXES, Clause
from assistant.core.text import DATE, DOC_NUMBER, HEADING_LEVELS

# An organ's own 办公厅/办公室 is part of its name: 国务院办公厅 is one issuer, not 国务院 + 办公厅.
_ORGAN_SUFFIX = r"(?:委员会|人民政府|办公厅|办公室|总局|部|厅|局|署|委|院|中心)"
ORGAN = re.compile(rf".+?{_ORGAN_SUFFIX}(?!办公厅|办公室)")
# A line of organ names. "One or more ORGANs to the end of the line" is the same language as "any text
# ending in an organ's suffix" (each ORGAN may start with any text), and this form cannot backtrack: the
# repeated form tried every split of a signature that lists many departments (30 names: minutes).
ORGAN_LINE = re.compile(rf"[^\n]+{_ORGAN_SUFFIX}")
NOTICE_TITLE = re.compile(r"印发\s{0,4}《([^\n]{1,200}?)》\s{0,4}的通知")
PLACES = {name[:-1]: slug for slug, name in JURISDICTION_NAMES.items() if slug != "national"}  # 上海 → shanghai
# A local issuer names its place first: 湖北省经济和信息化厅, 苏州市人民政府, 浦东新区科技和经济委员会.
_LOCAL_SUFFIX = "|".join("市(?!场)" if s == "市" else s for s in PLACE_SUFFIXES)  # 市场监督管理总局 is no 市
LOCAL_ISSUER = re.compile(rf"^([\u4e00-\u9fff]{{2,7}}?(?:{_LOCAL_SUFFIX}))")

# (level, pattern). Lower level = higher in the tree.
HEADINGS = [(level, re.compile("^" + marker)) for level, marker in enumerate(HEADING_LEVELS, 1)]
PART = re.compile(r"^(解读)[:：]")
TRAILER = re.compile(rf"^(抄送[:：]|.{{2,40}}{DATE.pattern}印发$)")
MAX_HEADING = 60


@dataclass(frozen=True)
class Paragraph:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Meta:
    title: str | None
    doc_number: str | None
    issuers: tuple[str, ...]
    date: str | None
    jurisdiction: str
    implements: str | None


def paragraphs(text: str) -> list[Paragraph]:
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append(Paragraph(line, pos))
        pos += len(line) + 1
    return out


def heading_level(text: str) -> int | None:
    for level, pattern in HEADINGS:
        if pattern.match(text):
            return level
    return None


def split_heading(text: str, level: int) -> tuple[str, str]:
    """Split a heading paragraph into (heading, inline body)."""
    if level == 8:  # 一是……。 the first sentence names the item
        head, sep, _ = text.partition("。")
        return (head, text) if sep else (text, text)
    if text.endswith(("？", "?")) or len(text) <= MAX_HEADING and "。" not in text:
        return text, ""
    match = re.search(r"[。：:]", text)
    if match and match.start() <= MAX_HEADING:
        return text[: match.start()], text[match.end() :]
    return _shortened(text), text[MAX_HEADING:]


def _shortened(text: str) -> str:
    """A label for a heading that runs on: cut after a comma rather than inside a figure ("不超过300|0万元")."""
    head = text[:MAX_HEADING]
    comma = max(head.rfind(mark) for mark in "，；、,")
    if comma >= MAX_HEADING // 3:
        head = head[:comma]
    else:
        head = re.sub(r"[\d.,，%万亿千百元]+$", "", head)
    return head + "…"


def _signature_end(paras: list[Paragraph]) -> int:
    """Index just after the first signature date of a document that opens like a notice, or 0."""
    head = "".join(p.text for p in paras[:20])
    if "通知" not in head and not DOC_NUMBER.search(head):
        return 0
    return next((i + 1 for i, p in enumerate(paras[:40]) if DATE.fullmatch(p.text.strip())), 0)


def _notice_end(paras: list[Paragraph]) -> int:
    """Index just after the signature of a leading notice, or 0: a signature after clauses closes the text."""
    end = _signature_end(paras)
    return 0 if any(heading_level(p.text.strip()) is not None for p in paras[:end]) else end


def extract_meta(text: str, fallback_title: str | None = None) -> Meta:
    paras = paragraphs(text)
    notice = paras[: _signature_end(paras) or 12]
    head = "".join(p.text for p in notice)
    number = _find_number(notice)
    title_match = NOTICE_TITLE.search(head)
    title = title_match.group(1) if title_match else fallback_title or (paras[0].text if paras else None)
    date: str | None = None
    issuers: tuple[str, ...] = ()
    for i, p in enumerate(notice):
        match = DATE.fullmatch(p.text.strip())
        if match:
            date = "{}-{:02d}-{:02d}".format(*map(int, match.groups()))
            block: list[str] = []
            for q in reversed(notice[:i]):
                if not ORGAN_LINE.fullmatch(q.text):
                    break
                block[:0] = ORGAN.findall(q.text)
            issuers = tuple(block)
            break
    jurisdiction = _jurisdiction(title or "", issuers)
    refs = [_norm_number(m.group(0)) for m in DOC_NUMBER.finditer(text)]
    implements = next((r for r in refs if not number or not number.endswith(r) and not r.endswith(number)), None)
    return Meta(title, number, issuers, date, jurisdiction, implements)


def _jurisdiction(title: str, issuers: tuple[str, ...]) -> str:
    """A known place's slug, else the local issuer's place name ("湖北省"), else national."""
    scope = title + "".join(issuers)
    known = next((slug for name, slug in PLACES.items() if name in scope), None)
    local = next((m.group(1) for m in map(LOCAL_ISSUER.match, issuers) if m), None)
    return known or local or "national"


def _norm_number(value: str) -> str:
    value = re.sub(r"\s+", "", value)
    return re.sub(r"^.*?(?:文件|通知|号文|印发)", "", value)


def _find_number(paras: list[Paragraph]) -> str | None:
    """The 文号 on a line of its own, else the first one before the first clause that is not a citation of
    another document ("贯彻落实《…》（工信部联科〔2024〕11号）")."""
    for p in paras:
        if DOC_NUMBER.fullmatch(p.text.strip()):
            return _norm_number(p.text)
    for p in paras:
        if heading_level(p.text.strip()) is not None:
            break
        own = next(
            (m for m in DOC_NUMBER.finditer(p.text) if p.text[max(0, m.start() - 1) : m.start()] not in "（("), None
        )
        if own:
            return _norm_number(own.group(0))
    return None


def parse_clauses(text: str, title: str | None = None) -> list[Clause]:
    """Every node of the heading tree that has text of its own, in document order.

    The leading notice (文号, addressees, signature) becomes a ``header`` clause,
    text before the first heading a ``preamble``, 抄送/印发 lines a ``trailer``.
    """
    paras = paragraphs(text)
    clauses: list[Clause] = []
    notice_end = _notice_end(paras)
    if notice_end:
        clauses.append(_clause(("印发通知",), paras[:notice_end], "header"))
    stack: list[tuple[int, str]] = []
    current: list[Paragraph] = []
    kind = "preamble"

    def flush() -> None:
        if not current:
            return
        path = tuple(h for _, h in stack) or ("序言",)
        if kind == "preamble" and stack and stack[-1][0] == 0:
            path = tuple(h for _, h in stack)
        if not clauses and kind == "preamble":
            clauses.append(_clause(("文件信息",), current, "header"))
        else:
            clauses.append(_clause(path, current, kind))
        current.clear()

    for p in paras[notice_end:]:
        body = p.text.strip()
        if title and body == title and not stack and not current:
            continue
        part = PART.match(body)
        if part:
            flush()
            stack, kind = [(0, part.group(1))], "preamble"
            current.append(p)
            continue
        if TRAILER.match(body):
            flush()
            stack, kind = [(0, "版记")], "trailer"
            current.append(p)
            continue
        level = heading_level(body) if kind != "trailer" else None
        if level is None:
            current.append(p)
            continue
        flush()
        heading, _ = split_heading(body, level)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading))
        kind = "clause"
        current.append(p)
    flush()
    return [c for i, c in enumerate(clauses) if not _is_bare_parent(c, clauses[i + 1 : i + 2])]


def _is_bare_parent(clause: Clause, following: list[Clause]) -> bool:
    """A heading with no text of its own, whose children follow."""
    return (
        clause.kind == "clause"
        and clause.text == clause.path[-1]
        and bool(following)
        and following[0].path[: len(clause.path)] == clause.path
    )


def _clause(path: tuple[str, ...], paras: list[Paragraph], kind: str) -> Clause:
    return Clause(path=path, text="\n".join(p.text for p in paras), start=paras[0].start, end=paras[-1].end, kind=kind)
