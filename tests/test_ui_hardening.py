"""Bad input and access control through the running web app's API: oversized and odd questions, markup
in questions and documents, hostile upload names, types and sizes, and every admin endpoint called
without a login, also with a forged login state in a raw HTTP call."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from evals.bench.load import text_of
from tests.corpus_fixtures import HOSTILE_DOC_ID, HOSTILE_NAME, HOSTILE_QUESTION, HOSTILE_TXT, SCRIPT
from tests.ui_fixtures import ADMIN, build_env, close_env, connect, running_app

pytestmark = pytest.mark.slow
QUESTION = "新建中试平台采购设备最高补贴多少？"
SOURCES = '<div class="pa-sources">'
UPLOAD_LIMIT_MB = 1.0
POLICY = "关于中试验证的补充通知\n第一条 中试验证机构应当建立质量管理体系。\n第二条 本通知自印发之日起施行。\n"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from assistant.index.build import ingest
    from assistant.service import Assistant

    environment = build_env(tmp_path_factory.mktemp("hardening"))
    environment.assistant.close()
    settings = environment.settings.replace(max_file_mb=UPLOAD_LIMIT_MB)
    (settings.corpus_dir / HOSTILE_NAME).write_text(HOSTILE_TXT, encoding="utf-8")
    embedder, tokenizer = environment.assistant.embedder, environment.assistant.tokenizer
    assert not ingest(settings, embedder, tokenizer).failed
    environment.settings, environment.assistant = settings, Assistant(settings, embedder, tokenizer)
    yield environment
    close_env(environment)


@pytest.fixture(scope="module")
def url(env):
    with running_app(env) as address:
        yield address


@pytest.fixture(scope="module")
def no_admin_url(env, tmp_path_factory):
    """The same index, no admin account configured (lexical retrieval: this process already has the
    embedded store open)."""
    from types import SimpleNamespace

    from assistant.service import Assistant

    settings = env.settings.replace(admin_user=None, admin_password=None, retriever="lexical")
    other = SimpleNamespace(
        root=tmp_path_factory.mktemp("no-admin"),
        settings=settings,
        repo=env.repo,
        assistant=Assistant(settings, None, env.assistant.tokenizer),
    )
    try:
        with running_app(other) as address:
            yield address
    finally:
        other.assistant.close()


def chat_text(messages: list[dict], index: int = -1) -> str:
    return text_of(messages[index])


def raw_call(url: str, api_name: str, data: list) -> tuple[str, object]:
    """Call an endpoint with a hand-made payload, as a script would; returns (event, data)."""
    posted = httpx.post(f"{url}gradio_api/call/{api_name}", json={"data": data}, timeout=30)
    posted.raise_for_status()
    stream = httpx.get(f"{url}gradio_api/call/{api_name}/{posted.json()['event_id']}", timeout=60).text
    event = re.findall(r"^event: (\w+)$", stream, re.M)[-1]
    return event, json.loads(re.findall(r"^data: (.*)$", stream, re.M)[-1])


# ---------------------------------------------------------------------------------------- questions


def test_a_question_of_100k_characters_is_refused_and_the_app_stays_up(env, url, caplog):
    client = connect(url)
    logged = len(env.repo.list_answers())
    with (
        caplog.at_level(logging.DEBUG),
        pytest.raises(AppError, match=r"^问题过长（100000 字），请精简到 2000 字以内。$"),
    ):
        client.predict("中" * 100_000, "全部", api_name="/ask")
    assert len(env.repo.list_answers()) == logged, "a refused question is not logged"
    assert not [r for r in caplog.records if "中" * 2000 in r.getMessage()], "the question is not written to the log"
    messages, _, _ = client.predict(QUESTION, "全部", api_name="/ask")
    assert len(messages) == 2 and "1亿元" in chat_text(messages)


def test_control_characters_and_emoji(url):
    client = connect(url)
    messages, _, _ = client.predict("中试服务券🎫最高支持比例\u200b是多少？\x07\x1b[31m", "全部", api_name="/ask")
    assert "50%" in chat_text(messages)
    assert (
        "\x07" not in chat_text(messages, 0) and "\x1b" not in chat_text(messages, 0) and "🎫" in chat_text(messages, 0)
    )
    with pytest.raises(AppError, match="问题不能为空"):
        client.predict("\x00\x01\u200b\u2028 ", "全部", api_name="/ask")


def test_markup_in_questions_and_documents_is_shown_as_text(url):
    client = connect(url)
    messages, _, _ = client.predict(
        f"**粗体**<img src=x onerror=alert(1)>{SCRIPT}{HOSTILE_QUESTION}", "全部", api_name="/ask"
    )
    asked, reply = chat_text(messages, 0), chat_text(messages)
    assert "<img" not in asked and "<script" not in asked and "&lt;img" in asked and r"\*\*粗体\*\*" in asked
    answer, sources = reply.split(SOURCES)
    assert "中试保险产品" in answer and "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in answer
    assert r"\[中试验证\]\(javascript:alert\(2\)\)" in answer and r"\*\*支持\*\*" in answer
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in sources
        and "<script" not in reply
        and "javascript:alert(2)" in sources
    )
    assert "href" not in reply

    client.predict(api_name="/documents")
    tree, _, clause = client.predict(HOSTILE_DOC_ID, api_name="/clause_tree")
    assert "<script" not in tree + clause and "&lt;script&gt;" in tree
    client.predict(*ADMIN, api_name="/login")
    logged = next(r for r in connect_repo_rows(client) if HOSTILE_QUESTION in r[2])
    detail = client.predict(int(logged[0]), api_name="/answer_detail")
    assert "<script" not in detail and "<img" not in detail and "&lt;script&gt;" in detail


def connect_repo_rows(client: Client) -> list[list]:
    table, _ = client.predict(False, api_name="/list_answers")
    return table["data"]


# ------------------------------------------------------------------------------------------ uploads


def test_upload_names_types_and_sizes(env, url, tmp_path):
    client = connect(url)
    client.predict(*ADMIN, api_name="/login")
    corpus = env.settings.corpus_dir
    before = sorted(p.name for p in corpus.iterdir())
    for name in ("tool.exe", "page.html", "README"):
        bad = tmp_path / name
        bad.write_text(POLICY, encoding="utf-8")
        with pytest.raises(AppError, match="Invalid file type"):  # gradio checks first, then ui.views.uploads
            client.predict(handle_file(str(bad)), False, api_name="/upload")
    big = tmp_path / "big.txt"
    big.write_bytes(POLICY.encode() * int(UPLOAD_LIMIT_MB * 1024 * 1024 / len(POLICY.encode()) + 100))
    with pytest.raises(ValueError, match="exceeds the maximum file size of 1048576 bytes"):  # the client knows
        client.predict(handle_file(str(big)), False, api_name="/upload")
    raw = httpx.post(
        f"{url}gradio_api/upload", files={"files": ("big.txt", big.read_bytes(), "text/plain")}, timeout=30
    )
    assert raw.status_code == 413 and "File size exceeded maximum allowed size" in raw.text  # and so does the server
    assert sorted(p.name for p in corpus.iterdir()) == before

    uploaded = httpx.post(
        f"{url}gradio_api/upload", timeout=30, files={"files": ("../../escape.txt", POLICY.encode(), "text/plain")}
    ).json()[0]
    report = client.predict(
        {"path": uploaded, "orig_name": "../../escape.txt", "meta": {"_type": "gradio.FileData"}},
        False,
        api_name="/upload",
    )
    assert "已保存为 `escape.txt`" in report and "新增" in report
    assert sorted(p.name for p in corpus.iterdir()) == sorted(before + ["escape.txt"])
    assert not list(env.root.glob("escape.txt")) and not list(corpus.parent.parent.glob("escape.txt"))


# ------------------------------------------------------------------------------------ access control

ADMIN_CALLS = [
    ("/upload", "upload"),
    ("/reindex", "reindex"),
    ("/answer_detail", "detail"),
    ("/rate", "rate"),
    ("/export_csv", "export"),
    ("/export_jsonl", "export"),
    ("/run_eval", "eval"),
]


@pytest.mark.parametrize("configured", [True, False], ids=["not-logged-in", "no-admin-account"])
def test_admin_endpoints_refuse_without_login(env, url, no_admin_url, tmp_path, configured):
    from assistant.index.layout import Layout
    from ui.tabs.access import ADMIN_DISABLED, ADMIN_REQUIRED

    address, notice = (url, ADMIN_REQUIRED) if configured else (no_admin_url, ADMIN_DISABLED)
    client = connect(address)
    messages, _, _ = client.predict(QUESTION, "全部", api_name="/ask")  # the chat stays public
    assert "1亿元" in chat_text(messages)
    qa_id = env.repo.list_answers()[0]["id"]
    policy = tmp_path / "policy.txt"
    policy.write_text(POLICY, encoding="utf-8")
    args = {
        "upload": (handle_file(str(policy)), False),
        "reindex": (),
        "detail": (qa_id,),
        "rate": (qa_id, "correct", "", False),
        "export": (),
        "eval": (None, "lexical"),
    }
    state = (
        sorted(p.name for p in env.settings.corpus_dir.iterdir()),
        Layout(env.settings).current(),
        env.repo.accuracy()["rated"],
    )
    for api_name, kind in ADMIN_CALLS:
        with pytest.raises(AppError) as refused:
            client.predict(*args[kind], api_name=api_name)
        assert str(refused.value) == notice, api_name
    table, shown = client.predict(False, api_name="/list_answers")
    assert (table["data"], shown) == ([], notice)
    # a script that claims to be logged in: the login flag is server-side state, not a parameter
    for api_name, data in [
        ("reindex", [True]),
        ("answer_detail", [qa_id, True]),
        ("export_csv", [True]),
        ("detail_on_pick", [qa_id, True]),
        ("rate", [qa_id, "correct", "", False, True]),
    ]:
        event, data = raw_call(address, api_name, data)
        assert (event, data["error"]) == ("error", notice), api_name
    event, data = raw_call(address, "list_on_filter", [False, True])
    assert event == "complete" and data[0]["data"] == []
    assert (
        sorted(p.name for p in env.settings.corpus_dir.iterdir()),
        Layout(env.settings).current(),
        env.repo.accuracy()["rated"],
    ) == state
    assert not (env.settings.data_dir / "eval-ui").exists()


def test_admin_controls_are_disabled_with_a_notice(no_admin_url):
    from ui.tabs.access import ADMIN_DISABLED

    components = httpx.get(f"{no_admin_url}config", timeout=30).json()["components"]
    notices = [c for c in components if c["type"] == "markdown" and c["props"].get("value") == ADMIN_DISABLED]
    assert len(notices) == 3  # login box, documents tab (upload), review tab
    buttons = {c["props"]["value"]: c["props"].get("interactive") for c in components if c["type"] == "button"}
    for label in ("登录", "上传并重建索引", "按语料目录重建索引", "保存评审", "运行评测"):
        assert buttons[label] is False, label
    assert buttons["发送"] is not False
    assert [
        c["props"].get("interactive")
        for c in components
        if c["type"] == "file" and c["props"].get("label") == "政策文件"
    ] == [False]
