"""Shared helpers for the UI tests: a real index over a copy of corpus/ (deterministic hash
embedder), the Assistant, the SQLite repository, and a launched app on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REPO_ROOT = Path(__file__).resolve().parents[1]
ADMIN = ("admin", "secret")
STARTUP_TIMEOUT_S = 60


def build_env(root: Path) -> SimpleNamespace:
    from assistant.app.repository import Repository
    from assistant.core.settings import Settings
    from assistant.index.build import ingest
    from assistant.index.embeddings import make_embedder
    from assistant.index.lexical import ChineseTokenizer
    from assistant.service import Assistant

    corpus = root / "corpus"
    shutil.copytree(REPO_ROOT / "corpus", corpus)
    settings = Settings.from_env(
        environ={},
        data_dir=root / "data",
        corpus_dir=corpus,
        embedding_model="hash-64",
        admin_user=ADMIN[0],
        admin_password=ADMIN[1],
    )
    embedder, tokenizer = make_embedder(settings), ChineseTokenizer()
    report = ingest(settings, embedder, tokenizer)
    assert not report.failed, [(d.path, d.reason) for d in report.failed]
    assistant = Assistant(settings, embedder, tokenizer)
    return SimpleNamespace(root=root, settings=settings, assistant=assistant, repo=Repository(settings.db_url))


def close_env(env: SimpleNamespace) -> None:
    env.repo.close()
    env.assistant.close()


def connect(url: str, download_dir: Path | None = None):
    """A gradio_client session of its own (own chat state on the server)."""
    from gradio_client import Client

    return Client(
        url, verbose=False, analytics_enabled=False, download_files=str(download_dir) if download_dir else False
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, timeout: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "config", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


@contextmanager
def running_app(env: SimpleNamespace):
    """Launch build_app(...) with the HTTP API, as `policy-assistant serve` does, on 127.0.0.1 (a free port,
    retried if taken meanwhile); yield its URL; close it. The API's keys and rate come from env.settings."""
    from assistant.cli.commands import review_tools
    from ui import api
    from ui.app import build_app, launch_options

    app = build_app(env.assistant, env.repo, review_tools(), workdir=env.root / "work")
    for attempt in range(3):
        port = free_port()
        options = launch_options(
            env.settings,
            server_name="127.0.0.1",
            server_port=port,
            app_kwargs=api.app_kwargs(env.assistant, env.repo, env.settings),
        )
        try:
            app.launch(**options, prevent_thread_lock=True)
            break
        except OSError:
            if attempt == 2:
                raise
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_ready(url)
        yield url
    finally:
        app.close()
