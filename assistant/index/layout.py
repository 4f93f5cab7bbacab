"""Index generations on disk and their locks: an ingest builds a new generation beside the current one and
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
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from assistant.core.errors import StoreLocked
from assistant.core.records import Chunk, Document
from assistant.core.settings import Settings
from assistant.index.chroma_store import ChromaStore
from assistant.index.writer import GenerationWriter, fsync_path

log = logging.getLogger(__name__)
LOCKED_HINT = (
    ". An embedded index can be open in one process at a time: stop that process, ask with "
    "`--retriever lexical`, or serve several processes from a Chroma server (PA_CHROMA_URL)"
)


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

    def current_stamp(self) -> tuple[int, int, int] | None:
        """What changes when a generation is published (`publish` replaces the CURRENT file): one stat, cheaper
        than reading the file on every question."""
        try:
            st = os.stat(self.current_file)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

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


def acquire_lock(path: Path, what: str, hint: str = "") -> IO[str]:
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


def release_lock(handle: IO[str]) -> None:
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()
