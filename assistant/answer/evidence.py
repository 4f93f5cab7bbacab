"""What the quoted evidence says of an ask: the window of a figure's sentence that speaks of it, the figures a
claim is checked against (a document's own date and 文号 too), the sentences of the document a claim names, and
a value ask's quote cut to the sentences that hold its figures."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence

from assistant.answer.analysis import Ask
from assistant.answer.candidates import Composition, DocumentFact, quote
from assistant.answer.document_facts import fact_verdict
from assistant.answer.plans import Verdict
from assistant.answer.rule_files import word_pattern
from assistant.core.figures import Figure, Kind, figures
from assistant.core.planted import is_instruction
from assistant.core.records import Chunk, Comparator, PolicyFact

COMPARED = word_pattern("evidence.compared")

ISSUE_ASK = word_pattern("evidence.issue_ask")


def claimed_document_text(ask: Ask, composition: Composition) -> str:
    """The quoted sentences of the document a claim is about when the evidence spans several: the last one the
    message names, outside a comparison ("国家文件里也有这一项，跟某省的办法一样吧？" is about the national
    text); "" when it names none."""
    documents = list(dict.fromkeys(c.document for c in composition.chosen))
    if len(documents) < 2:
        return ""
    for segment in reversed(re.split(r"[，,]", COMPARED.sub("", ask.text))):
        named = sorted((at, n) for n, d in enumerate(documents) if (at := segment.find(d.place.rstrip("市省"))) >= 0)
        if named:
            first = documents[named[0][1]]
            return "".join(c.text for c in composition.chosen if c.document is first)
    return ""


def only_figures(composition: Composition, facts: tuple[PolicyFact, ...]) -> Composition:
    """A value ask quotes the sentences that hold its figures, not their neighbours (what each document says
    stays when the quote spans several)."""
    keep = [c for c in composition.chosen if any(f.sentence in c.text or c.text in f.sentence for f in facts)]
    several = len({c.document.doc_id for c in composition.chosen}) > 1
    if several or not keep or len(keep) == len(composition.chosen):
        return composition
    return dataclasses.replace(quote(keep), rewritable=composition.rewritable)


def window(fact: PolicyFact) -> str:
    """The part of the fact's sentence that leads to its figure: from the last "；" before it (a clause of its
    own) to the end of the figure's segment: "…最高可达1亿元；投入较大的中试线，通过一事一议…" gives 一事一议
    no figure."""
    at = fact.sentence.find(fact.span)
    if at < 0:
        return fact.sentence
    end = at + len(fact.span)
    tail = re.search(r"[，,；;。]", fact.sentence[end:])  # "按…的10%给予奖励": what the figure is for follows it
    return fact.sentence[fact.sentence.rfind("；", 0, at) + 1 : end + (tail.start() if tail else 0)]


def evidence_figures(text: str, composition: Composition, kinds: set[Kind]) -> list[Figure]:
    """The figures of the quoted sentences; a date or 文号 they do not state is checked against the cited
    document's own."""
    quoted = figures(text)
    said = {f.kind for f in quoted}
    documents = list(dict.fromkeys(c.document for c in composition.chosen))
    stated = [
        f
        for d in documents
        for f in figures(" ".join(filter(None, [d.date and cn_date(d.date), d.doc_number])))
        if f.kind in kinds and f.kind not in said
    ]
    return quoted + stated


def clause(fact: PolicyFact) -> str:
    """The clause of the fact's sentence that holds its figure: what the figure counts may follow it ("建成20家左右…
    的市级中试平台")."""
    at = fact.sentence.find(fact.span)
    return clause_around(fact.sentence, at, at + len(fact.span)) if at >= 0 else fact.sentence


def clause_around(text: str, start: int, end: int) -> str:
    """The part of `text` between the "；" around the span start:end."""
    after = text.find("；", end)
    return text[text.rfind("；", 0, start) + 1 : after if after >= 0 else None]


def part_date(text: str, composition: Composition) -> PolicyFact | None:
    """The date a quoted part states in its own chunk when the quoted sentences state none ("发布时间：…" heads a
    解读): a date claimed of the part is checked against it, not against the document's 成文日期."""
    if any(f.kind is Kind.DATE for f in figures(text)):
        return None
    for c in composition.chosen:
        for sentence in re.split(r"(?<=[。；\n])", c.chunk.text):
            dated = next((f for f in figures(sentence) if f.kind is Kind.DATE), None)
            if dated is not None:
                span = sentence[: dated.start + len(dated.text)].strip()
                return PolicyFact(
                    c.document.title, "日期", Comparator.EQUAL, Kind.DATE.value, 0.0, "", span, sentence.strip()
                )
    return None


def cn_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{year}年{int(month)}月{int(day)}日"


def said_elsewhere(ask: Ask, composition: Composition, chunks: Sequence[Chunk], text: str) -> tuple[PolicyFact, ...]:
    """Where the quoted document gives a proposed figure of another subject (the 1亿元 a claim gives 已建平台)."""
    values = {(p.kind.value, p.value, p.unit if p.kind is Kind.COUNT else "") for p in ask.proposed}
    chosen = {f.sentence for c in composition.chosen for f in c.chunk.facts if f.sentence in text}
    documents = {c.chunk.doc_id for c in composition.chosen}  # said of the quoted document only
    return tuple(
        dict.fromkeys(
            f
            for c in chunks
            if c.doc_id in documents
            for f in c.facts
            if (f.kind, f.value, f.unit if f.kind == Kind.COUNT.value else "") in values
            and f.sentence not in chosen
            and not is_instruction(f.sentence)
        )
    )[:1]


def issuer_verdict(question: str, composition: Composition) -> Verdict | None:
    """ "是市发展改革委印发的吧？": the bodies the question names against the cited document's issuers."""
    if not ISSUE_ASK.search(question):
        return None
    issuers = tuple(i for c in composition.chosen for i in c.document.issuers)
    claimed = fact_verdict(question, [DocumentFact("issuers", issuers)]) if issuers else None
    return None if claimed is None else Verdict.YES if claimed else Verdict.NO


def compare_figure(proposed: Figure, found: list[Figure], more: bool = False) -> Verdict:
    """A proposed figure against the evidence's of its kind; `more`: the claim says "30%多", any figure from 30%
    up to the next step of its order (40%) is it."""
    same_kind = [f for f in found if f.kind is proposed.kind and (f.kind is not Kind.COUNT or f.unit == proposed.unit)]
    low = proposed.value if more and isinstance(proposed.value, float) and proposed.value > 0 else None
    high = low + 10 ** math.floor(math.log10(low)) if low else None
    if any(
        f.same_value(proposed) or (low and high and isinstance(f.value, float) and low < f.value < high)
        for f in same_kind
    ):
        return Verdict.YES
    return Verdict.NO if same_kind else Verdict.NOT_STATED
