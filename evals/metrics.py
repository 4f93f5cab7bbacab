"""Offline answer-quality metrics: retrieval hits, citations, key facts, refusals, unsupported numbers."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable

import numpy as np

from assistant.core.text import MARKER, norm

NUMBER = re.compile(r"\d+(?:\.\d+)?")
ENGLISH_AMOUNT = re.compile(r"\(\s*[\d.,]+\s*(?:million|billion)\s*yuan\s*\)", re.IGNORECASE)
VERDICT_YES = re.compile(r"^(?:是的?|对|正确|符合|有|可以|能|yes)[。，,.!！：:]", re.IGNORECASE)
VERDICT_NO = re.compile(r"^(?:不是|不对|不正确|不符合|没有|否|不能|不可以|不|no)[。，,.!！：:]", re.IGNORECASE)


def contains_any(text: str, phrases: list[str]) -> bool:
    t = norm(text)
    return any(norm(p) and norm(p) in t for p in phrases)


def unsupported_numbers(answer: str, cited_texts: list[str]) -> list[str]:
    """Figures of the answer that no cited text holds; an amount restated in English units beside the cited one
    ("1亿元 (100 million yuan)") is the cited figure."""
    support = "".join(norm(t) for t in cited_texts)
    stated = ENGLISH_AMOUNT.sub("", MARKER.sub("", norm(answer)))
    return [n for n in NUMBER.findall(stated) if n not in support]


def answer_verdict(pred: dict) -> str | None:
    """The verdict an answer gives: its own field when it has one, else its opening word."""
    if pred.get("verdict"):
        return str(pred["verdict"])
    text = norm(pred.get("answer", ""))
    if VERDICT_NO.match(text):
        return "no"
    if VERDICT_YES.match(text):
        return "yes"
    return None


def crag(answerable: bool, refused: bool, right: bool) -> int:
    """CRAG-style: +1 a right answer, 0 a refusal, -1 a wrong answer or an answered unanswerable."""
    if refused:
        return 0
    return 1 if answerable and right else -1


def crag_abstention_right(answerable: bool, refused: bool, right: bool) -> int:
    """The same, with a refused unanswerable scored +1: refusing is the right answer there (the literal score
    caps a set with 30% unanswerable items at 0.70)."""
    if refused:
        return 0 if answerable else 1
    return 1 if answerable and right else -1


def score_item(item: dict, pred: dict) -> dict:
    evidence = item.get("gold_evidence") or []
    contexts = [c["text"] for c in pred["contexts"]]
    cited = [c["text"] for c in pred["citations"]]
    rank = next((i for i, text in enumerate(contexts[:10], 1) if contains_any(text, evidence)), None)
    facts = item.get("key_facts") or []
    present = [any(norm(alt) in norm(pred["answer"]) for alt in group) for group in facts]
    gold_doc = item.get("gold_doc")
    correct = bool(present) and all(present) and not pred["refused"]
    verdict = item.get("verdict")
    verdict_right = answer_verdict(pred) == verdict if verdict else None
    right = (correct and verdict_right is not False) if item["answerable"] else bool(pred["refused"])
    return {
        "id": item["id"],
        "type": item["type"],
        "answerable": item["answerable"],
        "refused": pred["refused"],
        "rank": rank,
        "hit1": rank == 1,
        "hit5": rank is not None and rank <= 5,
        "rr": 1.0 / rank if rank else 0.0,
        "citation_hit": any(contains_any(t, evidence) for t in cited),
        "citation_doc_precision": (sum(c["doc_number"] == gold_doc for c in pred["citations"]) / len(cited))
        if cited and gold_doc
        else None,
        "key_fact_coverage": sum(present) / len(present) if present else None,
        "correct": correct,
        "verdict_right": verdict_right,
        "right": right,
        "crag": crag(item["answerable"], bool(pred["refused"]), right),
        "crag_abstain": crag_abstention_right(item["answerable"], bool(pred["refused"]), right),
        "unsupported": unsupported_numbers(pred["answer"], cited),
        "answer_chars": len(pred["answer"]),
        "latency_ms": pred["latency_ms"],
    }


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-quantile (0 ≤ q ≤ 1), interpolated linearly between the two nearest values (numpy's default),
    rounded to two decimals; None without values. Every latency figure of the evals and the bench uses it."""
    data = [float(v) for v in values]
    return round(float(np.percentile(data, 100 * q)), 2) if data else None


def summarize(scores: list[dict]) -> dict:
    ans = [s for s in scores if s["answerable"]]
    unans = [s for s in scores if not s["answerable"]]
    latencies = [s["latency_ms"] for s in scores]
    return {
        "items": len(scores),
        "hit@1": _mean(s["hit1"] for s in ans),
        "hit@5": _mean(s["hit5"] for s in ans),
        "mrr@10": _mean(s["rr"] for s in ans),
        "citation_hit": _mean(s["citation_hit"] for s in ans),
        "citation_doc_precision": _mean(s["citation_doc_precision"] for s in ans),
        "key_fact_coverage": _mean(s["key_fact_coverage"] for s in ans),
        "answer_correct": _mean(s["correct"] for s in ans),
        "fully_right": _mean(s["right"] for s in scores),
        "verdict_accuracy": _mean(s["verdict_right"] for s in scores),
        "crag_score": _mean(s["crag"] for s in scores),
        "crag_abstention_right": _mean(s["crag_abstain"] for s in scores),
        "false_refusal": _mean(s["refused"] for s in ans),
        "unanswerable_refusal": _mean(s["refused"] for s in unans),
        "unsupported_numbers": sum(len(s["unsupported"]) for s in scores),
        "median_answer_chars": statistics.median(s["answer_chars"] for s in scores) if scores else 0,
        "latency_p50_ms": percentile(latencies, 0.5) or 0.0,
        "latency_p95_ms": percentile(latencies, 0.95) or 0.0,
    }
