"""Server mode against a real `chroma run` process: ingest, ask, incremental re-ingest, old collections dropped."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
QUESTION = "新建中试平台采购设备最高补贴多少？"
STARTUP_TIMEOUT = 60.0


def _chroma_executable() -> str | None:
    local = Path(sys.executable).parent / "chroma"  # the venv's own console script
    if local.exists():
        return str(local)
    return shutil.which("chroma")


CHROMA = _chroma_executable()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMA is None,
        reason="the `chroma` server executable is not installed "
        "(it ships with the chromadb package: pip install chromadb)",
    ),
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _heartbeat(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


@pytest.fixture
def chroma_server(tmp_path: Path):
    """A real Chroma server on a free port; always stopped in teardown."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "chroma-server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [CHROMA, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not _heartbeat(url):
                if proc.poll() is not None:
                    pytest.fail(f"chroma server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"chroma server not answering after {STARTUP_TIMEOUT:.0f} s:\n"
                        f"{log_path.read_text(errors='replace')}"
                    )
                time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            _forget_clients()


def _forget_clients() -> None:
    """Drop chromadb's per-process client cache so a later test cannot reuse a dead server's client."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def _server_collections(url: str) -> set[str]:
    import chromadb

    parsed = urlparse(url)
    client = chromadb.HttpClient(
        host=parsed.hostname,
        port=parsed.port,
        settings=chromadb.Settings(anonymized_telemetry=False, allow_reset=False),
    )
    return {c.name for c in client.list_collections()}


def _server_settings(url: str, tmp_path: Path):
    """Settings for a copy of the shipped corpus, indexed on the Chroma server at `url` with the test embedder."""
    from assistant.core.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for pdf in sorted(CORPUS.glob("*.pdf")):
        shutil.copyfile(pdf, corpus / pdf.name)
    return Settings(chroma_url=url, data_dir=tmp_path / "data", corpus_dir=corpus, embedding_model="hash-64")


def test_server_mode_ingest_ask_and_incremental_update(chroma_server: str, tmp_path: Path):
    from assistant.index.build import ingest
    from assistant.index.embeddings import make_embedder
    from assistant.index.layout import Layout
    from assistant.index.lexical import ChineseTokenizer
    from assistant.service import Assistant

    settings = _server_settings(chroma_server, tmp_path)
    embedder, tokenizer, layout = make_embedder(settings), ChineseTokenizer(), Layout(settings)

    # First ingest: one server collection for the generation, no embedded store on disk.
    first = ingest(settings, embedder, tokenizer)
    assert first.changed and not first.failed
    assert {d.status for d in first.docs} == {"new"}
    gen1 = first.generation
    total_chunks = sum(d.chunks for d in first.docs)
    assert f"{settings.collection}-{gen1}" in _server_collections(chroma_server)
    assert not (layout.gen_dir(gen1) / "chroma").exists()

    assistant = Assistant(settings, embedder, tokenizer)
    answer = assistant.ask(QUESTION)
    assert "1亿元" in answer.answer
    assert any(hit.dense is not None for hit in answer.contexts), "no dense results came back from the server"
    assert assistant.snapshot.store.count() == total_chunks

    # Unchanged corpus: nothing to do, same generation, same collections.
    again = ingest(settings, embedder, tokenizer)
    assert not again.changed
    assert again.generation == gen1
    assert {d.status for d in again.docs} == {"unchanged"}
    assert f"{settings.collection}-{gen1}" in _server_collections(chroma_server)

    # Change one file: only it is re-parsed; the old generation's collection is dropped.
    changed = settings.corpus_dir / "shanghai-pilot-platform-plan-2025.pdf"
    with open(changed, "ab") as fh:
        fh.write(b"\n% touched by the server-mode test\n")
    third = ingest(settings, embedder, tokenizer)
    assert third.changed and not third.failed
    statuses = {Path(d.path).name: d.status for d in third.docs}
    assert statuses == {changed.name: "updated", "national-manufacturing-pilot-opinions-2024.pdf": "unchanged"}
    gen3 = third.generation
    assert gen3 != gen1 and layout.current() == gen3
    collections = _server_collections(chroma_server)
    assert f"{settings.collection}-{gen3}" in collections
    assert f"{settings.collection}-{gen1}" not in collections
    assert not layout.gen_dir(gen1).exists()

    # The running assistant moves to the new generation; kept documents were copied server-side.
    answer = assistant.ask(QUESTION)
    assert assistant.snapshot.generation == gen3
    assert "1亿元" in answer.answer
    assert any(hit.dense is not None for hit in answer.contexts)
    assert assistant.snapshot.store.count() == total_chunks
    national_hits = assistant.snapshot.store.query(
        embedder.embed(["制造业中试创新发展实施意见"])[0], 40, {"jurisdiction": "national"}
    )
    assert national_hits, "the unchanged document's vectors were not carried into the new collection"
    assistant.close()
