"""Hybrid retrieval: BM25 over jieba tokens fused with dense Chroma search (assistant.retrieval.fusion)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from assistant.core.records import Hit
from assistant.core.settings import RetrievalMode, Settings
from assistant.index.embeddings import Embedder
from assistant.index.snapshot import Snapshot
from assistant.retrieval.fusion import Ranked, fuse


@dataclass
class Query:
    text: str  # what the dense side embeds
    terms: dict[str, float]  # weighted lexical terms (question, synonyms, conversation context)
    jurisdiction: str | None = None
    doc_id: str | None = None
    question: str = ""  # the user's own words, to spot quoted clause headings
    phrases: tuple[str, ...] = ()


@dataclass
class Retrieval:
    hits: list[Hit]
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per stage
    dense_skipped: bool = False  # hybrid asked for, but the model cannot read the question


class Retriever:
    def __init__(self, snapshot: Snapshot, embedder: Embedder | None, settings: Settings):
        self.snapshot = snapshot
        self.embedder = embedder
        self.settings = settings

    def search(self, query: Query, k: int | None = None, mode: str | None = None) -> Retrieval:
        k = k or self.settings.top_k
        mode = mode or self.settings.retriever
        snap = self.snapshot
        mask = snap.mask(query.jurisdiction, query.doc_id)
        n = max(self.settings.retrieval_candidates, k)
        timings: dict[str, float] = {}
        lexical: Ranked = []
        dense: Ranked = []
        if mode in (RetrievalMode.HYBRID, RetrievalMode.LEXICAL):
            t0 = time.perf_counter()
            boosts = snap.phrase_boosts(
                query.question, query.phrases, self.settings.heading_boost, self.settings.phrase_boost
            )
            lexical = snap.bm25.top(query.terms, n, mask, boosts)
            timings["lexical_ms"] = (time.perf_counter() - t0) * 1000
        skipped = (
            mode == RetrievalMode.HYBRID
            and self.embedder is not None
            and self.embedder.coverage(query.text) < self.settings.dense_min_coverage
        )
        if skipped:
            mode = RetrievalMode.LEXICAL  # the model cannot read this question: its vector would only add noise
        if mode in (RetrievalMode.HYBRID, RetrievalMode.DENSE) and self.embedder is not None:
            t0 = time.perf_counter()
            vector = self.embedder.embed([query.text])[0]
            t1 = time.perf_counter()
            dense = self._dense(vector, n, query, mask)
            timings["embed_ms"] = (t1 - t0) * 1000
            timings["dense_ms"] = (time.perf_counter() - t1) * 1000
        t0 = time.perf_counter()
        hits = self._fuse(lexical, dense, mode, k, mask)
        timings["fuse_ms"] = (time.perf_counter() - t0) * 1000
        return Retrieval(hits, timings, skipped)

    def _dense(self, vector: np.ndarray, n: int, query: Query, mask: np.ndarray | None) -> Ranked:
        """Nearest chunks inside the filter. Chroma's metadata filter is slow on a large collection (200-500 ms at
        100k chunks), so an unfiltered query for dense_first_overfetch×n, then for dense_overfetch×n, is filtered
        here first; only when fewer than n of those pass are the scope's own vectors searched exactly (or, for a
        generation without vectors.npy, the filter handed to Chroma). Exact either way: n passing chunks from
        the unfiltered top are the top n."""
        snap = self.snapshot
        if mask is None:
            return [(snap.position[cid], sim) for cid, sim in snap.query(vector, n) if cid in snap.position]
        allowed = int(mask.sum())
        first = self.settings.dense_first_overfetch
        for factor in dict.fromkeys((first, max(first, self.settings.dense_overfetch))):
            found = [
                (pos, sim)
                for cid, sim in snap.query(vector, factor * n)
                if (pos := snap.position.get(cid)) is not None and mask[pos]
            ]
            if len(found) >= min(n, allowed):
                return found[:n]
        exact = snap.nearest(vector, n, mask)
        if exact is not None:
            return exact
        return [(snap.position[cid], sim) for cid, sim in snap.query(vector, n, _where(query)) if cid in snap.position]

    def _fuse(self, lexical: Ranked, dense: Ranked, mode: str, k: int, mask: np.ndarray | None) -> list[Hit]:
        lex_score = dict(lexical)
        dense_score = dict(dense)
        fused = fuse(lexical, dense, mode, self.settings)
        order = sorted(fused, key=lambda i: (-fused[i], i))
        if len(order) < k:  # pad with the remaining chunks in document order, score 0
            allowed = np.flatnonzero(mask) if mask is not None else range(len(self.snapshot.chunks))
            seen = set(order)
            order += [int(i) for i in allowed if int(i) not in seen][: k - len(order)]
        docs = self.snapshot.documents
        chunks = self.snapshot.chunks
        return [
            Hit(chunks[i], docs[chunks[i].doc_id], float(fused.get(i, 0.0)), rank, lex_score.get(i), dense_score.get(i))
            for rank, i in enumerate(order[:k], 1)
        ]


def _where(query: Query) -> dict | None:
    clauses = []
    if query.jurisdiction:
        clauses.append({"jurisdiction": query.jurisdiction})
    if query.doc_id:
        clauses.append({"doc_id": query.doc_id})
    if len(clauses) > 1:
        return {"$and": clauses}
    return clauses[0] if clauses else None
