"""An admin's re-index in the web app runs beside the chat, never in its way: while it parses and indexes new
documents (a notice signed by 30 departments, whose signature once froze every user for 46 s, and a bulk TXT
that takes the re-index several seconds), another user's questions are answered as usual."""

from __future__ import annotations

import time

import pytest

from evals.bench.load import text_of
from evals.bench.reindex_load import write_new_documents
from tests.ui_fixtures import ADMIN, build_env, close_env, connect, running_app

pytestmark = pytest.mark.slow
BULK_MB = 4.0
QUESTIONS = ("上海新建中试平台采购设备最高补贴多少？", "中试服务券最高支持比例是多少？")
ANSWER_BOUND_S = 10.0  # an answer alone takes well under a second; the re-index takes longer than this
MIN_ANSWERS_DURING = 5


@pytest.fixture
def env(tmp_path_factory):
    environment = build_env(tmp_path_factory.mktemp("web-reindex"))
    yield environment
    close_env(environment)


def ask(client, question: str) -> tuple[str, float]:
    started = time.perf_counter()
    messages, _, _ = client.predict(question, "全部", api_name="/ask")
    return text_of(messages[-1]), time.perf_counter() - started


def test_chat_is_answered_while_an_admin_reindexes_in_the_web_app(env, tmp_path):
    with running_app(env) as url:
        user, admin = connect(url, tmp_path), connect(url, tmp_path)
        expected = {q: ask(user, q)[0] for q in QUESTIONS}
        write_new_documents(env.settings.corpus_dir, BULK_MB)
        admin.predict(*ADMIN, api_name="/login")
        started = time.perf_counter()
        job = admin.submit(api_name="/reindex")
        during: list[float] = []
        while not job.done():
            question = QUESTIONS[len(during) % len(QUESTIONS)]
            text, seconds = ask(user, question)
            assert text == expected[question]
            if not job.done():
                during.append(seconds)
        status = job.result()
        reindex_s = time.perf_counter() - started
    print(f"\nweb re-index {reindex_s:.1f} s; {len(during)} answers meanwhile, slowest {max(during, default=0):.2f} s")
    assert status.count("新增") == 2 and "农村公路养护提质行动方案" in status, status
    assert reindex_s > ANSWER_BOUND_S, f"the re-index took {reindex_s:.1f} s: too short to prove anything"
    assert len(during) >= MIN_ANSWERS_DURING and max(during) < ANSWER_BOUND_S, (reindex_s, during)
