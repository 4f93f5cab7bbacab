"""Two indexed documents that give different figures for the same ask are both shown, attributed, under a line
saying that they disagree: the answer never silently picks one. Documents of places that do not overlap (江苏 and
上海) do not disagree: each rules its own place, and a place-less answer already says which place it assumes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from assistant.answer.places import PlaceIndex
from assistant.answer.plans import AskPlan, Outcome
from assistant.core.records import Document, Hit
from assistant.core.resources import template


def with_disagreeing(
    plan: AskPlan,
    hits: list[Hit],
    answer_from: Callable[[str], AskPlan],
    documents: dict[str, Document],
    places: PlaceIndex,
    checked: int,
) -> tuple[list[AskPlan], str]:
    """The plan, and the answer of another document among the hits (`answer_from(doc_id)`, the first `checked`
    of them) of an overlapping place that gives the ask a different figure, each headed by its document, with a
    line saying that they disagree; or the plan alone and no line."""
    if plan.outcome is not Outcome.ANSWERED or not plan.facts:
        return [plan], ""
    cited = {c.chunk.doc_id for c in plan.composition.citations}
    values = {(f.kind, f.unit, f.value) for f in plan.facts}
    own = _source(plan, documents).jurisdiction
    others = list(
        dict.fromkeys(
            h.chunk.doc_id
            for h in hits
            if h.chunk.doc_id not in cited and places.overlap(own, documents[h.chunk.doc_id].jurisdiction)
        )
    )
    for other in others[:checked]:
        alternative = answer_from(other)
        answered = alternative.outcome is Outcome.ANSWERED and alternative.facts
        if answered and figures_differ(values, {(f.kind, f.unit, f.value) for f in alternative.facts}):
            both = [_headed(p, documents) for p in (plan, alternative)]
            stated = "；".join(f"{_source(p, documents).citation_title}：{p.facts[0].span}" for p in both)
            return both, template("disagreement.txt").strip().format(stated=stated)
    return [plan], ""


def figures_differ(ours: set[tuple[str, str, float]], theirs: set[tuple[str, str, float]]) -> bool:
    """Whether two answers give different figures of one measure: some figure of the same kind and unit (万元
    against 万元, 家 against 家), and none in common."""
    comparable = {(k, u) for k, u, _ in ours} & {(k, u) for k, u, _ in theirs}
    return bool(comparable) and ours.isdisjoint(theirs)


def _source(plan: AskPlan, documents: dict[str, Document]) -> Document:
    return documents[plan.composition.citations[0].chunk.doc_id]


def _headed(plan: AskPlan, documents: dict[str, Document]) -> AskPlan:
    """The plan with its ask's heading naming the document it quotes."""
    return dataclasses.replace(plan, ask=dataclasses.replace(plan.ask, text=_source(plan, documents).citation_title))
