"""Concurrent chat sessions against the running web app, through its queue as the page's client uses it.

Each session is one user: its own session hash, so its own chat state on the server, playing a scripted
conversation whose follow-ups ("那已建的呢？", "是哪几个部门发的？", "落款日期是哪天？") only make
sense against that session's own earlier questions. Half the sessions talk about the Shanghai plan,
half about the national opinions, so a history that leaked from one session into another changes
the answers. Every session's final chat must equal a single-user run of the same script, message for
message. Everything is bounded: a timeout per answer and a budget for the whole run.

Used by tests/test_load.py and by `policy-assistant bench` (evals/bench.py).
"""

from __future__ import annotations

import http.client
import json
import logging
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlsplit

from evals.bench import gradio_queue
from evals.bench.report import stats

log = logging.getLogger(__name__)
ENDPOINT = "ask"
API_ENDPOINT = "/api/ask"
SCOPE = "全部"
SCRIPTS = {
    "shanghai": [
        "上海新建中试平台采购设备最高补贴多少？",
        "那已建的呢？",
        "上海的中试平台方案文号是多少？",
        "是哪几个部门发的？",
        "落款日期是哪天？",
        "中试服务券最高支持比例是多少？",
        "上海到2027年要建多少市级中试平台？",
        "国家级的呢？",
        "上海建立中试工作协调机制是按什么原则？",
        "参与协调的有哪些市级部门？",
    ],
    "national": [
        "《制造业中试创新发展实施意见》的文号是什么？",
        "是哪几个部门发的？",
        "落款日期是哪天？",
        "国家层面对龙头企业建中试平台有什么说法？",
        "那上海的呢？",
        "国家解读里工业企业数字化研发设计工具普及率是多少？",
        "那工业互联网平台覆盖率呢？",
        "《制造业中试创新发展实施意见》的解读是谁发布的？",
        "国家对中试平台建设的主要目标是什么？",
        "这个是哪个部门发的？",
    ],
}


@dataclass
class Session:
    script: str
    messages: list[dict] = field(default_factory=list)  # the chat as the server last returned it
    latencies_ms: list[float] = field(default_factory=list)
    error: str | None = None


@dataclass
class LoadReport:
    turns: int
    sessions: list[Session]
    reference: dict[str, Session]
    wall_s: float
    mismatches: list[str]

    @property
    def errors(self) -> list[str]:
        return [f"session {i} ({s.script}): {s.error}" for i, s in enumerate(self.sessions) if s.error]

    def summary(self) -> dict:
        latencies = [ms for s in self.sessions for ms in s.latencies_ms]
        return {
            "sessions": len(self.sessions),
            "turns": self.turns,
            "questions": len(latencies),
            "errors": len(self.errors),
            "mismatches": len(self.mismatches),
            "wall_s": round(self.wall_s, 2),
            "answers_per_s": round(len(latencies) / self.wall_s, 2) if self.wall_s else None,
            "latency_ms": stats(latencies),
            "single_user_latency_ms": stats(ms for s in self.reference.values() for ms in s.latencies_ms),
            "error_list": self.errors[:20],
            "mismatch_list": self.mismatches[:20],
        }


def text_of(message: dict) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def converse(
    target: gradio_queue.Endpoint,
    url: str,
    script: str,
    turns: int,
    timeout_s: float,
    deadline: float,
    start: threading.Barrier | None = None,
) -> Session:
    """One user playing SCRIPTS[script][:turns] through the app's queue (`target`, the chat event); never
    raises, records the first error instead."""
    session = Session(script)
    client = gradio_queue.Session(url, timeout_s)
    try:
        if start is not None:
            start.wait(timeout=max(deadline - time.monotonic(), 0.1))
        for turn, question in enumerate(SCRIPTS[script][:turns], 1):
            if deadline - time.monotonic() <= 0:
                raise TimeoutError(f"run budget spent before turn {turn}")
            t0 = time.perf_counter()
            messages = client.call(target, [question, SCOPE, None])[0]
            session.latencies_ms.append((time.perf_counter() - t0) * 1000)
            session.messages = [{"role": m["role"], "content": text_of(m)} for m in messages]
            if len(messages) != 2 * turn:
                raise AssertionError(f"turn {turn}: the chat holds {len(messages)} messages, not {2 * turn}")
    except Exception as exc:  # noqa: BLE001 - a load run reports failures, it does not stop at the first
        session.error = f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return session


