"""Admin login throttling (no gradio import): failed logins are counted per client, and a client that fails
`max_failures` times in a row is locked out for `lockout_s` seconds, every attempt refused, right password or
not, so guessing costs hours instead of seconds."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from assistant.core.settings import Settings
from ui.views.render import md_text
from ui.views.uploads import check_credentials

log = logging.getLogger(__name__)
FAILED_LOGIN_DELAY_S = 0.5


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


def log_in(settings: Settings, guard: LoginGuard, client: str, user: str, password: str) -> tuple[bool, str]:
    """(logged in, status line) for an admin login attempt from `client`; a failure costs FAILED_LOGIN_DELAY_S."""
    wait = guard.locked_for(client)
    if wait:
        return False, f"登录失败次数过多，请 {math.ceil(wait)} 秒后再试。"
    if check_credentials(settings, user, password):
        guard.succeeded(client)
        log.info("admin login")
        return True, f"已以管理员 {md_text(user)} 登录。"
    guard.failed(client)
    log.warning("failed admin login from %s", client)
    time.sleep(FAILED_LOGIN_DELAY_S)
    return False, "用户名或密码错误。"
