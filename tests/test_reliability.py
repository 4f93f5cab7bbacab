"""Crash safety and locking with real processes: `policy-assistant ingest` killed mid-run, a second
process on a store that is already open, a second ingest. Deterministic hash-64 embedder (the index
machinery is under test here; tests/test_reindex.py runs the real model)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from assistant.index.build import ingest
from assistant.index.layout import Layout, acquire_lock, release_lock
from assistant.service import Assistant
from tests.corpus_fixtures import cli, cli_process, write_filler_policies

pytestmark = pytest.mark.slow

QUESTION = "上海对新建中试平台的支持标准是多少？"
SH_NUMBER = "沪经信技〔2025〕365号"
SHIPPED_CHUNKS = 39
FILLER_FILES = 80
BUILD_TIMEOUT_S = 120


def answer_of(assistant: Assistant, question: str = QUESTION) -> tuple[str, list[tuple[str, str]]]:
    answer = assistant.ask(question)
    return answer.answer, [(c.document.doc_number, c.chunk.chunk_id) for c in answer.citations]


def cli_answer(settings) -> tuple[str, list[str]]:
    """(answer, cited 文号) from `policy-assistant ask --json` in a new process."""
    done = cli(settings, "ask", QUESTION, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    return data["answer"], [c["doc_number"] for c in data["citations"]]


def wait_for_build(layout: Layout, published: str, proc) -> object:
    """The new, unpublished generation once its Chroma store is being written; fails if the ingest
    ends first."""
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    while time.monotonic() < deadline:
        building = [p for p in layout.root.iterdir() if p.is_dir() and p.name != published and (p / "chroma").is_dir()]
        if building:
            return building[0]
        assert proc.poll() is None, f"ingest ended (status {proc.returncode}) before it could be killed"
        time.sleep(0.005)
    raise AssertionError("no new generation appeared")


def kill_mid_build(settings, layout, published, tmp_path) -> tuple[Path, int]:
    """Run `ingest` in a child process and SIGKILL it once its new generation appears: that generation and the
    process id."""
    proc = cli_process(settings, tmp_path / "ingest.log", "ingest")
    try:
        half_built = wait_for_build(layout, published, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return half_built, proc.pid


def test_killed_ingest_leaves_the_published_index_usable(settings, embedder, tokenizer, tmp_path):
    ingest(settings, embedder, tokenizer)
    layout = Layout(settings)
    published = layout.current()
    running = Assistant(settings, embedder, tokenizer)  # an app serving the published index
    before = answer_of(running)
    assert "1亿元" in before[0] and [number for number, _ in before[1]] == [SH_NUMBER]
    chunks = write_filler_policies(settings.corpus_dir, FILLER_FILES)

    half_built, pid = kill_mid_build(settings, layout, published, tmp_path)
    assert not (half_built / "manifest.json").exists(), "the generation was complete: not killed mid-run"
    assert layout.current() == published
    assert (layout.root / "ingest.lock").read_text(encoding="utf-8") == f"pid {pid}", "stale lock file left"

    assert answer_of(running) == before  # the running app is unaffected
    running.close()
    assert cli_answer(settings) == (before[0], [SH_NUMBER])  # and so is a restarted one

    done = cli(settings, "ingest")  # the dead process's locks went with it
    assert done.returncode == 0, done.stdout + done.stderr
    current = layout.current()
    assert current not in (None, published)
    assert len(layout.load_chunks(current)[0]) == SHIPPED_CHUNKS + chunks
    assert layout.load_vectors(current).shape[0] == SHIPPED_CHUNKS + chunks
    assert not half_built.exists() and not layout.gen_dir(published).exists(), "unused generations are removed"
    restarted = Assistant(settings, embedder, tokenizer)
    try:  # more documents change the BM25 statistics, so the answer may quote more of the same clause
        answer, cited = answer_of(restarted)
    finally:
        restarted.close()
    assert answer.startswith(before[0]) and cited == before[1]


def test_a_second_process_gets_a_clear_lock_message(settings, embedder, tokenizer):
    ingest(settings, embedder, tokenizer)
    layout = Layout(settings)
    app = Assistant(settings, embedder, tokenizer)
    app.warm()  # this process now has the embedded store open
    try:
        done = cli(settings, "ask", QUESTION)
        assert done.returncode == 1 and done.stdout == ""
        assert "Traceback" not in done.stderr
        message = done.stderr.strip()
        assert message.startswith(
            f"Error: the embedded index {layout.gen_dir(layout.current())} is in use by pid {os.getpid()}."
        )
        assert "--retriever lexical" in message and "PA_CHROMA_URL" in message
        lexical = cli(settings, "ask", QUESTION, "--json", "--retriever", "lexical")  # BM25 only: no store
        assert lexical.returncode == 0 and SH_NUMBER in lexical.stdout

        holder = acquire_lock(layout.root / "ingest.lock", what="the ingest lock")
        try:
            done = cli(settings, "ingest")
        finally:
            release_lock(holder)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.strip() == (
            f"Error: the ingest lock (another ingest is running) is in use by pid {os.getpid()}"
        )
        assert answer_of(app)[0]  # still serving
    finally:
        app.close()
    done = cli(settings, "ask", QUESTION, "--json")
    assert done.returncode == 0 and SH_NUMBER in done.stdout, done.stderr


def test_threads_share_one_store_of_a_fresh_generation(settings, embedder, tokenizer):
    """After a switch to a new generation the first questions arrive together: one opens the store, the
    others wait for it (a second open from the same process would be refused by the lock)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from assistant.index.snapshot import Snapshot

    ingest(settings, embedder, tokenizer)
    snapshot = Snapshot.load_current(Layout(settings))
    start = Barrier(8)

    def open_store():
        start.wait(timeout=10)
        return snapshot.store

    try:
        with ThreadPoolExecutor(8) as pool:
            stores = list(pool.map(lambda _: open_store(), range(8)))
        assert len({id(s) for s in stores}) == 1 and stores[0].count() == SHIPPED_CHUNKS
    finally:
        snapshot.close()


