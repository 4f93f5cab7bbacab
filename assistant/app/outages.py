"""Database errors as StorageError: one Chinese line for whoever sees it, the detail in the log once per outage."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from sqlalchemy.exc import SQLAlchemyError

from assistant.core.errors import StorageError


class Outages:
    """Thread-safe. `guard(action)` turns a database error in its block into StorageError naming `what` and the
    action; the first failure of an outage is logged (to `log`, prefixed `name`) with its detail, the rest only
    at debug level, until a write succeeds again."""

    def __init__(self, log: logging.Logger, name: str, what: str):
        self.log, self.name, self.what = log, name, what
        self._failing = threading.Event()

    @contextlib.contextmanager
    def guard(self, action: str, write: bool = False) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            if not self._failing.is_set():
                self._failing.set()
                self.log.warning("%s: %s failed: %s", self.name, action, exc)
            else:
                self.log.debug("%s: %s failed: %s", self.name, action, exc)
            raise StorageError(f"{self.what}暂不可用（{action}失败），详情见服务日志。") from exc
        if write and self._failing.is_set():
            self._failing.clear()
            self.log.warning("%s: writable again", self.name)
