"""A lightweight client of a Gradio app's events, speaking what the page's own JavaScript client speaks.

An event the app runs without its queue is one request: the page posts its inputs and session hash to `POST
/gradio_api/run/<api name>` and gets the outputs in the reply. For a queued event the browser joins the queue
(`POST /gradio_api/queue/join` with its session hash, the event's `fn_index` and the `trigger_id` of the component
that fired it) and reads the session's messages from an event stream (`GET /gradio_api/queue/data?session_hash=…`)
until the server closes it; the server keeps the session's `gr.State` under that hash. Unlike `gradio_client`,
nothing here polls, starts threads or copies outputs, so a load generator that plays many users costs the machine
little besides the server's own work.
"""

from __future__ import annotations

import http.client
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PREFIX = "/gradio_api"


class QueueError(RuntimeError):
    """The server refused the event or ended it with an error."""


@dataclass(frozen=True)
class Endpoint:
    """A named event of the app: what the page sends to run it."""

    fn_index: int
    trigger_id: int | None
    api_name: str
    queued: bool


def endpoint(url: str, api_name: str, timeout_s: float) -> Endpoint:
    """The event named `api_name` in the app's config (the page reads the same config when it loads)."""
    with _Connection(url, timeout_s) as connection:
        status, body = connection.request("GET", "/config")
    if status != 200:
        raise QueueError(f"GET /config: HTTP {status}")
    config = json.loads(body)
    for dependency in config["dependencies"]:
        if dependency.get("api_name") == api_name:
            targets = dependency.get("targets") or [[None]]
            queued = dependency.get("queue")  # as the page decides: unset means the app's default
            queued = bool(config.get("enable_queue", True)) if queued is None else bool(queued)
            return Endpoint(dependency["id"], targets[0][0], api_name, queued)
    raise QueueError(f"no event named {api_name!r} in the app")


class Session:
    """One browser session: its own hash (so its own server-side state) and two kept-alive connections, one
    for joining the queue and one for the event stream, as a browser keeps them."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self.hash = uuid.uuid4().hex[:11]
        self._join = _Connection(url, timeout_s)
        self._stream = _Connection(url, timeout_s)

    def call(self, target: Endpoint, data: list[Any]) -> list[Any]:
        """Run the event with `data` and return its final outputs (streamed updates are read and parsed, as the
        page reads them, and the completed message carries the full outputs)."""
        body = {
            "data": data,
            "event_data": None,
            "fn_index": target.fn_index,
            "trigger_id": target.trigger_id,
            "session_hash": self.hash,
        }
        if not target.queued:
            status, reply = self._join.request("POST", f"{PREFIX}/run/{target.api_name}", json.dumps(body).encode())
            if status != 200:
                raise QueueError(f"run/{target.api_name}: HTTP {status} {reply[:200]!r}")
            return json.loads(reply)["data"]
        status, reply = self._join.request("POST", f"{PREFIX}/queue/join", json.dumps(body).encode("utf-8"))
        if status != 200:
            raise QueueError(f"queue/join: HTTP {status} {reply[:200]!r}")
        return self._read_events(json.loads(reply)["event_id"])

    def _read_events(self, event_id: str) -> list[Any]:
        response = self._stream.open("GET", f"{PREFIX}/queue/data?session_hash={self.hash}")
        if response.status != 200:
            raise QueueError(f"queue/data: HTTP {response.status}")
        outputs: list[Any] | None = None
        try:
            for line in iter(response.readline, b""):
                if not line.startswith(b"data:"):
                    continue
                message = json.loads(line[5:])
                if message["msg"] == "close_stream":
                    break
                if message["msg"] == "process_completed" and message.get("event_id") == event_id:
                    if not message.get("success"):
                        raise QueueError(f"event failed: {message.get('output')}")
                    outputs = message["output"]["data"]
                elif message["msg"] == "unexpected_error":
                    raise QueueError(f"unexpected error: {message.get('message')}")
        finally:
            response.read()  # the end of the chunked body, so the connection can be used again
        if outputs is None:
            raise QueueError("the event stream closed without the event's outputs")
        return outputs

    def close(self) -> None:
        self._join.close()
        self._stream.close()


class _Connection:
    """An HTTP/1.1 connection to the app, reopened when the server has closed it."""

    def __init__(self, url: str, timeout_s: float) -> None:
        parts = urlsplit(url)
        self._address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._timeout = timeout_s
        self._connection: http.client.HTTPConnection | None = None

    def open(self, method: str, path: str, body: bytes | None = None) -> http.client.HTTPResponse:
        try:
            return self._send(method, path, body)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.close()  # a kept-alive connection the server closed meanwhile: once more on a new one
            return self._send(method, path, body)

    def _send(self, method: str, path: str, body: bytes | None) -> http.client.HTTPResponse:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(*self._address, timeout=self._timeout)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self._connection.request(method, path, body, headers)
        return self._connection.getresponse()

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        response = self.open(method, path, body)
        return response.status, response.read()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
