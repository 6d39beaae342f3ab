"""The analyst's gate: whether the analyst's pages open, ask for the password or stay closed,
and the checking of sign-in attempts (slow hash, constant-time compare, rate limits).

Rules, in order:

- a password is set: the pages ask for it, wherever the app runs (an analyst who sets one
  expects it to be asked for, also on 127.0.0.1);
- no password, and the app is reachable from other machines (``exposure``): the pages stay
  closed and say how to set one, never silently open to the network;
- no password, local only: the pages open, as they always have.

An invite link plays no part here: it opens only the viewer's page, never these.
"""

from __future__ import annotations

import hmac
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from shortory_core.access.exposure import Exposure
from shortory_core.access.password import PASSWORD_ENV, PASSWORD_SECRET, PasswordHash
from shortory_core.access.throttle import Throttle

HOW_TO_SET = (f"Set one where the app is started (`{PASSWORD_ENV}=… bash scripts/start.sh`), "
              f'or put `{PASSWORD_SECRET} = "…"` in `.streamlit/secrets.toml` (read without a '
              "restart), then reload this page.")
PER_CLIENT_FREE = 5  # wrong passwords one address may try before it has to wait
OVERALL_FREE = 20  # wrong passwords from all addresses together before everyone waits


class Verdict(Enum):
    """What the analyst's pages do for this session: open, ask for the password, or stay
    closed (reachable with no password set)."""

    OPEN = "open"
    ASK = "ask"
    REFUSED = "refused"


def verdict(password: str | None, where: Exposure) -> Verdict:
    if password:
        return Verdict.ASK
    return Verdict.REFUSED if where.reachable else Verdict.OPEN


@dataclass(frozen=True)
class Attempt:
    """The answer to one sign-in: ``signature`` to remember when it succeeded, else a
    message that says why not and how long to wait."""

    signature: bytes | None
    message: str = ""


class AnalystGate:
    """The process-wide side of the gate: the password's hash (computed once per password) and
    the rate limits, shared by every browser session so a new tab does not start afresh."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._key = os.urandom(32)
        self._hash: tuple[bytes, PasswordHash] | None = None
        self.per_client = Throttle(free=PER_CLIENT_FREE, clock=clock)
        self.overall = Throttle(free=OVERALL_FREE, clock=clock)

    def signature(self, password: str) -> bytes:
        """A cheap identity of the configured password under a random in-memory key: a session
        keeps it from its sign-in, and a changed password signs every session out."""
        return hmac.new(self._key, password.encode("utf-8"), "sha256").digest()

    def signed_in(self, password: str, remembered: bytes | None) -> bool:
        return remembered is not None and hmac.compare_digest(remembered,
                                                              self.signature(password))

    def attempt(self, password: str, typed: str, client: str) -> Attempt:
        """Check ``typed`` against ``password`` for ``client`` (its address: uvicorn takes it
        from ``X-Forwarded-For`` when a proxy on this machine connects) unless a limit holds it
        back."""
        held = self._held_back(client)
        if held:
            return Attempt(None, held)
        if self._hashed(password).matches(typed):
            self.per_client.succeeded(client)
            return Attempt(self.signature(password))
        self.per_client.failed(client)
        self.overall.failed("all")
        return Attempt(None, " ".join(filter(None, ["Wrong password.", self._held_back(client)])))

    def _held_back(self, client: str) -> str:
        mine, everyone = self.per_client.wait_left(client), self.overall.wait_left("all")
        if mine > 0:
            return (f"Too many wrong passwords from your address: try again in "
                    f"{_seconds(max(mine, everyone))}.")
        if everyone > 0:
            return (f"Too many wrong passwords were tried on this app: try again in "
                    f"{_seconds(everyone)}.")
        return ""

    def _hashed(self, password: str) -> PasswordHash:
        signature = self.signature(password)
        if self._hash is None or not hmac.compare_digest(self._hash[0], signature):
            self._hash = (signature, PasswordHash.of(password))
        return self._hash[1]


def _seconds(wait: float) -> str:
    whole = math.ceil(wait)
    return f"{whole} s" if whole < 120 else f"{math.ceil(whole / 60)} min"
