"""Shared fixtures. The tokenizer and the parsed corpus are built once per session."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))  # tests/pdf_fixtures.py

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHANGHAI_PDF = CORPUS / "shanghai-pilot-platform-plan-2025.pdf"
NATIONAL_PDF = CORPUS / "national-manufacturing-pilot-opinions-2024.pdf"
CHUNK_MAX = 360  # Settings().chunk_max_chars


@dataclass(frozen=True)
class ParsedDoc:
    parsed: object  # ingest.parse.Parsed
    clean: object  # ingest.clean.CleanText
    raw_pages: list[str]

    @property
    def document(self):
        return self.parsed.document

    @property
    def chunks(self):
        return self.parsed.chunks

    def chunk(self, *path: str):
        """The first chunk whose heading path is exactly `path`."""
        matches = [c for c in self.parsed.chunks if c.path == path]
        assert matches, f"no chunk with path {path}; paths: {sorted({c.path for c in self.parsed.chunks})}"
        return matches[0]


def parse_doc(path: Path, max_chars: int = CHUNK_MAX) -> ParsedDoc:
    from ingest.clean import clean_pages
    from ingest.loaders import read_pages
    from ingest.parse import parse_file

    raw_pages, _ = read_pages(path, 50)
    return ParsedDoc(parse_file(path, 50, max_chars), clean_pages(raw_pages), raw_pages)


@pytest.fixture(scope="session")
def shanghai() -> ParsedDoc:
    return parse_doc(SHANGHAI_PDF)


@pytest.fixture(scope="session")
def national() -> ParsedDoc:
    return parse_doc(NATIONAL_PDF)


@pytest.fixture(scope="session")
def tokenizer():
    from assistant.lexical import ChineseTokenizer

    return ChineseTokenizer()


@pytest.fixture(scope="session")
def embedder():
    from assistant.embeddings import make_embedder

    return make_embedder("hash-64")


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
    from assistant.config import Settings

    return Settings.from_env(environ={}, data_dir=tmp_path / "data", corpus_dir=corpus_copy,
                             embedding_model="hash-64")
