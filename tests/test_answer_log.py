"""Chat survives its answer log: a read-only, full or corrupt database, an unusable PA_DATABASE_URL, and the
log on a real PostgreSQL. Real SQLite files on real mounts, real `serve` and CLI processes."""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from pathlib import Path

import pytest
from gradio_client.exceptions import AppError

from assistant.app.drafts import DraftStore
from assistant.app.repository import Repository
from assistant.core.errors import StorageError
from evals.bench.load import text_of
from evals.bench.proc import serving
from tests.corpus_fixtures import cli
from tests.db_fixtures import corrupt_database, fill, postgres_server, read_only_view, small_tmpfs
from tests.docx_fixtures import crc_error
from tests.ui_fixtures import ADMIN, connect

QUESTION = "新建中试平台采购设备最高补贴多少？"
ANSWER = "1亿元"
UNAVAILABLE = "反馈/记录暂不可用。"
UNLOGGED = "cannot be written: chat goes on, answers and feedback are not recorded"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def seeded(path: Path) -> Path:
    """A database with its tables and one answer."""
    repo = Repository(sqlite_url(path))
    repo.log_answer("earlier", "中试服务券最高支持比例是多少？", "50%", False)
    repo.close()
    return path


def repository_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "assistant.app.repository" and r.levelno >= 30]


# ---------------------------------------------------------------- the repository


def test_a_read_only_database_is_read_and_its_write_failure_logged_once(tmp_path, caplog):
    folder = seeded(tmp_path / "rw" / "app.db").parent
    with read_only_view(folder, tmp_path / "ro") as view:
        repo = Repository(sqlite_url(view / "app.db"))
        try:
            assert repo.problem is not None and [r["answer"] for r in repo.list_answers()] == ["50%"]
            for _ in range(3):
                with pytest.raises(StorageError) as failed:
                    repo.log_answer("s", QUESTION, ANSWER, False)
                assert str(failed.value) == "答案记录数据库暂不可用（写入问答记录失败），详情见服务日志。"
        finally:
            repo.close()
    warnings = repository_warnings(caplog)
    assert sum("readonly database" in w for w in warnings) == 1 and sum(UNLOGGED in w for w in warnings) == 1


def test_a_full_database_fails_writes_until_space_is_freed(tmp_path, caplog):
    with small_tmpfs(tmp_path / "small") as small:
        repo = Repository(sqlite_url(small / "app.db"))
        try:
            first = repo.log_answer("s", QUESTION, ANSWER, False)
            filler = fill(small)
            with pytest.raises(StorageError, match=r"^答案记录数据库暂不可用（写入问答记录失败）"):
                repo.log_answer("s", QUESTION * 50, ANSWER * 500, False)
            with pytest.raises(StorageError, match=r"^答案记录数据库暂不可用（写入反馈失败）"):
                repo.add_feedback(first, "up", "很有帮助" * 500)
            filler.unlink()
            second = repo.log_answer("s", QUESTION, ANSWER, False)
            assert [r["id"] for r in repo.list_answers()] == [second, first]
        finally:
            repo.close()
    warnings = repository_warnings(caplog)
    assert sum("disk is full" in w for w in warnings) == 1 and warnings[-1] == "answer log: writable again"


def test_a_corrupt_database_raises_storage_errors_only(tmp_path):
    path = tmp_path / "app.db"
    corrupt_database(path)
    repo = Repository(sqlite_url(path))
    try:
        assert repo.problem is not None
        for call in (lambda: repo.log_answer("s", QUESTION, ANSWER, False), repo.list_answers, repo.accuracy):
            with pytest.raises(StorageError) as failed:
                call()
            assert "not a database" not in str(failed.value) and "SQL" not in str(failed.value)
    finally:
        repo.close()


def test_saved_drafts_on_a_corrupt_database_raise_storage_errors_only(tmp_path):
    path = tmp_path / "app.db"
    corrupt_database(path)
    repo = Repository(sqlite_url(path))
    store = DraftStore(repo.engine)
    try:
        save = lambda: store.save(None, title="答复", text="正文", status="草稿")  # noqa: E731
        for call, action in ((save, "保存草稿"), (store.listed, "读取草稿"), (lambda: store.get(1), "读取草稿")):
            with pytest.raises(StorageError) as failed:
                call()
            assert str(failed.value) == f"答复草稿数据库暂不可用（{action}失败），详情见服务日志。"
    finally:
        repo.close()


# ---------------------------------------------------------------- PA_DATABASE_URL


@pytest.mark.parametrize(
    "url, line",
    [
        (
            "postgresql+psycopg2://pa:secret@db.example/pa",
            "缺少数据库驱动（Python 模块 psycopg2），请安装：pip install 'policy-assistant[postgres]'",
        ),
        ("mysql://pa:secret@db.example/pa", "缺少数据库驱动（Python 模块 MySQLdb），请先安装它"),
        ("foo://pa:secret@db.example/pa", "不支持的数据库类型 'foo'"),
        ("not a database url", "PA_DATABASE_URL 无法解析"),
    ],
)
@pytest.mark.parametrize("command", ["purge", "serve"])
def test_an_unusable_database_url_fails_in_one_line(settings, url, line, command):
    done = cli(settings, command, env={"PA_DATABASE_URL": url})
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("Error:")]
    assert done.returncode == 1 and len(errors) == 1 and line in errors[0], done.stderr
    assert "Traceback" not in done.stderr and "secret" not in done.stderr + done.stdout
    assert not (settings.data_dir / "index").exists(), "serve fails before it ingests"


