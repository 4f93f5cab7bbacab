"""The Chroma adapter: the one place that talks to Chroma and unpacks its result dicts.

Embedded mode keeps one persist directory per index generation; server mode
(``PA_CHROMA_URL``) keeps one collection per generation on the server.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence
from urllib.parse import urlparse

import numpy as np

from assistant.records import Chunk, Document

log = logging.getLogger(__name__)
ADD_BATCH = 1000


def _chroma_settings():
    import chromadb

    return chromadb.Settings(anonymized_telemetry=False, allow_reset=False)


class ChromaStore:
    def __init__(self, collection, client):
        self._collection = collection
        self._client = client

    @classmethod
    def open(cls, *, path: Path | None, url: str | None, name: str, model: str, generation: str,
             create: bool) -> "ChromaStore":
        import chromadb

        if url:
            parsed = urlparse(url)
            client = chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                                         ssl=parsed.scheme == "https", settings=_chroma_settings())
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

    def set_generation(self, generation: str, model: str) -> None:
        self._collection.modify(metadata={"embedding_model": model, "generation": generation})

    def count(self) -> int:
        return self._collection.count()

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray, documents: dict[str, Document],
            index_texts: Sequence[str]) -> None:
        for start in range(0, len(chunks), ADD_BATCH):
            batch = chunks[start : start + ADD_BATCH]
            self._collection.add(
                ids=[c.chunk_id for c in batch],
                embeddings=vectors[start : start + ADD_BATCH],
                documents=list(index_texts[start : start + ADD_BATCH]),
                metadatas=[_metadata(c, documents[c.doc_id]) for c in batch],
            )

    def delete_docs(self, doc_ids: Sequence[str]) -> None:
        if doc_ids:
            self._collection.delete(where={"doc_id": {"$in": list(doc_ids)}})

    def copy_docs_from(self, other: "ChromaStore", doc_ids: Sequence[str]) -> None:
        """Copy the records of some documents from another collection (server mode generations)."""
        if not doc_ids:
            return
        got = other._collection.get(where={"doc_id": {"$in": list(doc_ids)}},
                                    include=["embeddings", "documents", "metadatas"])
        for start in range(0, len(got["ids"]), ADD_BATCH):
            end = start + ADD_BATCH
            self._collection.add(ids=got["ids"][start:end], embeddings=got["embeddings"][start:end],
                                 documents=got["documents"][start:end], metadatas=got["metadatas"][start:end])

    def query(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) pairs, best first. Chroma caps n at what the collection holds."""
        if n <= 0:
            return []
        result = self._collection.query(query_embeddings=[vector], n_results=n, where=where or None,
                                        include=["distances"])
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances)]

    def drop(self) -> None:
        self._client.delete_collection(self._collection.name)


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
