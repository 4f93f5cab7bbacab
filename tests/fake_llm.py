"""A small OpenAI-compatible chat server on loopback that replays canned completions.

`FakeLLM.reply` decides each completion from the request body; the default echoes the first
sentence of chunk [1] with its marker. Requests are recorded so tests can tell whether the
model was called at all.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONDENSE_MARK = "改写后的独立问题"


@dataclass
class Reply:
    text: str = ""
    delay: float = 0.0  # seconds before each streamed piece
    piece_chars: int = 6
    raw: bytes | None = None  # sent as is instead of a completion (garbage)
    status: int = 200
    finish: str = "stop"  # "length": the model hit its token limit
    keepalive: float = 0.0  # seconds of SSE keep-alive comments before any content


def user_message(body: dict) -> str:
    return next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")


def chunks_of(body: dict) -> dict[int, str]:
    """The numbered chunks given in the answer prompt: {n: text}."""
    text = user_message(body)
    parts = re.split(r"^\[(\d+)\] ", text, flags=re.M)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def cite(body: dict, phrase: str) -> int:
    """The number of the first chunk containing `phrase` (fails the test if none was given)."""
    numbers = [n for n, text in chunks_of(body).items() if phrase in text]
    assert numbers, f"no chunk containing {phrase!r} was given to the model"
    return numbers[0]


def echo_first(body: dict) -> Reply:
    if CONDENSE_MARK in user_message(body):
        return Reply(re.search(r"最新追问：(.*)", user_message(body)).group(1).strip())
    chunks = chunks_of(body)
    if not chunks:
        return Reply("现有政策文件中未找到相关规定。")
    sentence = re.split(r"(?<=[。；])", chunks[1].split("\n", 1)[1].strip())[0]
    return Reply(f"{sentence.rstrip('。；')}[1]。")


class FakeLLM:
    def __init__(self) -> None:
        self.reply: Callable[[dict], Reply] = echo_first
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                reply = fake.reply(body)
                if reply.raw is not None or reply.status != 200:
                    self._send(reply.status, reply.raw or b"{}", "application/json")
                elif body.get("stream"):
                    self._stream(reply)
                else:
                    self._send(200, json.dumps(_completion(reply.text)).encode(), "application/json")

            def _send(self, status: int, data: bytes, kind: str):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, reply: Reply):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                try:
                    waited = 0.0
                    while waited < reply.keepalive:
                        self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
                        time.sleep(0.2)
                        waited += 0.2
                    for i in range(0, len(reply.text), reply.piece_chars):
                        time.sleep(reply.delay)
                        self._event(_chunk({"content": reply.text[i : i + reply.piece_chars]}))
                    self._event(_chunk({}, reply.finish))
                    self.wfile.write(b"data: [DONE]\n\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (deadline): fine

            def _event(self, data: dict):
                self.wfile.write(b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n")
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer_requests(self) -> list[dict]:
        return [b for b in self.requests if CONDENSE_MARK not in user_message(b)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _completion(text: str) -> dict:
    return {
        "id": "fake-1",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(delta: dict, finish: str | None = None) -> dict:
    return {
        "id": "fake-1",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
