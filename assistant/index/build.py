"""Incremental, crash-safe ingest: parse what changed, build a new index generation, publish it."""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.core.errors import IngestError, StorageError
from assistant.core.records import Chunk, Document
from assistant.core.settings import Settings
from assistant.index.chroma_store import ChromaStore
from assistant.index.embeddings import Embedder, release_freed_memory
from assistant.index.layout import DocEntry, Layout, Manifest, acquire_lock, exclusive_lock, release_lock
from assistant.index.lexical import ChineseTokenizer, index_text
from assistant.index.writer import GenerationWriter
from ingest.isolated import ParseWorker
from ingest.loaders import SUPPORTED, check_file, check_link
from ingest.parse import Spooled, doc_id_for, file_hash, parse_to_spool

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (stage, done, total)
DISK_FULL_SIGNS = ("database or disk is full", "No space left on device", "os error 28")
# a build that fails with less free space than this failed for want of it (Chroma reports some ENOSPC as
# "Error in compaction: Failed to apply logs to the metadata segment")
LOW_DISK_BYTES = 16 * 1024 * 1024


@dataclass
class DocReport:
    path: str
    status: str  # new | updated | unchanged | removed | failed
    document: Document | None = None
    clauses: int = 0
    chunks: int = 0
    seconds: float = 0.0
    reason: str | None = None


