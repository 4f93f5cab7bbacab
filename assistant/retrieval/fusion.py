"""Fusion of the lexical and the dense ranking into one score per chunk (settings.fusion)."""

from __future__ import annotations

from collections.abc import Callable

from assistant.core.settings import Fusion, RetrievalMode, Settings

Ranked = list[tuple[int, float]]  # (chunk position, score), best first


def normalise(ranked: Ranked) -> Ranked:
    """Scores min-max normalised to 0..1 (all 0 when every score is the same)."""
    if not ranked:
        return []
    values = [sc for _, sc in ranked]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return [(i, (sc - low) / span) for i, sc in ranked]


def weighted(lexical: Ranked, dense: Ranked, settings: Settings) -> dict[int, float]:
    """Weighted sum of the min-max normalised scores."""
    fused: dict[int, float] = {}
    for weight, ranked in ((settings.lexical_weight, lexical), (settings.dense_weight, dense)):
        for i, norm in normalise(ranked):
            fused[i] = fused.get(i, 0.0) + weight * norm
    return fused


def rrf(lexical: Ranked, dense: Ranked, settings: Settings) -> dict[int, float]:
    """Weighted reciprocal rank fusion: weight / (rrf_k + rank) from each ranking."""
    fused: dict[int, float] = {}
    for rank, (i, _) in enumerate(lexical):
        fused[i] = fused.get(i, 0.0) + settings.lexical_weight / (settings.rrf_k + rank + 1)
    for rank, (i, _) in enumerate(dense):
        fused[i] = fused.get(i, 0.0) + settings.dense_weight / (settings.rrf_k + rank + 1)
    return fused


FUSIONS: dict[Fusion, Callable[[Ranked, Ranked, Settings], dict[int, float]]] = {
    Fusion.WEIGHTED: weighted,
    Fusion.RRF: rrf,
}


def fuse(lexical: Ranked, dense: Ranked, mode: str, settings: Settings) -> dict[int, float]:
    """One score per chunk: a single retriever's own scores, or hybrid's fusion of both."""
    if mode == RetrievalMode.LEXICAL:
        return dict(lexical)
    if mode == RetrievalMode.DENSE:
        return dict(dense)
    return FUSIONS[settings.fusion](lexical, dense, settings)
