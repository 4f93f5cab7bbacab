"""The HTTP API against the real app (served as `policy-assistant serve` does) on a free loopback port:
the official `openai` client, raw HTTP for streams, keys, rate limits and bad bodies, and the CLI."""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import threading
import time
import urllib.parse
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from assistant.core.resources import template
from tests.corpus_fixtures import cli
from tests.fake_llm import FakeLLM, Reply, cite
from tests.ui_fixtures import build_env, close_env, connect, running_app

pytestmark = pytest.mark.slow

QUESTION = "新建中试平台采购设备最高补贴多少？"
FOLLOW_UP = "那已建的呢？"
SH_NUMBER = "沪经信技〔2025〕365号"
KEYS = ("alpha-key", "beta-key", "gamma-key")
RATE = 3
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    environment = build_env(tmp_path_factory.mktemp("api"))
    environment.settings = environment.settings.replace(api_rate=0)  # no limit: tests of the open app
    yield environment
    close_env(environment)


@pytest.fixture(scope="module")
def url(env):
    """No PA_API_KEYS: open to loopback clients."""
    with running_app(env) as address:
        yield address


@pytest.fixture(scope="module")
def keyed_url(env):
    """The same assistant and log behind PA_API_KEYS with PA_API_RATE=3."""
    keyed = SimpleNamespace(**vars(env))
    keyed.settings = env.settings.replace(api_keys=",".join(KEYS), api_rate=RATE)
    with running_app(keyed) as address:
        yield address


def openai_client(url: str, key: str = "unused"):
    from openai import OpenAI

    return OpenAI(base_url=url + "v1", api_key=key, max_retries=0, timeout=60)


def call(url: str, method: str, path: str, body=None, raw: bytes | None = None, key: str | None = None):
    """(status, headers, parsed JSON body) of one request."""
    target = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        return response.status, dict(response.getheaders()), json.loads(text) if text else None
    finally:
        conn.close()


