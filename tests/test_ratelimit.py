"""The failed-login limit that the web app's password check uses."""

from __future__ import annotations

from assistant.ratelimit import LoginThrottle, throttled_auth


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_name_is_locked_after_repeated_failures_and_freed_after_the_window() -> None:
    clock = Clock()
    auth = throttled_auth([("admin", "正确密码")], LoginThrottle(per_user=5, window=60, clock=clock))
    assert auth("admin", "正确密码")
    assert not any(auth("admin", f"guess{i}") for i in range(5))
    assert not auth("admin", "正确密码")  # locked: even the right password is refused
    clock.now += 61
    assert auth("admin", "正确密码")


def test_a_success_clears_the_count_and_other_names_are_counted_apart() -> None:
    clock = Clock()
    auth = throttled_auth([("admin", "pw")], LoginThrottle(per_user=3, overall=100, clock=clock))
    assert not auth("admin", "x") and not auth("admin", "y")
    assert auth("admin", "pw")
    assert not auth("admin", "x") and not auth("admin", "y") and auth("admin", "pw")
    assert not any(auth("guest", "x") for _ in range(3))
    assert auth("admin", "pw")


def test_many_names_lock_everyone() -> None:
    clock = Clock()
    auth = throttled_auth([("admin", "pw")], LoginThrottle(per_user=5, overall=10, clock=clock))
    for i in range(10):
        auth(f"user{i}", "x")
    assert not auth("admin", "pw")
    clock.now += 301  # the default window is five minutes
    assert auth("admin", "pw")


def test_200_wrong_passwords_cost_five_comparisons() -> None:
    compared = []
    throttle = LoginThrottle(per_user=5, clock=Clock())
    real = throttle.record
    throttle.record = lambda user, ok: (compared.append(ok), real(user, ok))  # type: ignore[method-assign]
    auth = throttled_auth([("admin", "pw")], throttle)
    assert not any(auth("admin", f"guess{i}") for i in range(200))
    assert len(compared) == 5
