"""A limit on wrong passwords: a few are free, then each one more doubles the wait before the
next attempt is even checked. Kept per key (a client's address, or one key for the whole
app), in memory, with a clock passed in so tests need not wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Failures:
    count: int
    last: float


class Throttle:
    """Counts failures per key. After ``free`` failures the key waits ``first_wait`` seconds,
    doubling with every further failure up to ``max_wait``; failures are forgotten
    ``forget_after`` seconds after the last one, or when the key succeeds. At most ``max_keys``
    keys are remembered (the stalest go first), so a flood of addresses cannot fill memory."""

    def __init__(self, *, free: int, first_wait: float = 5.0, max_wait: float = 900.0,
                 forget_after: float = 3600.0, max_keys: int = 4096,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.first_wait, self.max_wait = free, first_wait, max_wait
        self.forget_after, self.max_keys, self.clock = forget_after, max_keys, clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()  # Streamlit runs each browser session in its own thread

    def wait_left(self, key: str) -> float:
        """Seconds before ``key`` may try again (0 when it may now)."""
        with self._lock:
            failures = self._current(key)
            if failures is None or failures.count < self.free:
                return 0.0
            wait = min(self.first_wait * 2 ** (failures.count - self.free), self.max_wait)
            return max(0.0, failures.last + wait - self.clock())

    def failed(self, key: str) -> None:
        with self._lock:
            failures = self._current(key) or _Failures(0, 0.0)
            failures.count += 1
            failures.last = self.clock()
            self._failures.pop(key, None)  # re-inserted last: the dict stays stalest first
            self._failures[key] = failures
            if len(self._failures) > self.max_keys:
                del self._failures[next(iter(self._failures))]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _current(self, key: str) -> _Failures | None:
        failures = self._failures.get(key)
        if failures is not None and self.clock() - failures.last >= self.forget_after:
            del self._failures[key]
            return None
        return failures
