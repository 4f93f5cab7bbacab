"""Reading and parsing in a child process, one file at a time, with a time limit per file.

A file that makes the parser hang, exhaust memory, crash the interpreter or raise anything at all fails alone,
with a reason in Chinese; the calling process (an ingest, the web app) never blocks on it and never holds the
GIL for it, so chat goes on while a re-index parses.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

from assistant.core.errors import IngestError

log = logging.getLogger(__name__)
T = TypeVar("T")
START_TIMEOUT_S = 120.0  # a fresh interpreter importing the parser; not counted against a file's time limit
_READY = "ready"


def _serve(conn: Connection) -> None:
    """The child's loop: (function, args) in, (True, result) or (False, reason, detail) out."""
    conn.send(_READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if job is None:
            return
        func, args = job
        try:
            reply: tuple = (True, func(*args))
        except IngestError as exc:
            reply = (False, exc.reason, "")
        except Exception as exc:  # noqa: BLE001 - any failure of one file is that file's reason
            reply = (False, f"文件无法解析（{type(exc).__name__}）", traceback.format_exc(limit=8))
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
            conn.send((False, f"文件无法解析（{type(exc).__name__}）", repr(exc)))


class ParseWorker:
    """One spawned child process that runs jobs in turn; use as a context manager. A job over `time_limit_s`
    or one that kills the child raises IngestError for its file; the child is replaced for the next job."""

    def __init__(self, time_limit_s: float):
        self.time_limit_s = time_limit_s
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, path: Path | str, func: Callable[..., T], *args: Any) -> T:
        """func(*args) in the child; IngestError naming `path` for anything but a result."""
        conn = self._connection(path)
        conn.send((func, args))
        if not conn.poll(self.time_limit_s):
            self._kill()
            log.warning("%s: parsing took longer than %g s; the file was skipped", path, self.time_limit_s)
            raise IngestError(path, f"解析超过 {self.time_limit_s:g} 秒的时限，已跳过（文件过大或结构异常）")
        try:
            reply = conn.recv()
        except (EOFError, OSError) as exc:
            code = self._proc.exitcode if self._proc is not None else None
            self._kill()
            log.warning("%s: the parser process died (exit code %s)", path, code)
            raise IngestError(path, f"解析进程意外退出（退出码 {code}），文件可能过大或已损坏") from exc
        if reply[0]:
            return reply[1]
        if reply[2]:
            log.warning("%s: %s\n%s", path, reply[1], reply[2])
        raise IngestError(path, reply[1])

    def close(self) -> None:
        conn, proc, self._conn, self._proc = self._conn, self._proc, None, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()
        if proc is not None:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()

    def _connection(self, path: Path | str) -> Connection:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            return self._conn
        self._kill()
        context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        parent, child = context.Pipe()
        proc = context.Process(target=_serve, args=(child,), name="policy-assistant-parse", daemon=True)
        proc.start()
        child.close()
        try:
            ready = parent.poll(START_TIMEOUT_S) and parent.recv() == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            proc.kill()
            proc.join()
            raise IngestError(path, "无法启动解析进程")
        self._proc, self._conn = proc, parent
        return parent

    def _kill(self) -> None:
        conn, proc, self._conn, self._proc = self._conn, self._proc, None, None
        if conn is not None:
            conn.close()
        if proc is not None:
            proc.kill()
            proc.join()
