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


def describe(exc: BaseException) -> str:
    """One line a user can act on: our own errors say what to do; anything else is a bug,
    named as such, with where its details are (the log file has the traceback)."""
    from shortory_core.jobs.logfile import log_path

    if isinstance(exc, ShortoryError):
        text = str(exc)
    else:
        text = (f"Unexpected {type(exc).__name__}: {exc}. This is a bug in Shortory; "
                f"the details are in {log_path()}.")
    return " ".join(text.split())[:500] or type(exc).__name__