@dataclass
class IngestReport:
    generation: str | None
    changed: bool
    docs: list[DocReport] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[DocReport]:
        return [d for d in self.docs if d.status == "failed"]


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The supported files of the corpus folder, symbolic links too (broken ones included: they are reported)."""
    if not corpus_dir.is_dir():
        return []
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if (p.is_file() or p.is_symlink()) and p.suffix.lower() in SUPPORTED and not p.name.startswith(".")
    )


def chunk_index_text(chunk: Chunk, document: Document) -> str:
    return index_text(chunk.section, chunk.text, document.place)


def ingest(
    settings: Settings,
    embedder: Embedder,
    tokenizer: ChineseTokenizer,
    paths: Iterable[Path] | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index in line with the corpus (or with the given files, which are added or updated)."""
    started = time.perf_counter()
    layout = Layout(settings)
    layout.root.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(layout.root / "ingest.lock", what="the ingest lock (another ingest is running)"):
        spool = layout.root / f".spool-{os.getpid()}"  # parsed chunks until indexed; a dead ingest's is stale
        spool.mkdir(exist_ok=True)
        try:
            report = _ingest_locked(
                settings, layout, embedder, tokenizer, paths, rebuild, progress or _no_progress, spool
            )
        finally:
            shutil.rmtree(spool, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _ingest_locked(settings, layout, embedder, tokenizer, paths, rebuild, progress, spool) -> IngestReport:
    timings: dict[str, float] = {}
    previous_gen = layout.current()
    previous = layout.load_manifest(previous_gen) if previous_gen else None
    same_model = previous is not None and previous.model == embedder.name
    old_entries, renamed = _by_file_name(previous.entries if previous and same_model and not rebuild else {})
    full_corpus = paths is None
    files = corpus_files(settings.corpus_dir) if full_corpus else [Path(p) for p in paths]

    t0 = time.perf_counter()
    docs, parsed, seen = _parse_files(settings, files, old_entries, progress, full_corpus, spool)
    timings["parse"] = time.perf_counter() - t0

    removed = [d for d in old_entries if full_corpus and d not in seen]
    docs.extend(DocReport(old_entries[d].document.source_path, "removed", old_entries[d].document) for d in removed)
    model_changed = previous is not None and not same_model
    retokenize = previous is not None and previous.tokenizer != tokenizer.fingerprint
    unchanged = not (parsed or removed or model_changed or retokenize or rebuild or renamed)
    if unchanged and previous_gen:
        layout.remove_stale(keep={previous_gen})  # generations left by killed ingests go even when nothing changed
        return IngestReport(previous_gen, False, docs, timings=timings)
    if renamed:
        log.info("doc ids now carry the file extension: %d documents renamed, no re-embedding", len(renamed))

    generation = layout.new_generation()
    try:
        _build_generation(
            layout,
            generation,
            previous_gen if old_entries else None,
            old_entries,
            parsed,
            removed,
            embedder,
            tokenizer,
            progress,
            timings,
            retokenize,
            renamed,
        )
        layout.publish(generation)
    except BaseException as exc:
        full = disk_full(exc) or _free_bytes(layout.root) < LOW_DISK_BYTES  # Chroma may hide the ENOSPC
        layout.discard(generation)  # the published index is untouched; the space the new one took is freed
        log.info("building index generation %s failed: %r", generation, exc)
        if full:
            raise _disk_full(layout.root) from exc
        raise
    layout.remove_stale(keep={generation})
    log.info("published index generation %s", generation)
    return IngestReport(generation, True, docs, timings=timings)


def disk_full(exc: BaseException) -> bool:
    """Whether `exc`, or an exception it was raised from, says the disk is full (ENOSPC from Python, SQLite's
    "database or disk is full" from Chroma)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(sign in str(current) for sign in DISK_FULL_SIGNS):
            return True
        current = current.__cause__ or current.__context__
    return False


def _disk_full(root: Path) -> StorageError:
    return StorageError(
        f"磁盘空间不足：{root} 所在磁盘已满，索引未更新（已发布的索引不变）。请清理磁盘后重新运行 ingest。"
    )


def _free_bytes(path: Path) -> int:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return LOW_DISK_BYTES


def _parse_files(
    settings: Settings,
    files: list[Path],
    old_entries: dict[str, DocEntry],
    progress: Progress,
    in_corpus: bool,
    spool: Path,
) -> tuple[list[DocReport], dict[str, Spooled], set[str]]:
    """Each changed file parsed in a child process under the per-file time limit. Whatever goes wrong with
    one file (unreadable, corrupt, too slow, a crash of the parser) is that file's reason; the others go on."""
    docs: list[DocReport] = []
    parsed: dict[str, Spooled] = {}
    seen: set[str] = set()
    with ParseWorker(settings.parse_timeout) as worker:
        for i, path in enumerate(files):
            progress("parse", i, len(files))
            doc_id = doc_id_for(path)
            t_doc = time.perf_counter()
            try:
                if in_corpus:  # a link out of the corpus is not part of it: an indexed version is removed too
                    check_link(path, settings.corpus_dir)
                if doc_id in seen:  # explicit paths from two folders
                    raise IngestError(path, "与本次已处理的另一个文件同名，未重复收录")
            except IngestError as exc:
                log.warning("%s", exc)
                docs.append(DocReport(str(path), "failed", reason=exc.reason))
                continue
            seen.add(doc_id)
            try:
                check_file(path, settings.max_file_mb)  # before hashing: an oversized file is never read
                digest = file_hash(path)
                old = old_entries.get(doc_id)
                if old and old.file_hash == digest:
                    docs.append(DocReport(str(path), "unchanged", old.document, old.clauses, old.chunks))
                    continue
                result = worker.call(path, parse_to_spool, path, settings, digest, spool / f"{i:06d}.jsonl")
            except OSError as exc:
                log.warning("%s: %s", path, exc)
                docs.append(DocReport(str(path), "failed", reason=f"无法读取文件（{type(exc).__name__}）"))
                continue
            except IngestError as exc:
                if _free_bytes(spool) < LOW_DISK_BYTES:  # the parser could not write its chunks: not the file's fault
                    raise _disk_full(spool.parent) from exc
                log.warning("%s", exc)
                docs.append(DocReport(str(path), "failed", reason=exc.reason))
                continue
            parsed[doc_id] = result
            status = "updated" if doc_id in old_entries else "new"
            seconds = time.perf_counter() - t_doc
            docs.append(DocReport(str(path), status, result.document, result.clauses, result.chunks, seconds))
    progress("parse", len(files), len(files))
    return docs, parsed, seen


def _build_generation(
    layout: Layout,
    generation: str,
    base: str | None,
    old_entries: dict[str, DocEntry],
    parsed: dict[str, Spooled],
    removed: list[str],
    embedder: Embedder,
    tokenizer: ChineseTokenizer,
    progress: Progress,
    timings: dict[str, float],
    retokenize: bool,
    renamed: dict[str, str],
) -> None:
    """A fresh store with the unchanged documents' vectors (read from the base generation's vectors.npy,
    never from its store, which a running app may have open) and the new documents' vectors."""
    gen_dir = layout.gen_dir(generation)
    gen_dir.mkdir(parents=True)
    lock = acquire_lock(gen_dir / "open.lock", what=f"the new index {gen_dir}")
    store = None
    try:
        dropped = set(parsed) | set(removed)
        kept_ids = [d for d in old_entries if d not in dropped]
        documents = {d: old_entries[d].document for d in kept_ids}
        documents.update({d: p.document for d, p in parsed.items()})
        store = layout.open_store(generation, embedder.name, create=True)

        t0 = time.perf_counter()
        kept_chunks, kept_tokens, kept_vectors = _kept(layout, base, set(kept_ids), documents, embedder, renamed)
        kept_texts = [chunk_index_text(c, documents[c.doc_id]) for c in kept_chunks]
        if retokenize:  # the dictionary, the synonyms or the stop words changed since the base generation
            log.info("tokenizer changed since %s: re-tokenizing %d unchanged chunks", base, len(kept_chunks))
            kept_tokens = [tokenizer.tokens(t) for t in kept_texts]
        store.add(kept_chunks, kept_vectors, documents, kept_texts)
        timings["copy"] = time.perf_counter() - t0

        new = sum(p.chunks for p in parsed.values())
        with GenerationWriter(gen_dir, len(kept_chunks) + new) as out:
            out.add(kept_chunks, kept_tokens, kept_vectors)
            del kept_chunks, kept_tokens, kept_vectors, kept_texts
            batches = (batch for p in parsed.values() for batch in p.batches(EMBED_BATCH))
            _embed_and_store(store, batches, new, documents, embedder, tokenizer, out, progress, timings)
            store.close()  # flushed and released before anyone else may open it

            entries = {d: old_entries[d] for d in kept_ids}
            entries.update(
                {d: DocEntry(p.document, p.document.content_hash, p.clauses, p.chunks) for d, p in parsed.items()}
            )
            out.finish(Manifest(generation, embedder.name, time.time(), entries, tokenizer.fingerprint).to_dict())
    finally:
        if store is not None:
            store.close()
        release_lock(lock)


def _by_file_name(entries: dict[str, DocEntry]) -> tuple[dict[str, DocEntry], dict[str, str]]:
    """The entries under the doc id their file name gives now, and {old id: new id} for those that changed
    (indexes built before doc ids kept the extension used the stem, so x.txt and x.md collided)."""
    migrated: dict[str, DocEntry] = {}
    renamed: dict[str, str] = {}
    for old_id, entry in entries.items():
        doc_id = doc_id_for(Path(entry.document.source_path))
        if doc_id != old_id:
            renamed[old_id] = doc_id
            entry = dataclasses.replace(entry, document=dataclasses.replace(entry.document, doc_id=doc_id))
        migrated[doc_id] = entry
    return migrated, renamed


def _renamed(chunk: Chunk, renamed: dict[str, str]) -> Chunk:
    doc_id = renamed.get(chunk.doc_id)
    if doc_id is None:
        return chunk
    return dataclasses.replace(chunk, doc_id=doc_id, chunk_id=doc_id + "#" + chunk.chunk_id.rpartition("#")[2])


def _kept(
    layout: Layout,
    base: str | None,
    doc_ids: set[str],
    documents: dict[str, Document],
    embedder: Embedder,
    renamed: dict[str, str],
) -> tuple[list[Chunk], list[list[str]], np.ndarray]:
    """Chunks (under their current doc ids), tokens and vectors of the unchanged documents, from the base
    generation's files."""
    if not base or not doc_ids:
        return [], [], _stack([])
    chunks, tokens = layout.load_chunks(base)
    chunks = [_renamed(c, renamed) for c in chunks]
    keep = [i for i, c in enumerate(chunks) if c.doc_id in doc_ids]
    chunks, tokens = [chunks[i] for i in keep], [tokens[i] for i in keep]
    vectors = layout.load_vectors(base)
    if vectors is None:  # a generation written before vectors.npy existed: embed its chunks again
        log.info("generation %s has no vectors.npy; re-embedding %d unchanged chunks", base, len(chunks))
        return chunks, tokens, _embed(embedder, [chunk_index_text(c, documents[c.doc_id]) for c in chunks])
    return chunks, tokens, vectors[keep]


EMBED_BATCH = 256


def _stack(parts: list[np.ndarray]) -> np.ndarray:
    parts = [np.asarray(p, dtype=np.float32) for p in parts if len(p)]
    return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)


