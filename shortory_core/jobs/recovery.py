"""What a process does when it starts: finish the story of work that died with its process.

A job is marked ``interrupted`` only when its owner process is gone (see
``shortory_core/owner.py``); jobs of a live process, this one or any other sharing the data
folder, are never touched. Then the files nobody will finish are removed: staging folders of
jobs that are no longer active, the media folder of a project whose creation was never
committed, ``.part`` files, comment files no import names, and uploads no job needs any
more.

All of it runs inside one write transaction (``JobTable.interrupt_orphans``). A project import
renames its staging folder into place inside its own write transaction, so while recovery holds
the lock no import is half-way between the two, and a folder without a project row really is
an orphan.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

from shortory_core.errors import StoreError
from shortory_core.jobs.context import staging_root
from shortory_core.jobs.kind import JobKind
from shortory_core.owner import Owner
from shortory_core.records import Job, JobStatus
from shortory_core.store import Store
from shortory_core.store.jobs import JobsLeft
from shortory_core.store.stored_comments import COMMENTS_FOLDER
from shortory_core.uploads import uploads_root

UPLOAD_GRACE_S = 3600.0  # an upload this young may belong to a job being submitted now
IDLE_SESSION_S = 600.0  # a viewing whose samples stopped this long ago is left, not paused
COMPACT_BUDGET_S = 5.0  # what compacting may add to a start; the next start goes on
log = logging.getLogger(__name__)


def recover(store: Store, kinds: Mapping[str, JobKind]) -> list[Job]:
    """Mark the jobs of dead processes interrupted and sweep what they left; returns them."""
    now = time.time()

    def sweep(left: JobsLeft) -> None:
        _sweep(store, left, now)

    dead = store.jobs.interrupt_orphans(interrupted_message, sweep)
    for job in dead:
        kind = kinds.get(job.kind)
        if kind is not None and kind.settle is not None:
            try:
                kind.settle(store, job, JobStatus.INTERRUPTED, interrupted_message(job))
            except Exception:  # recovery must not stop a start
                log.exception("settling interrupted job %s", job.id)
    if dead:
        log.info("marked %d job(s) interrupted: %s", len(dead), [j.id for j in dead])
    compact_left_sessions(store, now)
    return dead


def compact_left_sessions(store: Store, now: float) -> int:
    """Join the many small sample files of viewings left open (a live session's flushes, a
    remote viewer's batches: hundreds a session) into one each, so a panel's read opens a
    file per viewer. A viewing that goes on later adds parts beside the joined one. Returns
    the sessions compacted; one that fails is logged and left as it was."""
    started = time.monotonic()
    done = 0
    for session_id in store.idle_fragmented_sessions(now - IDLE_SESSION_S):
        if time.monotonic() - started > COMPACT_BUDGET_S:
            break
        try:
            store.compact_samples(session_id)
            done += 1
        except StoreError:  # a damaged part says so where it is read; recovery goes on
            log.warning("could not compact session %s", session_id, exc_info=True)
    return done


def interrupted_message(job: Job) -> str:
    return (f"Interrupted: the process running it (pid {job.owner.pid}) stopped before it "
            "finished. Nothing half-made was kept; retry it.")


def _sweep(store: Store, left: JobsLeft, now: float) -> None:
    active, projects = left.active(), left.projects()
    staging = staging_root(store)
    if staging.is_dir():
        for path in staging.iterdir():
            match = re.fullmatch(r"job-(\d+)", path.name)
            if match is None or int(match.group(1)) not in active:
                _remove(path)
    _remove(store.media_root / "incoming")  # where earlier versions staged downloads
    for path in store.media_root.glob("project-*"):
        match = re.fullmatch(r"project-(\d+)", path.name)
        if match and int(match.group(1)) not in projects:
            _remove(path)
    for part in store.media_root.rglob("*.part"):
        if not _written_by_live_process(part, now):
            _remove(part)
    named = left.comment_files()  # a kill between a comment file's rename and its commit
    for path in store.media_root.glob(f"project-*/{COMMENTS_FOLDER}/import-*.parquet"):
        if path.relative_to(store.media_root).as_posix() not in named:
            _remove(path)
    uploads, kept_uploads = uploads_root(store), left.kept_uploads()
    if uploads.is_dir():
        for path in uploads.iterdir():
            if str(path) not in kept_uploads and now - path.stat().st_mtime > UPLOAD_GRACE_S:
                _remove(path)


def _written_by_live_process(part: Path, now: float) -> bool:
    """Whether a ``.part`` file is still being written: its name carries its writer
    (``upload-PID-START-…``, see ``Owner.tag``). Any other ``.part`` is a dead render's."""
    match = re.fullmatch(r"upload-(\d+-\d+)-.*\.part", part.name)
    owner = Owner.from_tag(match.group(1)) if match else None
    return owner is not None and owner.is_alive(part.stat().st_mtime, now)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink(missing_ok=True)