def converse_api(
    url: str, script: str, turns: int, timeout_s: float, deadline: float, start: threading.Barrier | None = None
) -> Session:
    """The same user through the HTTP API (`POST /api/ask`), keeping its own history as an API client does; its
    chat is the question and answer texts. Never raises, records the first error instead."""
    session = Session(script)
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout_s)
    history: list[dict] = []
    try:
        if start is not None:
            start.wait(timeout=max(deadline - time.monotonic(), 0.1))
        for turn, question in enumerate(SCRIPTS[script][:turns], 1):
            if deadline - time.monotonic() <= 0:
                raise TimeoutError(f"run budget spent before turn {turn}")
            body = json.dumps({"question": question, "history": history}, ensure_ascii=False).encode("utf-8")
            t0 = time.perf_counter()
            connection.request("POST", API_ENDPOINT, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            data = json.loads(response.read())
            session.latencies_ms.append((time.perf_counter() - t0) * 1000)
            if response.status != 200:
                raise RuntimeError(f"turn {turn}: HTTP {response.status} {data}")
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": data["answer"]}]
            session.messages = list(history)
    except Exception as exc:  # noqa: BLE001 - a load run reports failures, it does not stop at the first
        session.error = f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()
    return session


def talker(url: str, channel: str, timeout_s: float) -> Callable[..., Session]:
    """How one user talks on `channel`: "app" (the chat event, looked up once in the app's config, as a page
    load does) or "api" (`POST /api/ask`)."""
    if channel == "app":
        return partial(converse, gradio_queue.endpoint(url, ENDPOINT, timeout_s))
    if channel == "api":
        return converse_api
    raise ValueError(f"unknown load channel {channel!r}")


def compare(session: Session, reference: Session) -> str | None:
    """Where a session's chat first differs from the single-user chat of the same script, if anywhere."""
    for i, (got, want) in enumerate(zip(session.messages, reference.messages)):
        if got != want:
            question = SCRIPTS[session.script][i // 2]
            return f"{session.script} turn {i // 2 + 1} ({question}) {got['role']}: {got['content'][:80]!r}"
    if len(session.messages) != len(reference.messages):
        return f"{session.script}: {len(session.messages)} messages, single user {len(reference.messages)}"
    return None


def run_load(
    url: str,
    sessions: int = 20,
    turns: int = 10,
    timeout_s: float = 60.0,
    budget_s: float = 300.0,
    during: Callable[[], object] | None = None,
    channel: str = "app",
) -> LoadReport:
    """Single-user reference chats first (one per script), then `sessions` users at once; `during`, if
    given, runs in another thread once they have started (e.g. a re-index); its exception is raised.
    `channel`: "app" (the chat event through the app's queue) or "api" (`POST /api/ask`)."""
    talk = talker(url, channel, timeout_s)
    deadline = time.monotonic() + budget_s
    reference = {name: talk(url, name, turns, timeout_s, deadline) for name in SCRIPTS}
    broken = {name: s.error for name, s in reference.items() if s.error}
    if broken:
        raise RuntimeError(f"single-user reference chats failed: {broken}")
    names = list(SCRIPTS)
    start = threading.Barrier(sessions + (during is not None))
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions + 1, thread_name_prefix="load") as pool:
        futures = [
            pool.submit(talk, url, names[i % len(names)], turns, timeout_s, deadline, start) for i in range(sessions)
        ]
        side = pool.submit(lambda: (start.wait(timeout=budget_s), during())) if during is not None else None
        runs = [f.result() for f in futures]
        if side is not None:
            side.result()
    wall = time.perf_counter() - t0
    mismatches = [m for s in runs if not s.error for m in [compare(s, reference[s.script])] if m]
    report = LoadReport(turns, runs, reference, wall, mismatches)
    log.info("load: %s", {k: v for k, v in report.summary().items() if not k.endswith("_list")})
    return report


METHOD = (
    "Each user is its own browser session (its own session hash, so its own server-side chat state) running "
    "the chat event `ask` as the page's JavaScript client does: without an LLM the app runs it outside Gradio's "
    "queue, so one `POST /gradio_api/run/ask` whose reply carries the outputs (a queued event: `POST "
    "/gradio_api/queue/join`, then the session's event stream `GET /gradio_api/queue/data` read to the end), on "
    "kept-alive connections (a light client in place of gradio_client, whose threads and polling cost more CPU "
    "per answer than the server on the same cores); each sends its next question when the previous answer is "
    "complete, with no think time; "
    "all start together behind a barrier. Half play the Shanghai script, half the "
    'national one (the same turns, with follow-ups such as "是哪几个部门发的？" that only make sense against '
    "the user's own earlier turns). Every final chat is compared message for message with a single-user "
    "chat of the same script, asked first. Latency is per answer, client side, including the wait for the "
    "answers ahead of it (they are computed one at a time on the server's event loop)."
)


API_METHOD = (
    "The same scripts through the HTTP API: each user is its own HTTP connection posting to `/api/ask` with the "
    "history it keeps itself (question and answer texts), as an API client does; all start together behind a "
    "barrier; every final chat is compared with a single-user run of the same script, asked first. Latency is "
    "per answer, client side."
)


def load_figures(url: str, sessions: int = 20, turns: int = 10, channel: str = "app") -> dict:
    """`run_load` as report figures; a failed run is recorded, not raised (the bench goes on)."""
    method = METHOD if channel == "app" else API_METHOD
    try:
        started = _cpu()
        figures = run_load(url, sessions, turns, channel=channel).summary()
        return {**figures, "client_cpu_s": _cpu() - started, "method": method}
    except Exception as exc:  # noqa: BLE001 - the figures of the other stages must not be lost
        log.exception("load run failed")
        return {"error": f"{type(exc).__name__}: {exc}", "method": method}


def _cpu() -> float:
    """CPU seconds of this process (the clients): they share the machine with the server."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