def _embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    return _stack([embedder.embed(texts[i : i + EMBED_BATCH]) for i in range(0, len(texts), EMBED_BATCH)])


def _embed_and_store(
    store: ChromaStore,
    batches: Iterable[list[Chunk]],
    total: int,
    documents: dict[str, Document],
    embedder: Embedder,
    tokenizer: ChineseTokenizer,
    out: GenerationWriter,
    progress: Progress,
    timings: dict[str, float],
) -> None:
    """Batch by batch: index texts, lexical tokens, vectors, the store and the generation's files. Nothing of a
    batch is kept once it is written, so a document of any size needs the memory of one batch."""
    spent = {"tokenize": 0.0, "embed": 0.0, "store": 0.0}
    done = 0
    for batch in batches:
        progress("embed", done, total)
        texts = [chunk_index_text(c, documents[c.doc_id]) for c in batch]
        t0 = time.perf_counter()
        tokens = [tokenizer.tokens(t) for t in texts]
        t1 = time.perf_counter()
        vectors = embedder.embed(texts)
        t2 = time.perf_counter()
        store.add(batch, vectors, documents, texts)
        out.add(batch, tokens, np.asarray(vectors, dtype=np.float32))
        spent["tokenize"] += t1 - t0
        spent["embed"] += t2 - t1
        spent["store"] += time.perf_counter() - t2
        done += len(batch)
        release_freed_memory()
    progress("embed", total, total)
    timings.update(spent)
