"""Reading and parsing in a child process, one file at a time, with a time limit per file.

A file that makes the parser hang, exhaust memory, crash the interpreter or raise anything at all fails alone,
with a reason in Chinese; the calling process (an ingest, the web app) never blocks on it and never holds the
GIL for it, so chat goes on while a re-index parses.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from assistant.core.errors import IngestError

log = logging.getLogger(__name__)
T = TypeVar("T")
ORPHAN_CHECK_S = 1.0
START_TIMEOUT_S = 120.0  # a fresh interpreter importing the parser; not counted against a file's time limit
_READY = "ready"


class _Reply(NamedTuple):
    ok: bool
    value: Any  # the result, or the file's reason
    detail: str  # a traceback for the log, or ""
    logs: list[tuple[str, int, str]]  # (logger, level, message) emitted in the child while it ran the job


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _orphaned_exit(parent: int) -> None:
    """Ends the child when its parent dies (it is then re-parented), even in the middle of a parse."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(1)


def _serve(conn: Connection) -> None:
    """The child's loop: (function, args) in, a _Reply out. Its log records go back with the reply."""
    threading.Thread(target=_orphaned_exit, args=(os.getppid(),), daemon=True).start()
    collector = _Collector()
    logging.basicConfig(level=logging.INFO, handlers=[collector])
    conn.send(_READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if job is None:
            return
        func, args = job
        collector.records = []
        try:
            reply = _Reply(True, func(*args), "", collector.records)
        except IngestError as exc:
            reply = _Reply(False, exc.reason, "", collector.records)
        except Exception as exc:  # noqa: BLE001 - any failure of one file is that file's reason
            reply = _Reply(
                False, f"文件无法解析（{type(exc).__name__}）", traceback.format_exc(limit=8), collector.records
            )
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
            conn.send(_Reply(False, f"文件无法解析（{type(exc).__name__}）", repr(exc), collector.records))


class ParseWorker:
    """One child interpreter (`python -m ingest.isolated`, never a fork of a process that runs threads, and no
    re-import of the caller's main module) that runs jobs in turn; use as a context manager. A job over
    `time_limit_s` or one that kills the child raises IngestError for its file; the child is replaced for the
    next job."""

    def __init__(self, time_limit_s: float):
        self.time_limit_s = time_limit_s
        self._proc: subprocess.Popen | None = None
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
            code = self._proc.wait(5) if self._proc is not None else None
            self._kill()
            log.warning("%s: the parser process died (exit code %s)", path, code)
            raise IngestError(path, f"解析进程意外退出（退出码 {code}），文件可能过大或已损坏") from exc
        for name, level, message in reply.logs:
            logging.getLogger(name).log(level, "%s", message)
        if reply.ok:
            return reply.value
        if reply.detail:  # the file's reason is reported by the caller; the traceback is for `-v`
            log.info("%s: %s\n%s", path, reply.value, reply.detail)
        raise IngestError(path, reply.value)

    def close(self) -> None:
        conn, proc, self._conn, self._proc = self._conn, self._proc, None, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()
        if proc is not None:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def _connection(self, path: Path | str) -> Connection:
        if self._conn is not None and self._proc is not None and self._proc.poll() is None:
            return self._conn
        self._kill()
        mine, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # the caller's imports
        with mine, theirs:
            proc = subprocess.Popen(
                [sys.executable, "-m", __name__, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                env=env,
                stdin=subprocess.DEVNULL,
            )
            conn = Connection(mine.detach())
        try:
            ready = conn.poll(START_TIMEOUT_S) and conn.recv() == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            conn.close()
            proc.kill()
            proc.wait()
            raise IngestError(path, "无法启动解析进程")
        self._proc, self._conn = proc, conn
        return conn

    def _kill(self) -> None:
        conn, proc, self._conn, self._proc = self._conn, self._proc, None, None
        if conn is not None:
            conn.close()
        if proc is not None:
            proc.kill()
            proc.wait()


if __name__ == "__main__":  # the child: run the loop of the importable module, so its replies unpickle as such
    from ingest.isolated import _serve as serve

    serve(Connection(int(sys.argv[1])))
