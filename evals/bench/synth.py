"""Synthetic data for the benchmark, all derived from the real clauses of the shipped corpus.

Two things are built here:

* ``write_synthetic_corpus``: TXT policy documents (一、 sections, （一） items) whose item bodies are
  real chunk bodies with their sentences shuffled and their numbers changed. The real ingest parses,
  chunks, embeds and stores them, so its throughput is the product's.
* ``build_tier``: an index generation of N chunks written straight through ``Layout.write_generation``
  and ``ChromaStore.add``. Chunks come from a base pool (the synthetic corpus as ingested, with the
  vectors the real model gave it and the tokens the real tokenizer gave it). Beyond the pool, each
  further chunk is a variant of a pool chunk: sentences after the first shuffled, every digit run
  remapped (in the text and, with the same mapping, in the lexical tokens, so jieba is not re-run),
  and its vector = pool vector + N(0, NOISE_SIGMA²) per dimension, renormalised (cosine ≈ 0.85 to
  its base), so the model is never run for the big tiers.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.core.records import Chunk, Document
from assistant.core.settings import Settings
from assistant.core.text import HEADING_MARKER, sentences
from assistant.index.build import chunk_index_text
from assistant.index.embeddings import Embedder
from assistant.index.layout import DocEntry, Layout, Manifest
from assistant.index.lexical import ChineseTokenizer

log = logging.getLogger(__name__)

NOISE_SIGMA = 0.03  # per dimension; |noise| ≈ 0.03·√384 ≈ 0.59 → cosine to the base vector ≈ 0.86
DERIVED_DOC_SIZE = 1000  # derived chunks per synthetic document
ITEMS_PER_SECTION = 10
SECTIONS_PER_DOC = 10
DIGITS = re.compile(r"\d+")
CN = "零一二三四五六七八九"
TITLES = {
    "shanghai": "上海市中试平台创新发展实施方案（合成第{n}号）",
    "national": "制造业中试创新发展实施意见（合成第{n}号）",
}


class RecordingEmbedder:
    """Delegates to the real embedder and remembers every vector it produced, by text."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.name = inner.name
        self.vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.inner.embed(texts)
        self.vectors.update(zip(texts, vectors))
        return vectors

    def coverage(self, text: str) -> float:
        return self.inner.coverage(text)


def cn_number(n: int) -> str:
    """1..99 as a Chinese numeral (一, 十, 十二, 二十, 二十三)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN[ones]
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


def chunk_body(chunk: Chunk) -> str:
    """A chunk's text without its heading line, on one line."""
    text = chunk.text
    first, sep, rest = text.partition("\n")
    if sep and chunk.path and first.strip() == chunk.path[-1].strip():
        text = rest
    return text.replace("\n", "")


def heading_name(heading: str) -> str:
    return HEADING_MARKER.sub("", heading).strip() or heading


def _number_mapper(rng: random.Random) -> Callable[[str], str]:
    """A consistent digit-run remapping: the same run maps to the same new run within one variant."""
    table: dict[str, str] = {}

    def new(run: str) -> str:
        if run not in table:
            n = int(run)
            if 1900 <= n <= 2100 and len(run) == 4:  # a year
                table[run] = str(n + rng.randint(-3, 3))
            else:
                table[run] = str(max(1, int(n * rng.uniform(0.5, 2.0)) if n else rng.randint(0, 9)))
        return table[run]

    return lambda text: DIGITS.sub(lambda m: new(m.group(0)), text)


def vary_sentences(sents: list[str], rng: random.Random, keep_first: bool) -> list[int]:
    order = list(range(len(sents)))
    head, tail = (order[:1], order[1:]) if keep_first else ([], order)
    rng.shuffle(tail)
    return head + tail


# ---------------------------------------------------------------- synthetic corpus (TXT files)


