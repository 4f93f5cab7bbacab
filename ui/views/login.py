"""Admin login throttling (no gradio import): failed logins are counted per client, and a client that fails
`max_failures` times in a row is locked out for `lockout_s` seconds, every attempt refused, right password or
not, so guessing costs hours instead of seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class LoginGuard:
    """Thread-safe; one per app (built with it, never a module global)."""

    def __init__(self, max_failures: int, lockout_s: float, clock: Callable[[], float] = time.monotonic):
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked_for(self, client: str) -> float:
        """Seconds of lockout left for `client` (0 when it may try)."""
        with self._lock:
            now = self._clock()
            self._locked_until = {c: t for c, t in self._locked_until.items() if t > now}  # forget expired ones
            return max(0.0, self._locked_until.get(client, now) - now)

    def failed(self, client: str) -> None:
        with self._lock:
            count = self._failures.get(client, 0) + 1
            if count >= self.max_failures:
                self._locked_until[client] = self._clock() + self.lockout_s
                count = 0
            self._failures[client] = count

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)
