"""What the planner decides for each ask, as records: its outcome, its verdict, the plan of a whole message, and
the two rules that relate one ask's plan to another's (an ask made of the wrong document, an ask that leans on the
one before it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from assistant.answer.analysis import INTENT_FIGURES, META_INTENTS, Ask, Lexicon, QuestionAnalysis
from assistant.answer.compose import Composition
from assistant.core.records import PolicyFact


class Outcome(Enum):
    ANSWERED = "answered"
    VERDICT = "verdict"
    NOT_COVERED = "not_covered"


class Verdict(Enum):
    YES = "yes"
    NO = "no"
    NOT_STATED = "not_stated"


@dataclass(frozen=True)
class Unshared:
    """Items one document's list has and the other document's parallel list lacks."""

    document: str
    items: tuple[str, ...]
    other: str


@dataclass(frozen=True)
class AskPlan:
    ask: Ask
    outcome: Outcome
    composition: Composition
    verdict: Verdict | None = None
    missing: str = ""  # what the documents do not say, for a not-covered ask or an unstated verdict
    facts: tuple[PolicyFact, ...] = ()  # the figures that answer a value ask, attached to its subject
    elsewhere: tuple[PolicyFact, ...] = ()  # where a figure the user proposed does stand (another subject)
    said_in: tuple[str, str] | None = None  # a claim the named document (1st) does not make, the other (2nd) does
    duty: str = ""  # a duty or a restriction the claim says the documents set and the quoted clauses do not
    unshared: tuple[Unshared, ...] = ()  # where two documents' lists a claim calls the same differ


def misattributed(plan: AskPlan, named: str, other: str) -> AskPlan:
    """The claim `plan` confirms from document `other`, made of document `named`: not so."""
    return dataclasses.replace(plan, verdict=Verdict.NO, facts=(), elsewhere=(), said_in=(named, other))


def asked_again(plan: AskPlan, before: AskPlan, lexicon: Lexicon, known: Callable[[str], float]) -> bool:
    """Whether `plan` asks of the subject of the ask `before` it in the message again: it speaks of it without
    naming it ("认定几家？每家给多少？"), asks a value with no subject word of its own the documents use ("按年拨还是
    一次拨？第一笔多少？"), or, a yes/no ask without figures, only asks whether the detail the earlier ask
    asked for exists ("要建几个？有明确的数字吗？"): its words are the earlier ask's or detail words."""
    ask = plan.ask
    if plan.outcome is Outcome.NOT_COVERED:
        return False
    if lexicon.elliptic.match(ask.text):  # "它的文号" asks of the document, whatever the ask before it asked
        return ask.intent not in META_INTENTS
    if ask.intent in INTENT_FIGURES and not ask.proposed and not any(known(w) > 0 for w in ask.subject):
        return True
    if not ask.yes_no or ask.proposed:
        return False
    return bool(ask.subject) and all(w in before.ask.text or w in lexicon.details for w in ask.subject)


@dataclass(frozen=True)
class AnswerPlan:
    analysis: QuestionAnalysis
    asks: tuple[AskPlan, ...]

    @property
    def refused(self) -> bool:
        return all(p.outcome is Outcome.NOT_COVERED for p in self.asks)


@dataclass(frozen=True)
class EvidenceWords:
    """How an ask's subject words stand against a quote: known to the documents, unknown, said by the quote (of
    the known), and the idf share said with synonyms."""

    known: int
    unknown: int
    said: int
    share_syn: float
