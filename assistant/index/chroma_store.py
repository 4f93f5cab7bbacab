"""The Chroma adapter: the one place that talks to Chroma and unpacks its result dicts.

Embedded mode keeps one persist directory per index generation; server mode
(``PA_CHROMA_URL``) keeps one collection per generation on the server.

An embedded store writes to its directory even when it is only read (Chroma records the opening in
its SQLite file and rewrites the HNSW files on first load), so one process at a time may have it
open (see ``assistant.index.layout``) and `close()` must run before another process may open it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from assistant.core.errors import IndexNotReady
from assistant.core.records import Chunk, Document

log = logging.getLogger(__name__)
ADD_BATCH = 1000


def _chroma_settings():
    import chromadb

    return chromadb.Settings(anonymized_telemetry=False, allow_reset=False)


class ChromaStore:
    def __init__(self, collection, client):
        self._collection = collection
        self._client = client
        self._closed = False

    @classmethod
    def open(
        cls, *, path: Path | None, url: str | None, name: str, model: str, generation: str, create: bool
    ) -> ChromaStore:
        import chromadb

        if url:
            parsed = urlparse(url)
            client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 8000,
                ssl=parsed.scheme == "https",
                settings=_chroma_settings(),
            )
            name = f"{name}-{generation}"
        else:
            client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        if create:
            collection = client.get_or_create_collection(
                name,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": model, "generation": generation},
                embedding_function=None,
            )
        else:
            collection = client.get_collection(name, embedding_function=None)
        return cls(collection, client)

    @property
    def model(self) -> str | None:
        return (self._collection.metadata or {}).get("embedding_model")

    def count(self) -> int:
        return self._collection.count()

    def add(
        self, chunks: Sequence[Chunk], vectors: np.ndarray, documents: dict[str, Document], index_texts: Sequence[str]
    ) -> None:
        for start in range(0, len(chunks), ADD_BATCH):
            batch = chunks[start : start + ADD_BATCH]
            self._collection.add(
                ids=[c.chunk_id for c in batch],
                embeddings=vectors[start : start + ADD_BATCH],
                documents=list(index_texts[start : start + ADD_BATCH]),
                metadatas=[_metadata(c, documents[c.doc_id]) for c in batch],
            )

    def query(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) pairs, best first. Chroma caps n at what the collection holds."""
        if n <= 0:
            return []
        if self._closed:  # Snapshot.query never gets here; a caller holding a store past its close() may
            raise IndexNotReady("索引刚刚更新，请重新提问。")
        result = self._collection.query(
            query_embeddings=[vector], n_results=n, where=where or None, include=["distances"]
        )
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances)]

    def drop(self) -> None:
        self._client.delete_collection(self._collection.name)

    def close(self) -> None:
        """Release the Chroma client (idempotent); it flushes what it holds."""
        if self._closed:
            return
        self._closed = True
        try:
            self._client.close()
        except Exception as exc:  # noqa: BLE001 - a client that cannot close must not keep its lock
            log.warning("closing the Chroma client failed: %s", exc)


def _metadata(chunk: Chunk, doc: Document) -> dict:
    return {
        "doc_id": chunk.doc_id,
        "doc_title": doc.title,
        "doc_number": doc.doc_number or "",
        "jurisdiction": doc.jurisdiction,
        "issuers": "、".join(doc.issuers),
        "date": doc.date or "",
        "section": chunk.section,
        "pages": ",".join(map(str, chunk.pages)),
        "start": chunk.start,
        "end": chunk.end,
        "kind": chunk.kind,
    }
