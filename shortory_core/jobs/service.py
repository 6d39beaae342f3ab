"""The job service: every piece of background work runs here, and none dies silently.

Work is grouped in *lanes*, one worker thread each, so that two CPU-heavy jobs never fight for
the two cores while a download or an import is not held up behind a render:

- ``render``: clips and shorts (ffmpeg already uses every core);
- ``analysis``: recorded reactions, the demo build, model evaluation (onnxruntime and PyAV
  release the GIL, and the analysis splits a recording over both cores in threads);
- ``io``: downloads and imports (mostly waiting on the network and the disk).

Threads, not processes, because the heavy parts already run outside the GIL and a thread
shares the loaded models; a crash of the whole process is covered by recovery instead.

A worker catches *every* exception a job raises: the job ends ``failed`` with a one-line
reason (the traceback goes to the log) and the next job runs. One watcher thread per service
stamps the heartbeat of this process's jobs and passes cancel requests, which may come from
any process sharing the data folder, to the running job within ``WATCH_S``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from shortory_core.errors import ShortoryError, describe
from shortory_core.jobs.context import Cancelled, JobContext
from shortory_core.jobs.kind import JobKind
from shortory_core.jobs.recovery import recover
from shortory_core.logs import setup_logging
from shortory_core.owner import HEARTBEAT_S, Owner
from shortory_core.records import Job, JobStatus
from shortory_core.store import Store
from shortory_core.store.jobs import JobRequest

WATCH_S = 0.2
log = logging.getLogger(__name__)

class JobService:
    """Runs jobs of one data folder for this process; many processes may share the folder."""

    def __init__(self, store: Store, kinds: dict[str, JobKind], *, workers: bool = True) -> None:
        self.store = store
        self.kinds = kinds
        self.owner = Owner.current()
        setup_logging(store.root)
        recover(store, kinds)
        self._lanes: dict[str, queue.Queue[int]] = {}
        self._running: dict[int, JobContext] = {}
        self._lock = threading.Lock()
        self._workers = workers
        self._stop = threading.Event()
        threading.Thread(target=self._watch, name="jobs-watcher", daemon=True).start()

    # -- asking for work

    def submit(self, kind: str, params: dict[str, Any] | None = None, *,
               project_id: int | None = None, subject_id: int | None = None,
               claim: str | None = None) -> int:
        """Queue a job; it runs on this process's worker for its lane. Returns its id.

        A job of a kind that is ``one_per_subject`` claims its subject, and any job may claim a
        name: while an active job (of this process or another) holds the claim, that job's id
        is returned instead and nothing new is queued. Wait on it like any other."""
        if kind not in self.kinds:
            raise ValueError(f"unknown job kind {kind!r}")
        if claim is None and self.kinds[kind].one_per_subject and subject_id is not None:
            claim = f"{kind}:{subject_id}"
        job_id, added = self.store.jobs.add(kind, params or {}, self.owner,
                                            project_id=project_id, subject_id=subject_id,
                                            claim=claim)
        if added and self._workers:
            self._lane(self.kinds[kind].lane).put(job_id)
        return job_id

    def request(self, kind: str, params: dict[str, Any], *,
                project_id: int | None = None) -> JobRequest:
        """A job of this process to add together with its subject, in the store's transaction
        that makes the subject (``Store.add_recording``); then ``enqueue`` it."""
        if kind not in self.kinds:
            raise ValueError(f"unknown job kind {kind!r}")
        return JobRequest(kind, params, self.owner, project_id,
                          claim_subject=self.kinds[kind].one_per_subject)

    def enqueue(self, job_id: int) -> None:
        """Hand a job added through ``request`` to this process's worker for its lane."""
        job = self.store.jobs.get(job_id)
        if job is not None and self._workers and job.owner == self.owner:
            self._lane(self.kinds[job.kind].lane).put(job_id)

    def cancel(self, job_id: int) -> JobStatus | None:
        """Cancel a job of any process: queued ones at once, running ones within a second."""
        before = self.store.jobs.get(job_id)
        status = self.store.jobs.request_cancel(job_id)
        with self._lock:
            context = self._running.get(job_id)
        if context is not None:
            context.cancel()
        if (before is not None and before.status == JobStatus.QUEUED
                and status == JobStatus.CANCELLED):  # it never ran: its subject is settled here
            self._settle(before, JobStatus.CANCELLED, "")
        return status

    def retry(self, job_id: int) -> bool:
        """Run an ended (failed, cancelled or interrupted) job again, in this process."""
        job = self.store.jobs.get(job_id)
        if job is None or job.kind not in self.kinds:
            return False
        if not self.store.jobs.requeue(job_id, self.owner):
            return False
        if self._workers:
            self._lane(self.kinds[job.kind].lane).put(job_id)
        return True

    def wait(self, job_id: int, timeout: float = 600.0) -> Job:
        """Block until the job has ended (for the CLI and tests)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.store.jobs.get(job_id)
            if job is None or not job.active or time.monotonic() > deadline:
                if job is None:
                    raise ShortoryError(f"No job {job_id}.")
                return job
            time.sleep(0.05)

    def run(self, job_id: int,
            on_progress: Callable[[float, str | None], None] | None = None) -> Job:
        """Run a queued job in the calling thread (the CLI's foreground), as a worker would;
        a job another process holds (``submit`` answered with its claim) is waited on."""
        job = self.store.jobs.get(job_id)
        if job is not None and job.owner != self.owner:
            return self.wait(job_id)
        self._execute(job_id, on_progress)
        job = self.store.jobs.get(job_id)
        assert job is not None
        return job

    def close(self) -> None:
        self._stop.set()

    # -- workers

    def _lane(self, name: str) -> queue.Queue[int]:
        with self._lock:
            lane = self._lanes.get(name)
            if lane is None:
                lane = self._lanes[name] = queue.Queue()
                threading.Thread(target=self._work, args=(lane,), name=f"jobs-{name}",
                                 daemon=True).start()
            return lane

    def _work(self, lane: queue.Queue[int]) -> None:
        while True:
            job_id = lane.get()
            try:
                self._execute(job_id)
            except BaseException:  # the worker must outlive anything
                log.exception("job %s: the worker itself failed", job_id)

    def _execute(self, job_id: int,
                 on_progress: Callable[[float, str | None], None] | None = None) -> None:
        if not self.store.jobs.claim(job_id):
            return  # cancelled while queued
        job = self.store.jobs.get(job_id)
        assert job is not None
        kind = self.kinds[job.kind]
        context = JobContext(self.store, job, on_progress)
        with self._lock:
            self._running[job_id] = context
        status, error, result = JobStatus.DONE, "", {}
        interrupted: KeyboardInterrupt | None = None
        try:
            result = kind.run(context) or {}
            context.check()
        except KeyboardInterrupt as exc:  # Ctrl-C on a foreground (CLI) job: it was cancelled
            status, interrupted = JobStatus.CANCELLED, exc
        except BaseException as exc:  # every failure becomes the job's
            # Asked to stop, a job may end in whatever its interrupted step raises.
            if isinstance(exc, Cancelled) or context.cancelled.is_set():
                status = JobStatus.CANCELLED
            else:
                status, error = JobStatus.FAILED, describe(exc)
                log.error("job %s (%s) failed", job_id, job.kind, exc_info=exc)
        finally:
            with self._lock:
                self._running.pop(job_id, None)
            context.clear_staging()
        if status != JobStatus.DONE:
            self._settle(job, status, error)
        summary = str(result.pop("summary", "")) if status == JobStatus.DONE else ""
        message = {JobStatus.DONE: summary or "Done.", JobStatus.CANCELLED: "Cancelled.",
                   JobStatus.FAILED: error}[status]
        self.store.jobs.finish(job_id, status, message=message, error=error, result=result)
        if interrupted is not None:
            raise interrupted

    def _settle(self, job: Job, status: JobStatus, error: str) -> None:
        settle = self.kinds[job.kind].settle if job.kind in self.kinds else None
        if settle is None:
            return
        try:
            settle(self.store, job, status, error)
        except Exception:
            log.exception("job %s: settling its subject failed", job.id)

    # -- heartbeat and cancel requests

    def _watch(self) -> None:
        last_beat = 0.0
        while not self._stop.wait(WATCH_S):
            try:
                with self._lock:
                    running = dict(self._running)
                for job_id in self.store.jobs.cancel_requested(list(running)):
                    running[job_id].cancel()
                if time.monotonic() - last_beat >= HEARTBEAT_S:
                    self.store.jobs.beat(self.owner)
                    last_beat = time.monotonic()
            except Exception:  # a locked or full database: try again
                log.exception("job watcher")