def stream_events(url: str, body: dict) -> list[tuple[float, str]]:
    """(seconds since the request, data) of each server-sent event of a streamed completion."""
    target = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    started = time.monotonic()
    try:
        conn.request(
            "POST",
            "/v1/chat/completions",
            body=json.dumps({**body, "stream": True}).encode(),
            headers={"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("Content-Type", "").startswith("text/event-stream")
        events = []
        for line in response:
            text = line.decode().rstrip("\n")
            if text.startswith("data: "):
                events.append((time.monotonic() - started, text[len("data: ") :]))
        return events
    finally:
        conn.close()


def logged(env, completion_id: str) -> dict:
    return next(r for r in env.repo.list_answers() if r["settings"].get("id") == completion_id)


def test_the_openai_client_gets_the_cited_answer(env, url):
    client = openai_client(url)
    completion = client.chat.completions.create(
        model="policy-assistant", messages=[{"role": "user", "content": QUESTION}]
    )
    content = completion.choices[0].message.content
    assert content == env.assistant.ask(QUESTION).answer
    assert "最高可达1亿元" in content and content.endswith("[1]")
    assert completion.model == "policy-assistant" and completion.choices[0].finish_reason == "stop"
    extra = completion.model_extra
    assert extra["refused"] is False and extra["mode"] == "extractive"
    [citation] = extra["citations"]
    assert citation["marker"] == 1 and citation["doc_number"] == SH_NUMBER and citation["page"] == 6
    assert citation["doc_title"] == "上海市中试平台创新发展实施方案" and "（十二）" in citation["section"]
    assert "支持金额最高可达1亿元" in citation["text"]

    assert client.chat.completions.create(model="any-name", messages=[{"role": "user", "content": QUESTION}]).model == (
        "any-name"
    )
    assert [m.id for m in client.models.list()] == ["policy-assistant"]

    row = logged(env, completion.id)
    assert row["channel"] == "api" and row["answer"] == content and row["question"] == QUESTION
    assert row["citations"][0]["doc_number"] == SH_NUMBER
    assert row["settings"]["endpoint"] == "/v1/chat/completions" and row["settings"]["history"] == []


def test_a_streamed_completion_arrives_in_chunks_and_ends_with_done(env, url):
    events = stream_events(url, {"messages": [{"role": "user", "content": QUESTION}]})
    assert events[-1][1] == "[DONE]"
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert {c["id"] for c in chunks} == {chunks[0]["id"]} and chunks[0]["id"].startswith("chatcmpl-")
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    pieces = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert len(pieces) >= 2 and all(pieces), pieces  # sentence by sentence
    assert "".join(pieces) == env.assistant.ask(QUESTION).answer
    last = chunks[-1]
    assert last["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop", "logprobs": None}
    assert last["refused"] is False and last["citations"][0]["doc_number"] == SH_NUMBER
    assert "citations" not in chunks[1]
    assert logged(env, chunks[0]["id"])["settings"]["stream"] is True

    stream = openai_client(url).chat.completions.create(
        model="policy-assistant", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    received = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in received) == "".join(pieces)
    assert received[-1].model_extra["citations"][0]["doc_number"] == SH_NUMBER


def test_a_multi_turn_messages_list_resolves_a_follow_up(env, url):
    client = openai_client(url)
    first = client.chat.completions.create(model="m", messages=[{"role": "user", "content": QUESTION}])
    history = [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
    ]
    messages = [{"role": "system", "content": "你是政策助手。"}, *history, {"role": "user", "content": FOLLOW_UP}]
    follow = client.chat.completions.create(model="m", messages=messages)
    content = follow.choices[0].message.content
    assert "5000万元" in content and "1亿元" not in content
    assert follow.model_extra["resolved_question"] and follow.model_extra["citations"][0]["doc_number"] == SH_NUMBER

    row = logged(env, follow.id)
    assert row["question"] == FOLLOW_UP and row["settings"]["history"] == history  # the system message is not a turn
    assert env.repo.history(row["id"]) == history  # what the review shows an evaluator

    parts = [{"type": "text", "text": "那已建的"}, {"type": "text", "text": "呢？"}]  # content as a list of parts
    again = client.chat.completions.create(model="m", messages=[*history, {"role": "user", "content": parts}])
    assert again.choices[0].message.content == content


def test_a_wrong_key_gets_401(keyed_url):
    from openai import AuthenticationError

    for key in (None, "wrong-key", KEYS[0] + "x"):
        status, headers, body = call(keyed_url, "GET", "/v1/models", key=key)
        assert status == 401 and headers.get("www-authenticate") == "Bearer", (key, status)
        assert body["error"]["code"] == "invalid_api_key" and CJK.search(body["error"]["message"])
    status, _, body = call(keyed_url, "POST", "/api/ask", raw=b"{not json", key="wrong-key")
    assert status == 401, "the key is checked before the body is read"
    with pytest.raises(AuthenticationError):
        openai_client(keyed_url, "wrong-key").chat.completions.create(
            model="m", messages=[{"role": "user", "content": QUESTION}]
        )

    completion = openai_client(keyed_url, KEYS[0]).chat.completions.create(
        model="m", messages=[{"role": "user", "content": QUESTION}]
    )
    assert "1亿元" in completion.choices[0].message.content


def test_the_rate_limit_answers_429_with_retry_after(env, keyed_url):
    from openai import RateLimitError

    key = KEYS[1]
    for _ in range(RATE):
        assert call(keyed_url, "GET", "/v1/models", key=key)[0] == 200
    status, headers, body = call(keyed_url, "POST", "/api/ask", {"question": QUESTION}, key=key)
    assert status == 429 and 1 <= int(headers["retry-after"]) <= 60
    assert body["error"]["code"] == "rate_limited" and body["error"]["type"] == "rate_limit_error"
    assert f"每分钟最多 {RATE} 次" in body["error"]["message"]
    with pytest.raises(RateLimitError):
        openai_client(keyed_url, key).models.list()
    assert call(keyed_url, "GET", "/v1/models", key=KEYS[2])[0] == 200, "each key has its own limit"


CHAT, ASK = "/v1/chat/completions", "/api/ask"


def said(*turns: tuple[str, object], **fields) -> dict:
    return {"messages": [{"role": role, "content": content} for role, content in turns], **fields}


BAD_BODIES = [
    (CHAT, b"", "empty_body", None),
    (CHAT, b'{"messages": [{"role": "user",', "malformed_json", None),
    (CHAT, b"[1, 2]", "not_an_object", None),
    (CHAT, {"model": "m"}, "missing_field", "messages"),
    (CHAT, {"messages": []}, "empty_messages", "messages"),
    (CHAT, said(("user", "")), "empty_question", "messages[0].content"),
    (CHAT, said(("user", " \u200b\t"), stream=True), "empty_question", "messages[0].content"),
    (CHAT, said(("user", "问" * 2001)), "question_too_long", "messages[0].content"),
    (CHAT, said(("tool", "x")), "bad_role", "messages[0].role"),
    (CHAT, said(("user", "q"), ("assistant", "a")), "last_message_not_user", "messages[1].role"),
    (CHAT, said(("user", 5)), "bad_content", "messages[0].content"),
    (CHAT, said(("user", "q"), jurisdiction="beijing"), "bad_jurisdiction", "jurisdiction"),
    (ASK, b"question=1", "malformed_json", None),
    (ASK, {}, "missing_field", "question"),
    (ASK, {"question": ""}, "empty_question", "question"),
    (ASK, {"question": "问" * 100_000}, "question_too_long", "question"),
    (ASK, {"question": "q", "history": [{"role": "system", "content": "x"}]}, "bad_role", "history[0].role"),
]


@pytest.mark.parametrize(("path", "body", "code", "param"), BAD_BODIES, ids=[f"{c[0]}:{c[2]}" for c in BAD_BODIES])
def test_malformed_bodies_get_400_naming_the_problem(env, url, path, body, code, param):
    before = len(env.repo.list_answers())
    raw = body if isinstance(body, bytes) else None
    status, headers, reply = call(url, "POST", path, None if raw is not None else body, raw=raw)
    assert status == 400 and headers["content-type"] == "application/json"
    error = reply["error"]
    assert error["code"] == code and error["type"] == "invalid_request_error"
    assert CJK.search(error["message"]) and "Traceback" not in error["message"]
    if param:
        assert error["param"] == param
    assert len(env.repo.list_answers()) == before, "nothing is logged"


def test_an_oversized_body_is_refused_unread_and_the_app_answers_on(url):
    status, _, reply = call(url, "POST", "/api/ask", {"question": "问" * 400_000})
    assert status == 413 and reply["error"]["code"] == "request_too_large"
    status, _, reply = call(url, "POST", "/api/ask", {"question": QUESTION})
    assert status == 200 and "1亿元" in reply["answer"]


def test_api_ask_equals_ask_json_apart_from_timings(env, url, tmp_path):
    first = env.assistant.ask(QUESTION)
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": first.answer}]
    (tmp_path / "history.json").write_text(json.dumps(history, ensure_ascii=False), encoding="utf-8")
    cases = [
        ({"question": QUESTION}, []),
        ({"question": FOLLOW_UP, "history": history}, ["--history", str(tmp_path / "history.json")]),
        ({"question": "中试服务券最高支持比例是多少？", "jurisdiction": "shanghai"}, ["--jurisdiction", "shanghai"]),
        ({"question": "北京的中试补贴标准是多少？"}, []),
    ]
    env.assistant.close()  # a CLI process opens the embedded store itself; the app reopens it on its next question
    expected = []
    for body, options in cases:
        done = cli(env.settings, "ask", body["question"], "--json", *options)
        assert done.returncode == 0, done.stderr
        expected.append(json.loads(done.stdout))
    for (body, _), want in zip(cases, expected, strict=True):
        status, _, got = call(url, "POST", "/api/ask", body)
        assert status == 200
        assert got["latency_ms"] > 0
        assert {**got, "latency_ms": None} == {**want, "latency_ms": None}
    assert expected[1]["resolved_question"] and "5000万元" in expected[1]["answer"]
    assert expected[3]["refused"] is True
    rows = env.repo.list_answers(limit=len(cases))
    assert {r["channel"] for r in rows} == {"api"} and {r["settings"]["endpoint"] for r in rows} == {"/api/ask"}


class Spy:
    """The app's Assistant, noting which thread asks what and how many ask at once."""

    def __init__(self, assistant) -> None:
        self.assistant, self.settings = assistant, assistant.settings
        self.asked: list[tuple[str, str]] = []
        self.running = self.most = 0

    def ask(self, question: str, history: list[dict], **options):
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            self.asked.append((threading.current_thread().name, question))
            time.sleep(0.01)  # a request arriving meanwhile would overlap on another thread
            return self.assistant.ask(question, history, **options)
        finally:
            self.running -= 1


def test_api_answers_are_computed_one_at_a_time_in_arrival_order(env):
    from ui.api import ApiService
    from ui.views.api_access import Caller

    spy = Spy(env.assistant)
    service = ApiService(spy, env.repo, env.settings)  # type: ignore[arg-type]
    questions = [QUESTION, FOLLOW_UP, "中试服务券最高支持比例是多少？", "北京的中试补贴标准是多少？"] * 3

    async def all_at_once():
        caller = Caller("test")
        return await asyncio.gather(*(service.answered(q, [], None, {"endpoint": "test"}, caller) for q in questions))

    answers = asyncio.run(all_at_once())
    assert [a.question for a in answers] == questions
    assert [q for _, q in spy.asked] == questions and spy.most == 1
    assert {name.split("_")[0] for name, _ in spy.asked} == {"api-answer"}
    assert env.settings.replace(llm_base_url="http://llm", llm_model="m").api_answer_threads == 8


def test_chat_answers_stay_in_the_chat_channel(env, url, tmp_path):
    client = connect(url, tmp_path)
    client.predict(QUESTION, "全部", api_name="/ask")
    row = env.repo.list_answers(limit=1)[0]
    assert row["channel"] == "chat" and row["question"] == QUESTION


def test_models_openapi_and_its_page(url):
    status, _, models = call(url, "GET", "/v1/models")
    assert status == 200 and models["object"] == "list"
    assert [(m["id"], m["object"]) for m in models["data"]] == [("policy-assistant", "model")]

    status, _, schema = call(url, "GET", "/api/openapi.json")
    assert status == 200 and set(schema["paths"]) == {"/v1/chat/completions", "/v1/models", "/api/ask"}
    post = schema["paths"]["/v1/chat/completions"]["post"]
    assert {"200", "400", "401", "429"} <= set(post["responses"]) and "422" not in post["responses"]
    assert "ChatCompletionRequest" in schema["components"]["schemas"]

    target = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    conn.request("GET", "/api/docs")
    response = conn.getresponse()
    page = response.read().decode()
    conn.close()
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/html")
    for line in ("POST /v1/chat/completions", "GET /v1/models", "POST /api/ask", "PA_API_KEYS", "Retry-After"):
        assert line in page
    assert "cdn" not in page.lower() and "<script" not in page


@contextmanager
def llm_answers(env, fake: FakeLLM):
    """The running app's assistant with an LLM endpoint (the same Assistant: one process opens the store once)."""
    from assistant.llm.chat import ChatModel

    saved = env.assistant.chat
    env.assistant.chat = ChatModel(
        env.settings.replace(llm_base_url=fake.url, llm_model="fake-qwen", llm_timeout=10, llm_cooldown=0)
    )
    try:
        yield
    finally:
        env.assistant.chat = saved


def test_an_llm_answer_streams_as_it_is_verified(env, url):
    fake = FakeLLM()
    fake.reply = lambda body: Reply(
        f"新建中试平台支持金额最高可达1亿元[{cite(body, '最高可达1亿元')}]。"
        f"已建平台补贴比例不超过30%[{cite(body, '30%')}]。",
        delay=0.25,
        piece_chars=4,
    )
    try:
        with llm_answers(env, fake):
            events = stream_events(url, {"messages": [{"role": "user", "content": QUESTION}]})
    finally:
        fake.close()
    chunks = [(t, json.loads(data)) for t, data in events[:-1]]
    pieces = [(t, c["choices"][0]["delta"].get("content")) for t, c in chunks[1:-1]]
    assert [text for _, text in pieces] == ["新建中试平台支持金额最高可达1亿元[1]。", "已建平台补贴比例不超过30%[1]。"]
    assert pieces[0][0] < events[-1][0] - 0.5, "the first sentence arrived while the rest was still being written"
    last = chunks[-1][1]
    assert last["mode"] == "llm" and last["notice"] is None and last["citations"][0]["doc_number"] == SH_NUMBER


def test_an_llm_answer_that_fails_verification_midway_is_followed_by_the_extractive_one(env, url):
    fake = FakeLLM()
    fake.reply = lambda body: Reply(
        f"新建中试平台支持金额最高可达1亿元[{cite(body, '最高可达1亿元')}]。已建平台最高可获2亿元[1]。",
        delay=0.1,
        piece_chars=6,
    )
    try:
        with llm_answers(env, fake):
            events = stream_events(url, {"messages": [{"role": "user", "content": QUESTION}]})
    finally:
        fake.close()
    chunks = [json.loads(data) for _, data in events[:-1]]
    streamed = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    extractive = env.assistant.ask(QUESTION, llm=False).answer
    notice = template("llm_unverified.txt").strip()
    assert streamed == f"新建中试平台支持金额最高可达1亿元[1]。\n\n{notice}\n\n{extractive}"
    assert chunks[-1]["notice"] == notice and chunks[-1]["mode"] == "extractive" and "2亿元" not in streamed
