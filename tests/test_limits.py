"""Limits: the admin login locks a client out after repeated failures, draft export has a size limit, and an
ingest outside a terminal prints progress lines. Through the running app and the CLI as separate processes."""

from __future__ import annotations

import re

import pytest
from gradio_client.exceptions import AppError

from tests.corpus_fixtures import cli
from tests.ui_fixtures import ADMIN, build_env, close_env, connect, running_app
from ui.views.login import LoginGuard

pytestmark = pytest.mark.slow
FAILURES = 3
DRAFT_LIMIT = 5_000


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_login_guard_locks_a_client_out_and_lets_it_in_after_the_lockout():
    clock = Clock()
    guard = LoginGuard(max_failures=3, lockout_s=60, clock=clock)
    for _ in range(2):
        guard.failed("10.0.0.1")
    assert guard.locked_for("10.0.0.1") == 0
    guard.succeeded("10.0.0.1")  # a success starts the count again
    for _ in range(2):
        guard.failed("10.0.0.1")
    assert guard.locked_for("10.0.0.1") == 0
    guard.failed("10.0.0.1")
    assert guard.locked_for("10.0.0.1") == 60 and guard.locked_for("10.0.0.2") == 0
    clock.now += 59
    assert guard.locked_for("10.0.0.1") == 1
    clock.now += 1
    assert guard.locked_for("10.0.0.1") == 0


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    environment = build_env(tmp_path_factory.mktemp("limits"))
    environment.settings = environment.settings.replace(
        login_max_failures=FAILURES, login_lockout_s=600.0, max_draft_chars=DRAFT_LIMIT
    )
    environment.assistant.settings = environment.settings
    with running_app(environment) as url:
        yield url
    close_env(environment)


def test_repeated_failed_logins_lock_the_client_out(app, tmp_path):
    client = connect(app, tmp_path)
    for _ in range(FAILURES):
        status, _ = client.predict(ADMIN[0], "guess", api_name="/login")
        assert status == "用户名或密码错误。"
    status, _ = client.predict(*ADMIN, api_name="/login")  # the right password, during the lockout
    assert re.fullmatch(r"登录失败次数过多，请 \d+ 秒后再试。", status), status
    with pytest.raises(AppError, match="需要管理员权限"):
        client.predict(api_name="/export_csv")


def test_a_draft_over_the_limit_is_not_exported(app, tmp_path):
    client = connect(app, tmp_path)
    paths = client.predict("答复草稿\n" + "依据条款。" * 100, api_name="/draft_files")
    assert [p.rsplit(".", 1)[-1] for p in paths] == ["md", "docx"]
    with pytest.raises(AppError) as refused:
        client.predict("超" * (DRAFT_LIMIT + 1), api_name="/draft_files")
    assert (
        str(refused.value).strip() == f"草稿过长（{DRAFT_LIMIT + 1} 字），导出上限为 {DRAFT_LIMIT} 字，请精简后再导出。"
    )


def test_an_ingest_outside_a_terminal_prints_progress_lines(settings):
    done = cli(settings, "ingest")  # stdout is a pipe
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == ["解析文件 0/2（0%）", "解析文件 1/2（50%）", "解析文件 2/2（100%）"], lines[:4]
    embedded = [ln for ln in lines if ln.startswith("计算向量")]
    assert embedded[0] == "计算向量 0/39（0%）" and embedded[-1] == "计算向量 39/39（100%）", embedded