def test_the_answer_log_on_a_real_postgresql(settings):
    pytest.importorskip("psycopg", reason="the PostgreSQL driver is the optional extra: pip install -e '.[postgres]'")
    with postgres_server() as url:
        repo = Repository(url)
        try:
            assert repo.problem is None and repo.engine.dialect.driver == "psycopg"
            qa = repo.log_answer("s1", QUESTION, ANSWER, False, [{"marker": 1}], {"mode": "extractive"})
            repo.add_feedback(qa, "up", "清楚")
            repo.rate(qa, "correct", "与原文一致")
            assert (repo.get(qa)["rating"], repo.accuracy()["accuracy"]) == ("correct", 1.0)
            assert [f["comment"] for f in repo.feedback_for(qa)] == ["清楚"]
            done = cli(settings, "purge", "--days", "0", env={"PA_DATABASE_URL": url})
            assert done.returncode == 0 and "purged 1 answer records" in done.stdout, done.stderr
            assert repo.list_answers() == []
        finally:
            repo.close()


# ---------------------------------------------------------------- the app


def ask_and_give_feedback(url: str) -> tuple[str, str, str]:
    """(answer text, status line, feedback note) of one question through the running app."""
    client = connect(url)
    messages, _, status = client.predict(QUESTION, "全部", api_name="/ask")
    note, _ = client.predict("有帮助", "", api_name="/feedback")
    return text_of(messages[-1]), status, note


def assert_chat_works_without_its_log(url: str, log_path: Path) -> None:
    text, status, note = ask_and_give_feedback(url)
    assert ANSWER in text and status.endswith(UNAVAILABLE) and note == UNAVAILABLE, (text, status, note)
    shown = json.dumps([text, status, note], ensure_ascii=False)
    assert not re.search(r"SQL|INSERT|sqlite|session", shown, re.IGNORECASE), shown
    assert ANSWER in api_answer(url)  # the HTTP API answers too


def api_answer(url: str) -> str:
    """The answer of /api/ask (loopback: no key needed)."""
    body = json.dumps({"question": QUESTION}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url + "api/ask", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return json.loads(response.read())["answer"]


@pytest.mark.slow
def test_serve_starts_and_chats_on_a_corrupt_database(settings, tmp_path):
    """Also a broken DOCX in corpus/: `serve` ingests the rest and starts. The admin sees one Chinese line."""
    crc_error(settings.corpus_dir / "broken.docx")
    corrupt_database(settings.data_dir / "app.db")
    log_path = tmp_path / "serve.log"
    admin = {"PA_ADMIN_USER": ADMIN[0], "PA_ADMIN_PASSWORD": ADMIN[1]}
    with serving(settings, log_path, ingest=True, env=admin) as (_, url, _):
        assert_chat_works_without_its_log(url, log_path)
        client = connect(url)
        client.predict(*ADMIN, api_name="/login")
        with pytest.raises(AppError) as refused:
            client.predict(False, api_name="/list_answers")
        assert str(refused.value).strip() == "答案记录数据库暂不可用（读取记录失败），详情见服务日志。"
    served = log_path.read_text(encoding="utf-8")
    assert served.count(UNLOGGED) == 1 and "error" in served and "broken.docx" in served


@pytest.mark.slow
def test_serve_starts_and_chats_on_a_read_only_database(settings, tmp_path):
    folder = seeded(tmp_path / "db" / "app.db").parent
    with read_only_view(folder, tmp_path / "ro") as view:
        log_path = tmp_path / "serve.log"
        with serving(settings, log_path, ingest=True, env={"PA_DATABASE_URL": sqlite_url(view / "app.db")}) as (
            _,
            url,
            _,
        ):
            assert_chat_works_without_its_log(url, log_path)
    assert log_path.read_text(encoding="utf-8").count(UNLOGGED) == 1


@pytest.mark.slow
def test_chat_goes_on_when_the_database_fills_up(settings, tmp_path, caplog):
    with small_tmpfs(tmp_path / "small") as small:
        seeded(small / "app.db")
        log_path = tmp_path / "serve.log"
        with serving(settings, log_path, ingest=True, env={"PA_DATABASE_URL": sqlite_url(small / "app.db")}) as (
            _,
            url,
            _,
        ):
            fill(small)
            assert_chat_works_without_its_log(url, log_path)
    served = log_path.read_text(encoding="utf-8")
    assert served.count("answer log: 写入问答记录 failed") == 1 and "disk is full" in served
    logging.getLogger(__name__).info("serve log:\n%s", served)
