"""The records the composer works with: candidate sentences and the composition it returns."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.records import Chunk, Citation, Document


@dataclass(frozen=True)
class DocumentFact:
    """A fact about a document itself ("issuers", "signed", "copied"…) and its values, for a verdict on a claim."""

    name: str
    values: tuple[str, ...]


@dataclass
class Candidate:
    text: str
    chunk: Chunk
    document: Document
    score: float
    position: int  # order inside the chunk, for stable document order
    meta: bool = False  # a fact about the document itself (文号, issuers, dates, recipients)
    fact: DocumentFact | None = None  # which fact, for a meta candidate


@dataclass
class Composition:
    answer: str
    refused: bool
    citations: list[Citation]
    rewritable: bool = True  # False: an LLM must not reword it (it says what the documents leave out)
    chosen: tuple[Candidate, ...] = ()  # the quoted sentences, in the order shown
    topic: str = ""  # for a refusal: what the documents do not provide for
    outline: bool = False  # a document's outline: its headings answer a question about its structure
    other_place: bool = False  # a refusal for a place no indexed document covers
    unindexed: str = ""  # a place the question names that no indexed document covers, answered for the others


def clause_label(chunk: Chunk) -> str:
    """A short clause path: "四、（十二）支持布局搭建中试线", "解读三、一是龙头企业建设产业链中试平台"."""
    if chunk.kind != "clause":
        return chunk.path[-1]
    markers = []
    for element in chunk.path[:-1]:
        match = re.match(
            r"^(第[一二三四五六七八九十百]+[章节条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．])",
            element,
        )
        markers.append(match.group(1) if match else element)
    return "".join(markers) + chunk.path[-1]


def quote(chosen: list[Candidate] | tuple[Candidate, ...]) -> Composition:
    """The chosen sentences, each clause once with its label and a [n] marker per sentence."""
    citations: list[Citation] = []
    markers: dict[str, int] = {}
    lines: list[str] = []
    for cand in chosen:
        cid = cand.chunk.chunk_id
        if cid not in markers:
            markers[cid] = len(markers) + 1
            citations.append(Citation(markers[cid], cand.chunk, cand.document))
            if cand.meta and cand.chunk.kind == "header":
                lines.append("")  # a fact stated by the assistant, naming the document itself
            else:
                lines.append(f"据《{cand.document.title}》{clause_label(cand.chunk)}：")
        lines[-1] += f"{cand.text}[{markers[cid]}]"
    return Composition("\n".join(lines), False, citations, chosen=tuple(chosen))
