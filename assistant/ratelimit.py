"""A limit on failed logins, for the web app's password (`ASSISTANT_AUTH`).

gradio checks a password by calling `auth(username, password) -> bool`, without the client's address, so
failures are counted per user name and in total: after `per_user` failures within `window` seconds that name
is refused for `window` seconds, right password or not, and after `overall` failures (someone trying many
names) every name is. A success clears the name's count. The clock is injectable for tests.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable

OVERALL = ""  # the key that counts every failure


class LoginThrottle:
    """Failed logins in a sliding window; `allowed` says whether a name may try now."""

    def __init__(
        self, per_user: int = 5, overall: int = 30, window: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_user, self.overall, self.window, self.clock = per_user, overall, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def allowed(self, username: str) -> bool:
        with self._lock:
            now = self.clock()
            return len(self._recent(username, now)) < self.per_user and len(self._recent(OVERALL, now)) < self.overall

    def record(self, username: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._failures.pop(username, None)
                return
            now = self.clock()
            self._recent(username, now).append(now)
            self._recent(OVERALL, now).append(now)


def throttled_auth(users: list[tuple[str, str]], throttle: LoginThrottle | None = None) -> Callable[[str, str], bool]:
    """gradio's `auth` callable for the accounts (user, password): passwords compared in constant time, and
    failures limited per name and in total (`LoginThrottle`)."""
    limit = throttle or LoginThrottle()
    accounts = dict(users)

    def check(user: str, given: str) -> bool:
        if not limit.allowed(user):
            return False  # refused without comparing: a guess during the lockout tells nothing
        expected = accounts.get(user)
        ok = expected is not None and hmac.compare_digest(expected.encode(), (given or "").encode())
        limit.record(user, ok)
        return ok

    return check
