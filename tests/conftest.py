"""Shared fixtures. The tokenizer and the parsed corpus are built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.corpus_fixtures import NATIONAL_PDF, SHANGHAI_PDF, ParsedDoc, parse_doc

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ISOLATED_PREFIXES = ("PA_", "LLM_")


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's PA_* or LLM_* variables never reach a test."""
    for key in list(os.environ):
        if key.startswith(ISOLATED_PREFIXES):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def shanghai() -> ParsedDoc:
    return parse_doc(SHANGHAI_PDF)


@pytest.fixture(scope="session")
def national() -> ParsedDoc:
    return parse_doc(NATIONAL_PDF)


@pytest.fixture(scope="session")
def tokenizer():
    from assistant.index.lexical import ChineseTokenizer

    return ChineseTokenizer()


@pytest.fixture(scope="session")
def embedder():
    from assistant.core.settings import Settings
    from assistant.index.embeddings import make_embedder

    return make_embedder(Settings(embedding_model="hash-64"))


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the real corpus that a test may change."""
    target = tmp_path / "corpus"
    target.mkdir()
    for pdf in (SHANGHAI_PDF, NATIONAL_PDF):
        (target / pdf.name).write_bytes(pdf.read_bytes())
    return target


@pytest.fixture
def settings(tmp_path: Path, corpus_copy: Path):
    from assistant.core.settings import Settings

    return Settings.from_env(environ={}, data_dir=tmp_path / "data", corpus_dir=corpus_copy, embedding_model="hash-64")
