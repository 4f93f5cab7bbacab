"""The files of a new index generation, written as its chunks come, batch by batch: memory stays bounded by a
batch, however large a document. The manifest is written last, as it marks the generation complete."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import BinaryIO

import numpy as np

from assistant.core.records import Chunk


class GenerationWriter:
    """chunks.jsonl (with each chunk's lexical tokens) and vectors.npy, row by row; `rows` is their number.
    Use as a context manager: finish() completes the generation, leaving the block early leaves it incomplete."""

    def __init__(self, folder: Path, rows: int):
        self.folder = folder
        self.rows = rows
        self._written = 0
        self._vectors: BinaryIO | None = None
        self._chunks = open(folder / "chunks.jsonl", "w", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def __enter__(self) -> GenerationWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, chunks: list[Chunk], tokens: list[list[str]], vectors: np.ndarray | None = None) -> None:
        for chunk, toks in zip(chunks, tokens):
            self._chunks.write(json.dumps({**chunk.to_dict(), "tokens": toks}, ensure_ascii=False) + "\n")
        if vectors is not None and len(vectors):
            if self._vectors is None:  # the .npy header announces every row; the rows follow batch by batch
                self._vectors = open(self.folder / "vectors.npy", "wb")  # noqa: SIM115 - closed by close()
                header = {"descr": "<f4", "fortran_order": False, "shape": (self.rows, vectors.shape[1])}
                np.lib.format.write_array_header_2_0(self._vectors, header)
            self._vectors.write(np.ascontiguousarray(vectors, dtype="<f4").tobytes())
        self._written += len(chunks)

    def finish(self, manifest: dict) -> None:
        """Flush everything to disk, then write the manifest."""
        if self._written != self.rows:
            raise RuntimeError(f"{self._written} chunks written, {self.rows} announced")
        if self._vectors is not None:
            self._vectors.flush()
            os.fsync(self._vectors.fileno())
            self._vectors.close()
            self._vectors = None
        elif self.rows == 0:
            np.save(self.folder / "vectors.npy", np.zeros((0, 0), dtype=np.float32))
        self._chunks.flush()
        os.fsync(self._chunks.fileno())
        self.close()
        with open(self.folder / "manifest.json", "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        fsync_path(self.folder)

    def close(self) -> None:
        if self._vectors is not None:
            self._vectors.close()
            self._vectors = None
        if not self._chunks.closed:
            self._chunks.close()


def fsync_path(path: Path) -> None:
    """fsync a file or a directory (so a rename or a new file in it is durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
