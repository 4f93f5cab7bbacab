"""One published index generation loaded for reading: documents, chunks, BM25, heading boosts and the dense
store (opened on first use, locked to this process when embedded). The files on disk: assistant.index.layout."""

from __future__ import annotations

import threading
import weakref
from typing import IO

import numpy as np

from assistant.core.errors import IndexNotReady
from assistant.core.text import HEADING_MARKER
from assistant.index.chroma_store import ChromaStore
from assistant.index.layout import LOCKED_HINT, Layout, acquire_lock, release_lock
from assistant.index.lexical import BM25Index

MIN_HEADING_CHARS = 4
HEADING_BOOST = 0.6
PHRASE_BOOST = 0.5


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
        return store

    def phrase_boosts(self, question: str, phrases: tuple[str, ...]) -> dict[int, float]:
        """Chunks whose clause heading the question quotes, or that contain a defining phrase."""
        boosts: dict[int, float] = {}
        for heading, idxs in self._headings.items():
            if heading in question:
                for i in idxs:
                    boosts[i] = HEADING_BOOST
        for phrase in phrases:
            for i, c in enumerate(self.chunks):
                if c.path[-1].startswith(phrase):
                    boosts[i] = boosts.get(i, 0.0) + HEADING_BOOST
                elif phrase in c.text:
                    boosts[i] = boosts.get(i, 0.0) + PHRASE_BOOST
        return boosts

    def mask(self, jurisdiction: str | None = None, doc_id: str | None = None) -> np.ndarray | None:
        if not jurisdiction and not doc_id:
            return None
        mask = np.ones(len(self.chunks), dtype=bool)
        if jurisdiction:
            mask &= self._jurisdiction == jurisdiction
        if doc_id:
            mask &= self._doc_ids == doc_id
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


def _close_store(store: ChromaStore, lock: IO[str] | None) -> None:
    try:
        store.close()
    finally:
        if lock is not None:
            release_lock(lock)
