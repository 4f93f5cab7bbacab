"""An answer plan as text: the direct line first, then the quoted clauses with [n], then one line for every
ask the documents do not answer. Wording lives in assistant/templates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.plans import AnswerPlan, AskPlan, Outcome, Verdict
from assistant.core.records import Citation, PolicyFact
from assistant.core.resources import template

MARKER = re.compile(r"\[(\d+)\]")
GENERIC_TOPIC = "该问题"  # the composer's topic when it cannot name what is missing
COMPARATOR_WORDS = {"at_most": "up to", "at_least": "at least", "about": "about", "equal": ""}


@dataclass(frozen=True)
class Rendered:
    text: str
    citations: list[Citation]


class _Citations:
    """Citations of several compositions under one numbering."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self.by_chunk: dict[str, int] = {}

    def renumber(self, text: str, local: list[Citation]) -> str:
        mapping = {c.marker: self.add(c) for c in local}
        return MARKER.sub(lambda m: f"[{mapping.get(int(m.group(1)), int(m.group(1)))}]", text)

    def add(self, citation: Citation) -> int:
        key = citation.chunk.chunk_id
        if key not in self.by_chunk:
            self.by_chunk[key] = len(self.citations) + 1
            self.citations.append(Citation(self.by_chunk[key], citation.chunk, citation.document))
        return self.by_chunk[key]


def _fact_line(fact: PolicyFact) -> str:
    return fact.span if fact.subject in fact.span else f"{fact.subject}：{fact.span}"


def _verdict_line(plan: AskPlan) -> str:
    if plan.verdict is Verdict.YES:
        unquoted = [f for f in plan.facts[:1] if f.span not in plan.composition.answer]  # a part's own date
        stated = "".join(template("verdict_states.txt").strip().format(stated=f.span) for f in unquoted)
        return template("verdict_yes.txt").strip() + stated
    if plan.verdict is Verdict.NO:
        stated = "；".join(_fact_line(f) for f in plan.facts[:2])
        line = template("verdict_no.txt").strip() + (
            template("verdict_states.txt").strip().format(stated=stated) if stated else ""
        )
        if plan.duty:
            line += template("verdict_no_duty.txt").strip().format(duty=plan.duty)
        for unshared in plan.unshared:
            items = "、".join(unshared.items)
            line += (
                template("verdict_unshared.txt")
                .strip()
                .format(document=unshared.document, items=items, other=unshared.other)
            )
        if plan.said_in:
            line += template("verdict_said_in.txt").strip().format(named=plan.said_in[0], other=plan.said_in[1])
        for fact in plan.elsewhere:
            said = template("verdict_elsewhere.txt") if fact.subject else template("verdict_elsewhere_said.txt")
            line += said.strip().format(figure=_figure_text(fact), subject=fact.subject, span=fact.span)
        return line
    return template("verdict_unstated.txt").strip().format(missing=plan.missing or "这一点")


def _figure_text(fact: PolicyFact) -> str:
    match = re.search(r"[\d.]+\s*[万亿]?(?:元|%|家|个|项)", fact.span)
    return match.group(0) if match else fact.span


def _english_amount(fact: PolicyFact) -> str:
    if fact.kind == "money":
        yuan = fact.value * 10000
        words = f"{yuan / 1e6:g} million yuan"
        return f"{_figure_text(fact)} ({words})"
    return _figure_text(fact)


def english_line(plan: AnswerPlan, numbered: _Citations) -> str:
    first = plan.asks[0]
    fact = next(iter(first.facts), None)
    marker = " [1]" if numbered.citations else ""
    if first.verdict is Verdict.YES:
        head = "Yes."
    elif first.verdict is Verdict.NO:
        head = "No."
    elif first.verdict is Verdict.NOT_STATED:
        head = "The documents do not state this exactly."
    else:
        head = "According to the documents:"
    if fact is not None:
        head += f" {COMPARATOR_WORDS[fact.comparator.value]} {_english_amount(fact)}".replace("  ", " ")
    return head + marker + template("english_quotes.txt").strip()


def _not_covered_line(plan: AskPlan) -> str:
    if plan.missing and plan.missing != GENERIC_TOPIC:
        return template("not_covered.txt").strip().format(missing=plan.missing)
    return template("not_covered_ask.txt").strip().format(ask=plan.ask.text)


def render(plan: AnswerPlan) -> Rendered:
    numbered = _Citations()
    if plan.refused:
        first = plan.asks[0].composition
        text = numbered.renumber(first.answer, first.citations)
        if plan.analysis.english:  # the refusal says so in English too; the details stay in Chinese
            text = template("english_refusal.txt").strip() + "\n" + text
        return Rendered(text, numbered.citations)
    blocks, missing = [], []
    several = len([p for p in plan.asks if p.outcome is not Outcome.NOT_COVERED]) > 1
    for ask_plan in plan.asks:
        if ask_plan.outcome is Outcome.NOT_COVERED:
            missing.append(_not_covered_line(ask_plan))
            continue
        body = numbered.renumber(ask_plan.composition.answer, ask_plan.composition.citations)
        if ask_plan.outcome is Outcome.VERDICT:
            body = _verdict_line(ask_plan) + "\n" + body
        if several:
            body = template("ask_heading.txt").strip().format(ask=ask_plan.ask.text) + "\n" + body
        blocks.append(body)
    text = "\n".join(blocks + list(dict.fromkeys(missing)))  # two asks left open for one reason: one line
    if plan.analysis.english:
        text = english_line(plan, numbered) + "\n" + text
    return Rendered(text, numbered.citations)
