"""Tracebacks go to a log file in the data folder, never to the user.

A job or command that fails shows one line; the line names this file, where the whole story is.
This module sits below everything else (configuration and errors included), so any layer can
log without importing upwards: callers say which data folder they log for.

A log that cannot be written (a full disk, a read-only folder) must not turn one clear line
into tracebacks on the terminal: such records go to a log in the temp folder instead, and are
dropped silently when that cannot be written either.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import tempfile
from pathlib import Path

LOG_NAME = "shortory.log"
_configured: dict[str, Path] = {}
_folders: list[Path] = []  # data folders set up in this process, the latest last


def log_path() -> Path | None:
    """The log file in use (the last data folder set up in this process), if any."""
    return next(reversed(_configured.values())) if _configured else None


def data_folder() -> Path | None:
    """The data folder this process last logged for (whether or not its log is writable)."""
    return _folders[-1] if _folders else None


def fallback_root() -> Path:
    """Where the log goes when the data folder cannot hold it."""
    return Path(tempfile.gettempdir()) / f"shortory-{os.getuid()}"


class _SafeHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose write errors go to the fallback log, never to stderr."""

    def handleError(self, record: logging.LogRecord) -> None:
        try:
            stream, self.stream = self.stream, None  # a failed stream is not reused
            if stream is not None:
                with contextlib.suppress(OSError):  # its unwritten bytes are lost with it
                    stream.close()
            fallback = fallback_root() / "logs" / LOG_NAME
            if Path(self.baseFilename) != fallback:
                fallback.parent.mkdir(parents=True, exist_ok=True)
                with fallback.open("a", encoding="utf-8") as file:
                    file.write(self.format(record) + "\n")
        except OSError:
            pass  # nowhere to write: the user's one line says what went wrong


def setup_logging(root: Path) -> Path:
    """Send the package's log records to ``ROOT/logs/shortory.log`` (once per folder)."""
    root = Path(root)
    if root != fallback_root():
        _folders[:] = [f for f in _folders if f != root] + [root]
    path = root / "logs" / LOG_NAME
    key = str(path)
    if key not in _configured:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = _SafeHandler(path, maxBytes=5_000_000, backupCount=2, encoding="utf-8",
                                   delay=True)
        except OSError:  # a read-only data folder: the store reports that, not the log
            return path
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s"))
        package = logging.getLogger("shortory_core")
        package.addHandler(handler)
        package.setLevel(logging.INFO)
        _configured[key] = path
    else:
        _configured[key] = _configured.pop(key)  # the latest folder comes last
    return path


def log_failure(what: str, exc: BaseException, root: Path) -> Path:
    """Write ``exc`` with its traceback to the log of the data folder ``root``; returns the
    file. A data folder that cannot be written logs to the temp folder instead, so the details
    are never lost nor shown to the user."""
    path = setup_logging(Path(root))
    if str(path) not in _configured:
        path = setup_logging(fallback_root())
    logging.getLogger("shortory_core").error("%s failed", what, exc_info=exc)
    return path