def test_closing_a_snapshot_while_threads_query_it(settings, embedder, tokenizer):
    """What an app does when it switches generations under load: the old snapshot is closed while
    questions are still being answered from it. Every query must still succeed."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Event

    from assistant.index.snapshot import Snapshot

    ingest(settings, embedder, tokenizer)
    snapshot = Snapshot.load_current(Layout(settings))
    vector, done = embedder.embed(["中试平台补贴"])[0], Event()

    def ask_repeatedly() -> int:
        answered = 0
        while not done.is_set():
            answered += len(snapshot.query(vector, 5)) == 5
        return answered

    try:
        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(ask_repeatedly) for _ in range(6)]
            for _ in range(40):
                time.sleep(0.01)
                snapshot.close()
            done.set()
            answered = [f.result() for f in futures]
        assert min(answered) > 0
    finally:
        snapshot.close()
    held = acquire_lock(Layout(settings).gen_dir(snapshot.generation) / "open.lock", what="test")
    release_lock(held)  # nothing kept the store open


def test_a_no_op_ingest_removes_a_killed_ingests_generation(settings, embedder, tokenizer, tmp_path):
    ingest(settings, embedder, tokenizer)
    layout = Layout(settings)
    published = layout.current()
    write_filler_policies(settings.corpus_dir, FILLER_FILES)
    half_built, _ = kill_mid_build(settings, layout, published, tmp_path)
    assert half_built.is_dir() and not (half_built / "manifest.json").exists()
    for path in settings.corpus_dir.glob("greening-*.txt"):
        path.unlink()  # the corpus is as published again: the next ingest has nothing to do

    done = cli(settings, "ingest")
    assert done.returncode == 0 and "nothing changed" in done.stdout, done.stdout + done.stderr
    assert layout.current() == published and not half_built.exists()
    assert sorted(p.name for p in layout.root.iterdir() if p.is_dir()) == [published]


def test_a_full_disk_stops_an_ingest_in_one_line_and_frees_its_space(settings, embedder, tokenizer, tmp_path):
    from tests.db_fixtures import fill, small_tmpfs

    with small_tmpfs(tmp_path / "small", size_kb=8192) as data_dir:
        on_disk = settings.replace(data_dir=data_dir)
        ingest(on_disk, embedder, tokenizer)
        layout = Layout(on_disk)
        published = layout.current()
        write_filler_policies(on_disk.corpus_dir, 40)
        filler = fill(data_dir)

        done = cli(on_disk, "ingest")
        errors = [ln for ln in done.stderr.splitlines() if ln.startswith("Error:")]
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert errors == [
            f"Error: 磁盘空间不足：{layout.root} 所在磁盘已满，索引未更新（已发布的索引不变）。"
            "请清理磁盘后重新运行 ingest。"
        ]
        assert layout.current() == published
        assert sorted(p.name for p in layout.root.iterdir() if p.is_dir()) == [published], "no half-built generation"

        filler.unlink()
        done = cli(on_disk, "ingest")
        assert done.returncode == 0 and layout.current() != published, done.stderr
        assert len(layout.load_chunks(layout.current())[0]) == SHIPPED_CHUNKS + 40 * 20
