"""Waiting on a state, never on the clock.

A test that sleeps a fixed time and then asserts passes on an idle machine and fails on a busy
one. Tests wait here instead: the condition is polled until it holds, with a deadline far
beyond any normal run, and a failure names what never happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], what: str, timeout: float = 120.0,
               every: float = 0.05) -> T:
    """Poll ``condition`` every ``every`` seconds until it returns something truthy, and
    return that; after ``timeout`` seconds fail, saying ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}, in vain")
        time.sleep(every)
    return value
