"""Why the remote panel says no, in plain language, with the HTTP status a route answers.

A viewer's browser is an untrusted client: every refusal says what was wrong (so a bug in the
browser's code is found from its console) and never stores part of what was sent.
"""

from __future__ import annotations

from shortory_core.errors import ShortoryError


class RemoteRefused(ShortoryError):
    """An invite link or a viewer's request that cannot be honoured; ``reason`` is for the
    viewer (or the analyst) to read, ``status`` is what an HTTP route answers with."""

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class BatchRefused(RemoteRefused):
    """A sample batch refused whole: 400 malformed, 401 unknown session, 403 link no longer
    valid, 409 finished session or a resend that differs, 413 too large, 429 too fast."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason, status)
