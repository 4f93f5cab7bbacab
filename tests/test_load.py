"""Twenty users at once against the real web app (real index, real packaged model) on a loopback port,
with a re-index published while they ask: no errors, every session keeps its own history, every answer equals
the single-user answer."""

from __future__ import annotations

import shutil
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest

from evals.bench.load import SCRIPTS, run_load
from tests.corpus_fixtures import packaged_embedder
from tests.ui_fixtures import running_app

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SESSIONS, TURNS = 20, 10
ANSWER_TIMEOUT_S, BUDGET_S = 60.0, 240.0
REINDEX_AFTER_S = 2.0  # about a fifth into the concurrent answers


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from assistant.app.repository import Repository
    from assistant.core.settings import Settings
    from assistant.index.build import ingest
    from assistant.index.lexical import ChineseTokenizer
    from assistant.service import Assistant

    root = tmp_path_factory.mktemp("load")
    shutil.copytree(ROOT / "corpus", root / "corpus")
    settings = Settings.from_env(environ={}, data_dir=root / "data", corpus_dir=root / "corpus")
    tokenizer = ChineseTokenizer()
    assert not ingest(settings, packaged_embedder(), tokenizer).failed
    assistant = Assistant(settings, packaged_embedder(), tokenizer)
    assistant.warm()
    environment = SimpleNamespace(root=root, settings=settings, assistant=assistant, repo=Repository(settings.db_url))
    yield environment
    environment.repo.close()
    assistant.close()


def test_twenty_concurrent_sessions(env):
    from assistant.index.build import ingest
    from assistant.index.layout import Layout

    before = Layout(env.settings).current()

    def reindex():  # the same corpus re-embedded into a new generation, published while users are asking
        time.sleep(REINDEX_AFTER_S)
        return ingest(env.settings, env.assistant.embedder, env.assistant.tokenizer, rebuild=True)

    with running_app(env) as url:
        report = run_load(url, SESSIONS, TURNS, ANSWER_TIMEOUT_S, BUDGET_S, during=reindex)
    assert Layout(env.settings).current() != before and env.assistant.snapshot.generation != before
    summary = report.summary()
    print(
        f"\nload: {summary['questions']} answers in {summary['wall_s']} s, latency ms {summary['latency_ms']}, "
        f"single user {summary['single_user_latency_ms']}"
    )
    assert report.errors == [] and report.mismatches == []
    assert summary["questions"] == SESSIONS * TURNS
    assert summary["latency_ms"]["max"] < ANSWER_TIMEOUT_S * 1000

    # the follow-up "是哪几个部门发的？" resolves against each session's own conversation
    shanghai, national = (report.reference[name].messages for name in ("shanghai", "national"))
    asked = SCRIPTS["shanghai"].index("是哪几个部门发的？"), SCRIPTS["national"].index("是哪几个部门发的？")
    assert "上海市经济和信息化委员会" in shanghai[2 * asked[0] + 1]["content"]
    assert "工业和信息化部" in national[2 * asked[1] + 1]["content"]

    logged = defaultdict(list)  # the answer log, per server-side session
    for row in reversed(env.repo.list_answers()):
        logged[row["session_id"]].append(row["question"])
    assert len(logged) == SESSIONS + len(SCRIPTS)
    assert sorted(logged.values()) == sorted([SCRIPTS[name][:TURNS] for name in SCRIPTS] * (SESSIONS // 2 + 1))
