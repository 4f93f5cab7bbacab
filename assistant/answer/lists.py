"""Lists in the documents: every item of a list a question asks for, the item an ordinal follow-up points at, and
the sentence after one that only restates the question."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Sequence

from assistant.answer.candidates import Candidate
from assistant.answer.followup import Resolved
from assistant.core.records import Chunk, Document
from assistant.core.text import HEADING_MARKER
from assistant.index.snapshot import Snapshot
from ingest.chunk import full_sentences

LIST_ASK = re.compile(
    r"哪几|哪些|几条|几点|几项|几类|几大|几个方面"
)  # "分别是多少" asks the values of named subjects, not a list
MIN_FOUND = 2  # items of one list among the quoted sentences before the others are added
HEADING_PAIRS = 4  # character pairs a list's heading shares with the question for it to be the list asked for


def with_every_item(
    question: str,
    chosen: list[Candidate],
    children: Callable[[str, tuple[str, ...]], Sequence[Chunk]],
    documents: dict[str, Document],
) -> list[Candidate]:
    """`chosen` and, when the question asks for a list and at least two quoted clauses are items of one list
    (一是…, （一）…), the first sentence of each item left out, in document order."""
    found = _list_of(question, chosen, children) if LIST_ASK.search(question) else None
    if found is None:
        return chosen
    doc_id, parent = found
    quoted = {c.chunk.path for c in chosen}
    added: dict[tuple[str, ...], Candidate] = {}
    for chunk in children(doc_id, parent):
        if chunk.path in quoted or chunk.path in added:
            continue
        if chunk.kind == "clause" and HEADING_MARKER.match(chunk.path[-1]):
            sentences = [s.strip() for s in full_sentences(chunk.text) if s.strip()]
            first = next((s for s in sentences if s.rstrip("。；;") not in chunk.path[-1]), "")
            if first:
                added[chunk.path] = Candidate(first, chunk, documents[doc_id], 0.0, 0)
    return sorted([*chosen, *added.values()], key=lambda c: (c.chunk.start, c.position))


def listed_items(chosen: Sequence[Candidate]) -> int:
    """How many items of one list (一是…, （一）…) the quoted sentences come from, at most."""
    parents = Counter(
        (c.chunk.doc_id, c.chunk.path[:-1]) for c in {c.chunk.path: c for c in chosen if _is_item(c.chunk)}.values()
    )
    return max(parents.values(), default=0)


def _is_item(chunk: Chunk) -> bool:
    return chunk.kind == "clause" and bool(HEADING_MARKER.match(chunk.path[-1]))


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if all("\u4e00" <= ch <= "\u9fff" for ch in text[i : i + 2])}


def _list_of(
    question: str, chosen: list[Candidate], children: Callable[[str, tuple[str, ...]], Sequence[Chunk]]
) -> tuple[str, tuple[str, ...]] | None:
    """The list the quoted clauses belong to: the one whose heading says most of the question ("建设模式有哪几
    种" over "…对建设模式有哪些考虑？" and its 一是…, 二是…), else the one most of them are items of (at least two),
    else the first one a quoted clause introduces."""
    asked = _pairs(question)
    headed = [
        (len(asked & _pairs(c.chunk.path[-1])), c.chunk)
        for c in chosen
        if c.chunk.path and sum(_is_item(k) for k in children(c.chunk.doc_id, c.chunk.path)) >= MIN_FOUND
    ]
    shared, lead = max(headed, key=lambda p: p[0], default=(0, None))
    if lead is not None and shared >= HEADING_PAIRS:
        return lead.doc_id, lead.path
    items = {c.chunk.path: c.chunk for c in chosen if _is_item(c.chunk)}.values()
    parents = Counter((c.doc_id, c.path[:-1]) for c in items).most_common(1)
    if parents and parents[0][1] >= MIN_FOUND:
        return parents[0][0]
    for lead in dict.fromkeys(c.chunk for c in chosen):
        if sum(_is_item(k) for k in children(lead.doc_id, lead.path)) >= MIN_FOUND:
            return lead.doc_id, lead.path
    return None


def beyond_restated(
    question: str, chosen: list[Candidate], candidates: list[Candidate], words, restated: float
) -> list[Candidate]:
    """When the leading sentence only restates what the question already says ("注意到方案提及推动人工智能与中试
    平台深度融合，具体有哪些方向？"), the sentence that follows it in its clause comes next: it says what is asked."""
    if not chosen or not LIST_ASK.search(question):
        return chosen
    lead = chosen[0]
    said = [w for w in words(lead.text) if len(w) > 1]
    if not said or sum(w in question for w in said) < restated * len(said):
        return chosen
    following = next(
        (c for c in candidates if c.chunk.chunk_id == lead.chunk.chunk_id and c.position == lead.position + 1), None
    )
    if following is None or following in chosen:
        return chosen
    return [lead, following, *chosen[1:]]


def sibling_candidates(
    resolved: Resolved, snapshot: Snapshot, match: Callable[[dict[str, float], str], float]
) -> list[Candidate]:
    """ "那第三点是什么？" after an answer about "二是…": the "三是…" item of the same list."""
    if not resolved.ordinal or not resolved.anchor:
        return []
    scope = resolved.jurisdiction
    named = [
        c
        for c in snapshot.clauses_named_in(resolved.anchor)
        if not scope or snapshot.documents[c.doc_id].jurisdiction == scope  # "上海方案里对应第一种…"
    ]
    for chunk in sorted(named, key=lambda c: -len(c.path[-1])):
        for sibling in snapshot.children(chunk.doc_id, chunk.path[:-1]):
            if sibling.path[-1].startswith(resolved.ordinal):
                document = snapshot.documents[sibling.doc_id]
                return [
                    Candidate(sent.strip(), sibling, document, 1.0 + match(resolved.own_terms, sent), pos)
                    for pos, sent in enumerate(full_sentences(sibling.text))
                    if sent.strip()
                ]
    return []


def enumerations(text: str) -> list[tuple[str, ...]]:
    """The runs of three or more items a text lists with 、, a run per clause ("培养懂产品、懂制造、懂试验的…")."""
    runs = [part.split("、") for part in re.split(r"[，,。；;：:]", text) if part.count("、") >= 2]
    return [tuple(item.strip() for item in run) for run in runs]


def unshared_items(one: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...] | None:
    """The items of `one` that `other` does not list, when the two list the same kind of thing (two or more
    items alike); None when they are not parallel. An edge item matches when it ends (first) or starts (last)
    as the other's does: "培养懂产品" and "懂产品", "懂安全的复合型人才队伍" and "懂安全的复合型人才"."""
    shared = set(one) & set(other)
    if len(shared) < 2:
        return None

    def matched(n: int, item: str) -> bool:
        if item in other:
            return True
        edge = other[0] if n == 0 else other[-1] if n == len(one) - 1 else ""
        if not edge:
            return False
        common = os.path.commonprefix([item[::-1], edge[::-1]] if n == 0 else [item, edge])
        return len(common) >= 2

    return tuple(item for n, item in enumerate(one) if not matched(n, item))
