"""Doubtful coverage: a small logistic model over what the plan of an ask already measured.

No single rule tells "a detail the quoted clause lacks" from "the same thing in other words". Several weak signals
together do better: the ask's intent, how much of its words the quote says (with and without synonyms), the share
of its words no document uses, whether another ask of the message is not covered, how clearly retrieval found the
clause, a figure or a verdict. The weights are data (assistant/resources/coverage_model.json), trained by
`python -m evals.coverage_model` on the eval sets; an answered ask whose probability of being unanswerable passes
`AnswerTuning.coverage_doubt` is not covered.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer.analysis import Intent
from assistant.answer.plan import Planner
from assistant.answer.plans import AskPlan, Outcome, Verdict
from assistant.core.records import Hit
from assistant.core.resources import DOMAIN, text

MODEL_FILE = "coverage_model.json"


@dataclass(frozen=True)
class AskContext:
    """What an ask's plan does not hold: its retrieval and its message."""

    hits: tuple[Hit, ...]
    asks: int  # asks in the message
    followup: bool  # resolved against the conversation


@dataclass(frozen=True)
class CoverageModel:
    names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    @classmethod
    def from_json(cls, data: dict) -> CoverageModel:
        return cls(tuple(data["names"]), tuple(float(w) for w in data["weights"]), float(data["bias"]))

    @classmethod
    def shipped(cls) -> CoverageModel:
        return cls.from_json(json.loads(text(DOMAIN, MODEL_FILE)))

    def probability(self, features: dict[str, float]) -> float:
        """The probability that the ask is one the documents do not answer."""
        z = self.bias + sum(w * features.get(n, 0.0) for n, w in zip(self.names, self.weights, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def features(plan: AskPlan, context: AskContext, siblings_uncovered: bool, planner: Planner) -> dict[str, float]:
    """The features of an answered ask (names as in the model file)."""
    ask, composition = plan.ask, plan.composition
    quoted = "".join(c.text for c in composition.chosen)
    words = planner.evidence_words(ask, quoted)
    scores = [h.score for h in context.hits[:2]] + [0.0, 0.0]
    return {
        **{f"intent_{i.value}": float(ask.intent is i) for i in Intent},
        "yes_no": float(ask.yes_no),
        "proposed": float(bool(ask.proposed)),
        "choice": float(ask.alternatives is not None),
        "n_subj": float(len(ask.subject)),
        "n_known": float(words.known),
        "n_unknown": float(words.unknown),
        "frac_unknown": words.unknown / len(ask.subject) if ask.subject else 0.0,
        "share": planner.subject_share_in(ask, quoted),
        "share_syn": words.share_syn,
        "frac_said": words.said / words.known if words.known else 1.0,
        "n_chosen": float(len(composition.chosen)),
        "n_docs": float(len({c.document.doc_id for c in composition.chosen})),
        "meta": float(any(c.meta for c in composition.chosen)),
        "facts": float(bool(plan.facts)),
        "verdict_yes": float(plan.verdict is Verdict.YES),
        "verdict_no": float(plan.verdict is Verdict.NO),
        "verdict_unstated": float(plan.verdict is Verdict.NOT_STATED),
        "gap": (scores[0] - scores[1]) / scores[0] if scores[0] else 0.0,
        "n_asks": float(context.asks),
        "sib_uncovered": float(siblings_uncovered),
        "ask_len": float(len(ask.text)),
        "followup": float(context.followup),
        "facets": float(bool(ask.facets)),
    }


def answered(
    plans: Sequence[AskPlan], contexts: Sequence[AskContext], planner: Planner
) -> list[tuple[int, dict[str, float]]]:
    """The position and the features of every answered ask of a message."""
    uncovered = any(p.outcome is Outcome.NOT_COVERED for p in plans)
    return [
        (n, features(plan, context, uncovered, planner))
        for n, (plan, context) in enumerate(zip(plans, contexts, strict=True))
        if plan.outcome is not Outcome.NOT_COVERED
    ]


def doubted(
    plans: Sequence[AskPlan], contexts: Sequence[AskContext], planner: Planner, model: CoverageModel, doubt: float
) -> set[int]:
    """The positions of the answered asks the model doubts (probability above `doubt`). Not doubted: a choice
    the quote answers by saying one of its sides ("按年计还是累计？" and a quote saying 累计), and a claimed duty
    the quote does not set ("是不是必须…才能申请？": no, with the clause that sets none)."""
    return {
        n
        for n, row in answered(plans, contexts, planner)
        if plans[n].ask.alternatives is None and not plans[n].duty and model.probability(row) > doubt
    }
