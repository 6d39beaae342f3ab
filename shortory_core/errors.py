"""Errors a user can act on.

Every failure that reaches the UI or the CLI is a ``ShortoryError`` whose message says what went
wrong and what to do next; anything else is a bug.
"""


class ShortoryError(Exception):
    """Base class: the message is meant for the user."""


class SourceError(ShortoryError):
    """A URL, video file or comment dump cannot be used."""


class NetworkUnavailable(SourceError):
    """The network path was asked for but the host cannot be reached."""


class StoreError(ShortoryError):
    """The database is unusable (for example written by a newer Shortory)."""
