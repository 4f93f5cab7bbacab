"""Who may call the HTTP API, and how often: bearer keys (PA_API_KEYS), loopback only without keys,
and a sliding one-minute window of requests per key (PA_API_RATE)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ui.views.api_schema import ApiError

WINDOW_S = 60.0


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def key_label(key: str) -> str:
    """How a key appears in logs and the answer log: never the key itself."""
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:8]


class RateLimiter:
    """At most `per_minute` requests per caller in any 60 seconds (0: unlimited). Thread-safe."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, caller: str) -> int | None:
        """Record a request of `caller`; None when it is allowed, else whole seconds to wait."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        with self._lock:
            seen = self._seen.setdefault(caller, deque())
            while seen and seen[0] <= now - WINDOW_S:
                seen.popleft()
            if len(seen) < self.per_minute:
                seen.append(now)
                return None
            return max(1, math.ceil(seen[0] + WINDOW_S - now))


@dataclass(frozen=True)
class Caller:
    """An admitted request: `label` names its key (or its address when no keys are set)."""

    label: str


class Access:
    """The checks every API request passes, in this order: key (401) or loopback (403), then rate (429)."""

    def __init__(self, keys: tuple[str, ...], per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.keys = keys
        self.limiter = RateLimiter(per_minute, clock)

    @property
    def open_to_loopback_only(self) -> bool:
        return not self.keys

    def admit(self, authorization: str | None, client_host: str | None) -> Caller:
        caller = self._identify(authorization, client_host)
        wait = self.limiter.retry_after(caller.label)
        if wait is not None:
            raise ApiError(
                429,
                "rate_limited",
                f"请求过于频繁：每个密钥每分钟最多 {self.limiter.per_minute} 次，请 {wait} 秒后再试。",
                headers={"Retry-After": str(wait)},
            )
        return caller

    def _identify(self, authorization: str | None, client_host: str | None) -> Caller:
        if not self.keys:
            if not is_loopback(client_host):
                raise ApiError(
                    403,
                    "loopback_only",
                    "未配置 API 密钥（PA_API_KEYS）时，接口只接受本机访问。",
                )
            return Caller(f"addr-{client_host}")
        scheme, _, given = (authorization or "").partition(" ")
        given = given.strip()
        if scheme.lower() == "bearer" and given:
            for key in self.keys:
                if hmac.compare_digest(given.encode(), key.encode()):
                    return Caller(key_label(key))
        raise ApiError(
            401,
            "invalid_api_key",
            "API 密钥缺失或无效：请在请求头中提供 Authorization: Bearer <密钥>。",
            headers={"WWW-Authenticate": "Bearer"},
        )
