"""Index generations on disk: an ingest builds a new generation beside the current one and
publishes it atomically, so a reader never sees a half-built index.

data/index/
  CURRENT              name of the published generation (replaced atomically)
  ingest.lock          held while an ingest runs
  <generation>/
    manifest.json      documents, file hashes, embedding model
    chunks.jsonl       chunk records with their lexical tokens
    vectors.npy        their embeddings, row by row (the next ingest copies these, never the store)
    chroma/            the embedded Chroma store (absent in server mode)
    open.lock          held by the one process that has this embedded store open

A generation is complete once manifest.json exists (written last, after the store is closed), and
CURRENT only ever names complete generations. Nothing of a published generation changes except its
own Chroma directory, which only the process holding open.lock touches: Chroma writes to its
directory even to read, so two processes must never open the same embedded store.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
import weakref
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.core.errors import IndexNotReady, StoreLocked
from assistant.core.records import Chunk, Document
from assistant.core.settings import Settings
from assistant.index.chroma_store import ChromaStore
from assistant.index.lexical import BM25Index
from assistant.index.writer import GenerationWriter, fsync_path

log = logging.getLogger(__name__)
HEADING_MARKER = re.compile(
    r"^(第[一二三四五六七八九十百零〇]+[章节条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])"
)
MIN_HEADING_CHARS = 4
HEADING_BOOST = 0.6
PHRASE_BOOST = 0.5


@dataclass
class DocEntry:
    document: Document
    file_hash: str
    clauses: int
    chunks: int

    def to_dict(self) -> dict:
        return {
            "document": self.document.to_dict(),
            "file_hash": self.file_hash,
            "clauses": self.clauses,
            "chunks": self.chunks,
        }

    @classmethod
    def from_dict(cls, data: dict) -> DocEntry:
        return cls(Document.from_dict(data["document"]), data["file_hash"], data["clauses"], data["chunks"])


@dataclass
class Manifest:
    generation: str
    model: str
    created: float
    entries: dict[str, DocEntry] = field(default_factory=dict)
    tokenizer: str = ""  # ChineseTokenizer.fingerprint the lexical tokens were made with

    def to_dict(self) -> dict:
        return {
            "generation": self.generation,
            "model": self.model,
            "tokenizer": self.tokenizer,
            "created": self.created,
            "documents": [e.to_dict() for e in self.entries.values()],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Manifest:
        entries = [DocEntry.from_dict(d) for d in data["documents"]]
        return cls(
            data["generation"],
            data["model"],
            data["created"],
            {e.document.doc_id: e for e in entries},
            data.get("tokenizer", ""),
        )


class Layout:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = settings.data_dir / "index"

    @property
    def current_file(self) -> Path:
        return self.root / "CURRENT"

    def current(self) -> str | None:
        try:
            name = self.current_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name / "manifest.json").exists() else None

    def gen_dir(self, generation: str) -> Path:
        return self.root / generation

    def new_generation(self) -> str:
        return time.strftime("g%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]

    def publish(self, generation: str) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(generation)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.current_file)
        fsync_path(self.root)

    def remove_stale(self, keep: set[str]) -> None:
        """Delete generations other than `keep` that no process has open."""
        if not self.root.exists():
            return
        for path in self.root.iterdir():
            if not path.is_dir() or path.name in keep:
                continue
            try:
                with exclusive_lock(path / "open.lock", what=str(path)):
                    if self.settings.chroma_url:
                        _drop_server_collection(self.settings, path.name)
                    shutil.rmtree(path, ignore_errors=True)
                    log.info("removed old index generation %s", path.name)
            except StoreLocked:
                log.debug("generation %s still in use", path.name)

    def discard(self, generation: str) -> None:
        """Delete an unpublished generation this process was building (its open.lock is already released)."""
        if self.settings.chroma_url:
            _drop_server_collection(self.settings, generation)
        shutil.rmtree(self.gen_dir(generation), ignore_errors=True)
        log.info("discarded the unpublished index generation %s", generation)

    def load_manifest(self, generation: str) -> Manifest:
        data = json.loads((self.gen_dir(generation) / "manifest.json").read_text(encoding="utf-8"))
        return Manifest.from_dict(data)

    def load_chunks(self, generation: str) -> tuple[list[Chunk], list[list[str]]]:
        chunks, tokens = [], []
        with open(self.gen_dir(generation) / "chunks.jsonl", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                tokens.append(row.pop("tokens"))
                chunks.append(Chunk.from_dict(row))
        return chunks, tokens

    def load_vectors(self, generation: str) -> np.ndarray | None:
        """The embeddings of load_chunks(generation), row by row; None for generations without them."""
        path = self.gen_dir(generation) / "vectors.npy"
        return np.load(path) if path.is_file() else None

    def write_generation(
        self,
        generation: str,
        manifest: Manifest,
        chunks: list[Chunk],
        tokens: list[list[str]],
        vectors: np.ndarray | None = None,
    ) -> None:
        """Write the files of a generation at once; the manifest last, as it marks the generation complete."""
        with GenerationWriter(self.gen_dir(generation), len(chunks)) as out:
            out.add(chunks, tokens, None if vectors is None else np.asarray(vectors, dtype=np.float32))
            out.finish(manifest.to_dict())

    def open_store(self, generation: str, model: str, create: bool) -> ChromaStore:
        s = self.settings
        return ChromaStore.open(
            path=self.gen_dir(generation) / "chroma",
            url=s.chroma_url,
            name=s.collection,
            model=model,
            generation=generation,
            create=create,
        )


def _drop_server_collection(settings: Settings, generation: str) -> None:
    try:
        store = ChromaStore.open(
            path=None, url=settings.chroma_url, name=settings.collection, model="", generation=generation, create=False
        )
        store.drop()
    except Exception as exc:  # noqa: BLE001 - a missing collection is fine
        log.debug("no server collection for %s: %s", generation, exc)


@contextmanager
def exclusive_lock(path: Path, what: str) -> Iterator[None]:
    handle = acquire_lock(path, what)
    try:
        yield
    finally:
        release_lock(handle)


def acquire_lock(path: Path, what: str, hint: str = ""):
    """An exclusive flock on `path`, or StoreLocked naming the holder. The kernel drops the lock when
    its process dies, so a killed process never leaves a stale lock behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with ExitStack() as on_failure:  # the handle is closed unless the lock is taken and handed out
        handle = on_failure.enter_context(open(path, "a+", encoding="utf-8"))
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise StoreLocked(f"{what} is in use by {holder}{hint}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        on_failure.pop_all()
    return handle


def release_lock(handle) -> None:
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


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


LOCKED_HINT = (
    ". An embedded index can be open in one process at a time: stop that process, ask with "
    "`--retriever lexical`, or serve several processes from a Chroma server (PA_CHROMA_URL)"
)


def _close_store(store: ChromaStore, lock) -> None:
    try:
        store.close()
    finally:
        if lock is not None:
            release_lock(lock)
