"""One published index generation loaded for reading: documents, chunks, BM25, heading boosts and the dense
store (opened on first use, locked to this process when embedded). The files on disk: assistant.index.layout."""

from __future__ import annotations

import re
import threading
import weakref
from functools import cached_property
from typing import IO

import numpy as np

from assistant.core.errors import IndexNotReady
from assistant.core.records import Chunk
from assistant.core.text import HEADING_MARKER
from assistant.index.chroma_store import ChromaStore
from assistant.index.layout import LOCKED_HINT, Layout, acquire_lock, release_lock
from assistant.index.lexical import BM25Index

MIN_HEADING_CHARS = 4
SEPARATOR = "\x00"  # between the strings of a _Joined; a question never holds it (control characters are removed)


class Snapshot:
    """One published generation, loaded for reading: documents, chunks, BM25 and the dense store."""

    def __init__(self, layout: Layout, generation: str):
        self.layout = layout
        self.generation = generation
        self.manifest = layout.load_manifest(generation)
        self.documents = {d: e.document for d, e in self.manifest.entries.items()}
        self.chunks, tokens = layout.load_chunks(generation)
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.bm25 = BM25Index(tokens)
        self._doc_ids = np.array([c.doc_id for c in self.chunks])
        self._jurisdiction = np.array([self.documents[c.doc_id].jurisdiction for c in self.chunks])
        self.headers = {c.doc_id: c for c in self.chunks if c.kind == "header"}
        self.trailers = {c.doc_id: c for c in self.chunks if c.kind == "trailer"}
        self._headings: dict[str, list[int]] = {}
        for i, c in enumerate(self.chunks):
            leaf = HEADING_MARKER.sub("", c.path[-1]).rstrip("？?。") if c.kind == "clause" else ""
            if len(leaf) >= MIN_HEADING_CHARS:
                self._headings.setdefault(leaf, []).append(i)
        self._clauses: dict[str, list[Chunk]] = {}  # by document
        self._children: dict[tuple[str, tuple[str, ...]], list[Chunk]] = {}  # by document and parent path
        self._clause_leaves: dict[str, list[int]] = {}  # positions of the clauses below a heading, by their own
        for i, c in enumerate(self.chunks):
            self._children.setdefault((c.doc_id, c.path[:-1]), []).append(c)
            if c.kind == "clause":
                self._clauses.setdefault(c.doc_id, []).append(c)
                if len(c.path) > 1:
                    self._clause_leaves.setdefault(c.path[-1], []).append(i)
        self._leaves = _Joined([c.path[-1] for c in self.chunks])  # phrase_boosts: one search, not a loop
        self._texts = _Joined([c.text for c in self.chunks])
        self._masks: dict[tuple[str | None, str | None], np.ndarray] = {}
        self._store: ChromaStore | None = None
        self._release: weakref.finalize | None = None
        self._guard = threading.Lock()  # opening, querying and closing the store from several threads
        self._queries = 0  # dense queries running; close() leaves the store to the last of them
        self._closing = False

    @classmethod
    def load_current(cls, layout: Layout) -> Snapshot:
        generation = layout.current()
        if generation is None:
            raise IndexNotReady(f"no index under {layout.root}: run `policy-assistant ingest` first")
        return cls(layout, generation)

    @property
    def store(self) -> ChromaStore:
        """The dense store, opened on first use (by one thread; the others wait for it). An embedded
        store is locked to this process first."""
        store = self._store
        if store is not None:
            return store
        with self._guard:  # the first questions after a switch arrive together: one opens, the others wait
            if self._store is None:
                self._store = self._open_store()
            return self._store

    def query(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """Dense search (ChromaStore.query), safe while another thread closes this snapshot: the store is
        closed when the last running query ends, and a query after that opens it again."""
        with self._guard:
            if self._store is None:
                self._store = self._open_store()
            store = self._store
            self._queries += 1
        try:
            return store.query(vector, n, where)
        finally:
            with self._guard:
                self._queries -= 1
                release = self._detach() if self._closing and not self._queries else None
            if release is not None:
                release()

    def _open_store(self) -> ChromaStore:
        gen_dir = self.layout.gen_dir(self.generation)
        lock = None
        if not self.layout.settings.chroma_url:
            lock = acquire_lock(gen_dir / "open.lock", what=f"the embedded index {gen_dir}", hint=LOCKED_HINT)
            if not (gen_dir / "manifest.json").is_file():  # removed by an ingest since it was loaded
                release_lock(lock)
                raise IndexNotReady("索引刚刚更新，请重新提问。")
        try:
            store = self.layout.open_store(self.generation, self.manifest.model, create=False)
        except BaseException:
            if lock is not None:
                release_lock(lock)
            raise
        # closed by close(), or when the snapshot is garbage-collected, or at interpreter exit
        self._release = weakref.finalize(self, _close_store, store, lock)
        _ = self._vectors  # the dense side is in use: read its vectors now, not during a question
        return store

    def nearest(self, vector: np.ndarray, n: int, mask: np.ndarray) -> list[tuple[int, float]] | None:
        """Exact cosine search among the chunks of `mask` over the generation's own vectors (vectors.npy, read
        when the dense store is opened): the n best (position, similarity), best first; None without the file."""
        vectors = self._vectors
        if vectors is None:
            return None
        rows = np.flatnonzero(mask)
        sims = (vectors @ np.asarray(vector, dtype=np.float32))[rows]  # one pass over the matrix, no copy of it
        best = np.lexsort((rows, -sims))[:n]  # highest similarity first, then document order
        return [(int(rows[i]), float(sims[i])) for i in best]

    @cached_property
    def _vectors(self) -> np.ndarray | None:
        path = self.layout.gen_dir(self.generation) / "vectors.npy"
        return np.load(path) if path.is_file() else None

    def phrase_boosts(
        self, question: str, phrases: tuple[str, ...], heading_boost: float, phrase_boost: float
    ) -> dict[int, float]:
        """Chunks whose clause heading the question quotes, or that contain a defining phrase: a heading that
        starts with the phrase adds `heading_boost`, else a text that holds it `phrase_boost`, phrase after
        phrase (shares of the best BM25 score)."""
        boosts: dict[int, float] = {}
        for heading, idxs in self._headings.items():
            if heading in question:
                for i in idxs:
                    boosts[i] = heading_boost
        for phrase in phrases:
            if not phrase or SEPARATOR in phrase:  # every heading starts with "": the plain scan says so
                starts = {i for i, c in enumerate(self.chunks) if c.path[-1].startswith(phrase)}
                holds = {i for i, c in enumerate(self.chunks) if phrase in c.text}
            else:
                starts = self._leaves.find(SEPARATOR + phrase, at_start=True)
                holds = self._texts.find(phrase)
            for i in sorted(starts | holds):
                boosts[i] = boosts.get(i, 0.0) + (heading_boost if i in starts else phrase_boost)
        return boosts

    def clauses(self, doc_id: str) -> list[Chunk]:
        """The clause chunks of a document, in document order."""
        return self._clauses.get(doc_id, [])

    def children(self, doc_id: str, parent: tuple[str, ...]) -> list[Chunk]:
        """The chunks of a document whose path is `parent` and one heading more, in document order."""
        return self._children.get((doc_id, parent), [])

    def clauses_named_in(self, text: str) -> list[Chunk]:
        """The clauses below a heading whose own heading `text` quotes, in document order (each distinct heading
        looked for once)."""
        named = sorted(i for leaf, idxs in self._clause_leaves.items() if leaf in text for i in idxs)
        return [self.chunks[i] for i in named]

    def mask(self, jurisdiction: str | None = None, doc_id: str | None = None) -> np.ndarray | None:
        """The chunks of a jurisdiction and/or a document (read-only, computed once per generation)."""
        if not jurisdiction and not doc_id:
            return None
        key = (jurisdiction, doc_id)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.ones(len(self.chunks), dtype=bool)
            if jurisdiction:
                mask &= self._jurisdiction == jurisdiction
            if doc_id:
                mask &= self._doc_ids == doc_id
            mask.flags.writeable = False
            self._masks[key] = mask
        return mask

    def close(self) -> None:
        """Close the dense store and release its lock, now or when the queries still running end. A thread
        that still holds this snapshot may open the store again; it is closed when the snapshot is freed."""
        with self._guard:
            self._closing = bool(self._queries)
            release = None if self._closing else self._detach()
        if release is not None:
            release()

    def _detach(self):
        release, self._store, self._release, self._closing = self._release, None, None, False
        return release


class _Joined:
    """Strings joined into one, each after a SEPARATOR, to find a phrase in all of them with one search."""

    def __init__(self, strings: list[str]):
        self.text = "".join(SEPARATOR + x for x in strings)
        lengths = np.fromiter((len(x) + 1 for x in strings), dtype=np.int64, count=len(strings))
        self.starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if strings else np.zeros(0, dtype=np.int64)

    def find(self, phrase: str, at_start: bool = False) -> set[int]:
        """Positions of the strings that hold `phrase` (`phrase` = SEPARATOR + p with at_start: that start with
        p). The phrase holds no SEPARATOR, so no match straddles two strings."""
        found = [m.start() for m in re.finditer(re.escape(phrase), self.text)]
        if not found:
            return set()
        at = np.asarray(found)
        owners = np.searchsorted(self.starts, at, side="right") - 1
        if at_start:  # at its string's own separator, not one inside a string
            owners = owners[self.starts[owners] == at]
        return {int(i) for i in owners}


def _close_store(store: ChromaStore, lock: IO[str] | None) -> None:
    try:
        store.close()
    finally:
        if lock is not None:
            release_lock(lock)
