"""Answer-log retention: the periodic purger of the running app and `policy-assistant purge`."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from assistant.app.repository import Repository, qa_log, utcnow
from assistant.app.retention import Purger
from assistant.cli.commands import cli

WAIT_S = 10


def backdate(repo: Repository, qa_id: int, days: float) -> None:
    with repo.engine.begin() as conn:
        conn.execute(update(qa_log).where(qa_log.c.id == qa_id).values(created_at=utcnow() - timedelta(days=days)))


def ids(repo: Repository) -> set[int]:
    return {r["id"] for r in repo.list_answers()}


@pytest.fixture
def repo(tmp_path):
    repository = Repository(f"sqlite:///{tmp_path / 'app.db'}")
    yield repository
    repository.close()


def test_purger_runs_at_start_and_then_periodically(repo):
    old, recent = repo.log_answer("s", "旧", "答", False), repo.log_answer("s", "新", "答", False)
    repo.add_feedback(old, "up")
    backdate(repo, old, 31)
    purger = Purger(repo, days=30, interval_s=0.05).start()
    try:
        assert ids(repo) == {recent} and repo.feedback_for(old) == []  # purged before start() returned
        assert purger.running
        backdate(repo, recent, 30.01)  # ages while the app runs
        deadline = time.monotonic() + WAIT_S
        while ids(repo) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ids(repo) == set()
        kept = repo.log_answer("s", "今天", "答", False)
        time.sleep(0.2)
        assert ids(repo) == {kept}
    finally:
        purger.stop()
    assert not purger.running
    with pytest.raises(ValueError):
        Purger(repo, days=-1)


def test_purge_command(tmp_path, monkeypatch):
    for name in ("PA_DATABASE_URL", "PA_LOG_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    repo = Repository(f"sqlite:///{data / 'app.db'}")
    try:
        ages = {repo.log_answer("s", f"问{days}", "答", False): days for days in (400, 40, 1)}
        for qa_id, days in ages.items():
            backdate(repo, qa_id, days)
        runner = CliRunner()
        done = runner.invoke(cli, ["--data-dir", str(data), "purge"])  # default: 365 days
        assert (done.exit_code, done.output) == (0, "purged 1 answer records older than 365 days\n")
        done = runner.invoke(cli, ["--data-dir", str(data), "purge", "--days", "30"])
        assert (done.exit_code, done.output) == (0, "purged 1 answer records older than 30 days\n")
        assert [r["question"] for r in repo.list_answers()] == ["问1"]
        done = runner.invoke(cli, ["--data-dir", str(data), "purge"], env={"PA_LOG_RETENTION_DAYS": "0"})
        assert done.output == "purged 1 answer records older than 0 days\n" and repo.list_answers() == []
        done = runner.invoke(cli, ["--data-dir", str(data), "purge", "--days", "-1"])
        assert done.exit_code == 2 and "-1 is not in the range x>=0" in done.output
    finally:
        repo.close()
