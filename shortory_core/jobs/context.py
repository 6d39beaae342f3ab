"""What a running job sees: where to report progress, whether to stop, where to stage files.

Progress goes to the store (throttled), never to a user interface: a worker thread has no
Streamlit session, and a page or the CLI reads the store instead. Cancelling is cooperative:
the job calls ``check()`` between frames, chunks and rows (every ``progress`` call is one), and
hands ``cancelled`` to whatever runs a child process (``clips.render.run_ffmpeg`` kills ffmpeg
within a tenth of a second of it being set).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shortory_core.errors import ShortoryError
from shortory_core.records import Job
from shortory_core.store import Store

PROGRESS_EVERY_S = 0.5
STAGING = "staging"


class Cancelled(ShortoryError):
    """The user asked the job to stop; what it made so far is removed."""


def staging_root(store: Store) -> Path:
    """Where jobs build files before they become visible (inside the data folder, so the
    final move is a rename on one file system)."""
    return store.root / STAGING


class JobContext:
    def __init__(self, store: Store, job: Job,
                 on_progress: Callable[[float, str | None], None] | None = None) -> None:
        self.store = store
        self.job = job
        self.params: dict[str, Any] = job.params
        self.cancelled = threading.Event()
        self._on_progress = on_progress
        self._lock = threading.Lock()
        self._written_at = 0.0
        self._message: str | None = None

    @property
    def id(self) -> int:
        return self.job.id

    # -- progress and cancelling

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Report how far the job is (0–1) and, optionally, what it is doing; any thread may
        call it. Also a cancellation point."""
        self.check()
        fraction = min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        with self._lock:
            changed = message is not None and message != self._message
            if not changed and now - self._written_at < PROGRESS_EVERY_S:
                return
            self._written_at, self._message = now, message or self._message
        self.store.jobs.set_progress(self.id, fraction, message)
        if self._on_progress:
            self._on_progress(fraction, message)

    def check(self) -> None:
        """Raise ``Cancelled`` if the user asked this job to stop."""
        if self.cancelled.is_set():
            raise Cancelled("Cancelled.")

    def cancel(self) -> None:
        """Called by the service's watcher: the job stops at its next check."""
        self.cancelled.set()

    # -- files

    def staging(self) -> Path:
        """This job's private folder for files still being made; removed when the job ends
        (and by recovery if its process dies)."""
        path = staging_dir(self.store, self.id)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def clear_staging(self) -> None:
        shutil.rmtree(staging_dir(self.store, self.id), ignore_errors=True)


def staging_dir(store: Store, job_id: int) -> Path:
    return staging_root(store) / f"job-{job_id}"
