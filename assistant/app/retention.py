"""Retention of the answer log: answers older than the retention period (with their feedback and
ratings) are purged when the app starts and then every few hours while it runs."""

from __future__ import annotations

import logging
import threading

from assistant.app.repository import Repository
from assistant.core.errors import StorageError

log = logging.getLogger(__name__)
PURGE_INTERVAL_S = 6 * 3600  # candidate setting: PA_PURGE_INTERVAL_HOURS


class Purger:
    """Purges at start() (in the caller's thread, so a broken database shows in the log at once), then every
    `interval_s` seconds in a daemon thread until stop(). A failed purge is logged and retried at the next
    interval: an unusable database never stops the app."""

    def __init__(self, repo: Repository, days: int, interval_s: float = PURGE_INTERVAL_S):
        if days < 0:
            raise ValueError("days must not be negative")
        self.repo = repo
        self.days = days
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def purge(self) -> int:
        count = self.repo.purge_older_than(self.days)
        if count:
            log.info("purged %d answer records older than %d days", count, self.days)
        return count

    def start(self) -> Purger:
        try:
            self.purge()
        except StorageError as exc:  # the database is logged as unusable; the next interval tries again
            log.warning("purging the answer log failed: %s", exc)
        self._thread = threading.Thread(target=self._run, name="answer-log-purge", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.purge()
            except Exception:  # noqa: BLE001 - the app keeps running; the next interval tries again
                log.exception("purging the answer log failed")
