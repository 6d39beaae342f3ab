"""Errors a user can act on.

Every failure that reaches the UI or the CLI is a ``ShortoryError`` whose message says what went
wrong and what to do next; anything else is a bug.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shortory_core.logs import data_folder, log_path


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
_SQLITE_FULL, _SQLITE_IOERR, _SQLITE_CANTOPEN = 13, 10, 14
LOW_SPACE = 1 << 20  # bytes: below this, a write error on the data folder is a full disk


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
    read-only or inaccessible folder, a file or folder where the other is needed, a damaged
    database; ``None`` for anything else.

    SQLite reports a full disk under WAL as a plain "disk I/O error" (the shared-memory file
    cannot grow), so an I/O error is read together with the free space left on the disk."""
    text = str(exc).lower()
    number = getattr(exc, "errno", None)
    code = getattr(exc, "sqlite_errorcode", 0) & 0xff if isinstance(exc, sqlite3.Error) else 0
    io_error = code == _SQLITE_IOERR or "disk i/o error" in text or number == errno.EIO
    if number in _FULL or "disk is full" in text or code == _SQLITE_FULL or (
            io_error and _low_space(folder)):
        return StoreError(f"The disk holding the data folder {folder} is full. Free some space "
                          f"(old clips and uploads are in {folder / 'media'}) and try again.")
    misplaced = _misplaced(folder)
    if misplaced is not None and (isinstance(exc, FileExistsError | NotADirectoryError) or
                                  code == _SQLITE_CANTOPEN or "unable to open" in text):
        return StoreError(misplaced)
    if number in _READ_ONLY or "readonly" in text or "read-only" in text or (
            "unable to open database" in text) or isinstance(exc, NotADirectoryError):
        return StoreError(f"The data folder {folder} cannot be written (read-only or not "
                          "accessible). Make it writable, or point SHORTORY_HOME at another "
                          "folder.")
    if io_error:
        return StoreError(f"The disk holding the data folder {folder} reported an I/O error. "
                          "Check the disk (or point SHORTORY_HOME at another folder) and try "
                          "again.")
    if isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or
                                                   "not a database" in text):
        return StoreError(f"The database in {folder} is damaged or not a Shortory database. "
                          "Move it aside (or point SHORTORY_HOME elsewhere) to start afresh.")
    return None


def _low_space(folder: Path) -> bool:
    """Whether the disk under ``folder`` (or its nearest existing parent) is all but full."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    try:
        return existing is not None and shutil.disk_usage(existing).free < LOW_SPACE
    except OSError:
        return False


def _misplaced(folder: Path) -> str | None:
    """What stands where the data folder's parts should be: a file instead of the folder (or
    of one of its parents), a folder instead of the database; ``None`` when all is in place."""
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()),
                   None)
    if blocker is not None:
        return (f"The data folder {folder} cannot be made: {blocker} is a file, not a "
                "folder. Give --data-dir (or SHORTORY_HOME) a folder.")
    database = next((p for p in folder.glob("*.sqlite3") if p.is_dir()), None)
    if database is not None:
        return (f"{database} is a folder, where the data folder's database should be. Move "
                "it aside and try again.")
    return None


def user_error(exc: BaseException, folder: Path | None = None) -> ShortoryError | None:
    """``exc`` as an error the user can act on: our own errors as they are, a storage fault
    naming the data folder (``folder``, else the one this process logs for, else the failing
    file's folder); ``None`` for a bug."""
    if isinstance(exc, ShortoryError):
        return exc
    if isinstance(exc, OSError | sqlite3.Error):
        return storage_error(exc, folder or _data_folder(exc))
    return None


def describe(exc: BaseException, folder: Path | None = None) -> str:
    """One line a user can act on (``user_error``); anything else is a bug, named as such,
    with where its details are (the log file has the traceback)."""
    known = user_error(exc, folder)
    if known is not None:
        text = str(known)
    else:
        text = (f"Unexpected {type(exc).__name__}: {exc}. This is a bug in Shortory; "
                f"the details are in {log_path() or 'logs/shortory.log in the data folder'}.")
    return " ".join(text.split())[:500] or type(exc).__name__


def _data_folder(exc: BaseException) -> Path:
    logged = data_folder()
    if logged is not None:
        return logged
    filename = getattr(exc, "filename", None)
    return Path(filename).parent if filename else Path.cwd()