def write_synthetic_corpus(
    real_chunks: list[Chunk], documents: dict[str, Document], target_chunks: int, out_dir: Path, seed: int = 7
) -> list[Path]:
    """TXT documents with at least `target_chunks` （n） items built from varied real chunk bodies."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_place: dict[str, list[Chunk]] = {}
    sections: dict[str, list[str]] = {}
    for chunk in real_chunks:
        if chunk.kind != "clause" or len(chunk_body(chunk)) < 20:
            continue
        place = documents[chunk.doc_id].jurisdiction
        by_place.setdefault(place, []).append(chunk)
        for heading in chunk.path:
            if re.match(r"^[一二三四五六七八九十]+、", heading):
                sections.setdefault(place, []).append(heading_name(heading))
    places = sorted(by_place)
    per_doc = ITEMS_PER_SECTION * SECTIONS_PER_DOC
    n_docs = max(1, -(-target_chunks // per_doc))  # long bodies split, so chunks ≥ items
    paths = []
    for d in range(n_docs):
        place = places[d % len(places)]
        pool = by_place[place]
        titles = sections.get(place) or [heading_name(c.path[0]) for c in pool]
        lines = [TITLES.get(place, "{n}号合成文件").format(n=d + 1)]
        for s in range(SECTIONS_PER_DOC):
            lines.append(f"{cn_number(s + 1)}、{rng.choice(titles)}")
            for i in range(ITEMS_PER_SECTION):
                base = rng.choice(pool)
                remap = _number_mapper(rng)
                sents = sentences(chunk_body(base))
                body = "".join(sents[j] for j in vary_sentences(sents, rng, keep_first=False))
                lines.append(f"（{cn_number(i + 1)}）{heading_name(base.path[-1])}：{remap(body)}")
        path = out_dir / f"synthetic-{place}-{d + 1:03d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- scale tiers (direct generations)


@dataclass
class Pool:
    """Chunks with the vectors the real model gave them and the tokens the real tokenizer gave them."""

    chunks: list[Chunk]
    tokens: list[list[str]]
    vectors: np.ndarray
    documents: dict[str, Document]


@dataclass
class Tier:
    size: int
    real: int  # chunks taken from the pool as they are
    derived: int  # variants with derived vectors
    settings: Settings
    generation: str
    build_s: float


def _variant(
    base: Chunk, base_tokens_by_sentence: list[list[str]], prefix_tokens: list[str], rng: random.Random
) -> tuple[str, list[str]]:
    sents = sentences(base.text)
    remap = _number_mapper(rng)
    order = vary_sentences(sents, rng, keep_first=True)
    text = "".join(remap(sents[j]) for j in order)
    tokens = list(prefix_tokens)
    for j in order:
        tokens.extend(remap(t) for t in base_tokens_by_sentence[j])
    return text, tokens


@dataclass
class _Parts:
    """A tier as it is assembled: its chunks, their tokens, blocks of their vectors, its documents."""

    chunks: list[Chunk]
    tokens: list[list[str]]
    vectors: list[np.ndarray]
    documents: dict[str, Document]


@dataclass
class _Deriving:
    """What deriving variants needs: the randomness of the tier and the tokens computed so far."""

    tokenizer: ChineseTokenizer
    rng: random.Random
    nprng: np.random.Generator
    sentence_tokens: dict[int, list[list[str]]]
    prefix_tokens: dict[tuple[str, str], list[str]]


def build_tier(
    settings: Settings,
    pool: Pool,
    size: int,
    model: str,
    tokenizer: ChineseTokenizer,
    seed: int = 11,
    progress: Callable[[int], None] | None = None,
) -> Tier:
    """Write and publish an index generation of `size` chunks under settings.data_dir."""
    started = time.perf_counter()
    rng = random.Random(seed + size)
    nprng = np.random.default_rng(seed + size)
    n_real = min(size, len(pool.chunks))
    picked = sorted(rng.sample(range(len(pool.chunks)), n_real))
    chunks = [pool.chunks[i] for i in picked]
    parts = _Parts(
        chunks,
        [pool.tokens[i] for i in picked],
        [pool.vectors[picked]],
        {c.doc_id: pool.documents[c.doc_id] for c in chunks},
    )
    derived = size - n_real
    if derived:
        _derive(pool, derived, _Deriving(tokenizer, rng, nprng, {}, {}), f"{seed}-{size}", parts)
    generation = _write_tier(settings, parts, model, progress)
    return Tier(size, n_real, derived, settings, generation, time.perf_counter() - started)


def _derive(pool: Pool, derived: int, how: _Deriving, tag: str, parts: _Parts) -> None:
    """Add `derived` variants of pool chunks to `parts`, in documents of DERIVED_DOC_SIZE chunks, each
    copying a base document of the pool."""
    by_doc: dict[str, list[int]] = {}
    for i, c in enumerate(pool.chunks):
        by_doc.setdefault(c.doc_id, []).append(i)
    base_docs = sorted(by_doc)
    made = 0
    for d in range(-(-derived // DERIVED_DOC_SIZE)):
        base_doc = pool.documents[base_docs[d % len(base_docs)]]
        doc = replace(
            base_doc,
            doc_id=f"bench-derived-{d:04d}",
            title=f"{base_doc.title}（派生{d + 1}）",
            doc_number=f"合成〔2025〕{d + 1}号",
            source_path=f"bench-derived-{d:04d}.txt",
            content_hash=f"derived-{tag}-{d}",
        )
        parts.documents[doc.doc_id] = doc
        made += _derive_document(pool, doc, by_doc[base_doc.doc_id], min(DERIVED_DOC_SIZE, derived - made), how, parts)


def _derive_document(pool: Pool, doc: Document, bases: list[int], count: int, how: _Deriving, parts: _Parts) -> int:
    """`count` variants of chunks drawn from `bases`, as the chunks of `doc`; returns count."""
    offset = 0
    new_vectors = []
    for k in range(count):
        b = how.rng.choice(bases)
        base = pool.chunks[b]
        if b not in how.sentence_tokens:
            how.sentence_tokens[b] = [how.tokenizer.tokens(s) for s in sentences(base.text)]
        key = (doc.jurisdiction, base.section)
        if key not in how.prefix_tokens:  # what the index text puts before the chunk's own words
            how.prefix_tokens[key] = how.tokenizer.tokens(chunk_index_text(replace(base, text=""), doc))
        text, toks = _variant(base, how.sentence_tokens[b], how.prefix_tokens[key], how.rng)
        parts.chunks.append(
            replace(
                base,
                chunk_id=f"{doc.doc_id}#{k:05d}",
                doc_id=doc.doc_id,
                text=text,
                start=offset,
                end=offset + len(text),
            )
        )
        offset += len(text) + 1
        parts.tokens.append(toks)
        new_vectors.append(b)
    noisy = pool.vectors[new_vectors] + how.nprng.normal(0.0, NOISE_SIGMA, (len(new_vectors), pool.vectors.shape[1]))
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    parts.vectors.append(noisy.astype(np.float32))
    return len(new_vectors)


def _write_tier(settings: Settings, parts: _Parts, model: str, progress: Callable[[int], None] | None) -> str:
    """Store, write and publish the tier as a new generation; returns its name."""
    chunks, documents = parts.chunks, parts.documents
    matrix = np.concatenate(parts.vectors).astype(np.float32)
    layout = Layout(settings)
    layout.root.mkdir(parents=True, exist_ok=True)
    generation = layout.new_generation()
    layout.gen_dir(generation).mkdir(parents=True)
    store = layout.open_store(generation, model, create=True)
    texts = [chunk_index_text(c, documents[c.doc_id]) for c in chunks]
    step = 5000
    for start in range(0, len(chunks), step):
        store.add(chunks[start : start + step], matrix[start : start + step], documents, texts[start : start + step])
        if progress:
            progress(min(step, len(chunks) - start))
    counts: dict[str, int] = {}
    for c in chunks:
        counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
    entries = {d: DocEntry(doc, doc.content_hash, counts[d], counts[d]) for d, doc in documents.items()}
    store.close()
    layout.write_generation(generation, Manifest(generation, model, time.time(), entries), chunks, parts.tokens, matrix)
    layout.publish(generation)
    return generation
