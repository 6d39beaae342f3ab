"""Errors a user can act on.

Every failure that reaches the UI or the CLI is a ``ShortoryError`` whose message says what went
wrong and what to do next; anything else is a bug.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shortory_core.logs import log_path


class ShortoryError(Exception):
    """Base class: the message is meant for the user."""


class SourceError(ShortoryError):
    """A URL, video file or comment dump cannot be used."""


class NetworkUnavailable(SourceError):
    """The network path was asked for but the host cannot be reached."""


class StoreError(ShortoryError):
    """The database is unusable (for example written by a newer Shortory)."""


_FULL = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


@contextmanager
def storage_faults(folder: Path) -> Iterator[None]:
    """Turn a storage fault inside the block into a ``StoreError`` that names ``folder``
    (see ``storage_error``); any other error goes on as it is."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        fault = storage_error(exc, folder)
        if fault is None:
            raise
        raise fault from exc


def storage_error(exc: BaseException, folder: Path) -> StoreError | None:
    """A storage fault said plainly, naming the folder and what to do: a full disk, a
    read-only or inaccessible folder, a damaged database; ``None`` for anything else."""
    text = str(exc).lower()
    number = getattr(exc, "errno", None)
    if number in _FULL or "disk is full" in text or (
            isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", 0) == 13):
        return StoreError(f"The disk holding the data folder {folder} is full. Free some space "
                          f"(old clips and uploads are in {folder / 'media'}) and try again.")
    if number in _READ_ONLY or "readonly" in text or "read-only" in text or (
            "unable to open database" in text) or isinstance(exc, NotADirectoryError):
        return StoreError(f"The data folder {folder} cannot be written (read-only or not "
                          "accessible). Make it writable, or point SHORTORY_HOME at another "
                          "folder.")
    if isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or
                                                   "not a database" in text):
        return StoreError(f"The database in {folder} is damaged or not a Shortory database. "
                          "Move it aside (or point SHORTORY_HOME elsewhere) to start afresh.")
    return None


def describe(exc: BaseException) -> str:
    """One line a user can act on: our own errors say what to do; anything else is a bug,
    named as such, with where its details are (the log file has the traceback)."""
    if isinstance(exc, OSError) and exc.errno in (*_FULL, *_READ_ONLY):
        exc = storage_error(exc, Path(exc.filename or ".").parent) or exc
    if isinstance(exc, ShortoryError):
        text = str(exc)
    else:
        text = (f"Unexpected {type(exc).__name__}: {exc}. This is a bug in Shortory; "
                f"the details are in {log_path() or 'logs/shortory.log in the data folder'}.")
    return " ".join(text.split())[:500] or type(exc).__name__
