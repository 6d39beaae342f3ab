"""Every kind of background job the app runs, one module per feature, handed to the generic job
service (``jobs/``) here, so that the service knows no feature and adding a kind edits only this
folder.

Parameters are plain JSON so that a failed or interrupted job can be run again as it was asked
(``retry``). A job's subject (a clip, a reaction session) is settled by its kind's ``settle``
when the job ends without finishing, so no clip stays "rendering" and no session "analysing".
"""

from __future__ import annotations

import logging

from shortory_core.demo import Progress
from shortory_core.errors import ShortoryError, StoreError
from shortory_core.jobs import JobKind, JobService
from shortory_core.jobs.recovery import recover
from shortory_core.kinds import aggregates, analysis, demo, imports, rendering, speech
from shortory_core.records import JobStatus
from shortory_core.store import Store

log = logging.getLogger(__name__)
KINDS: dict[str, JobKind] = {kind.name: kind for module in (
    rendering, analysis, demo, imports, aggregates, speech) for kind in module.KINDS}


def job_service(store: Store, *, workers: bool = True) -> JobService:
    """A service that knows every kind of job the app has (``workers=False``: jobs run only
    when ``run`` is called, in the caller's thread, as the CLI does)."""
    return JobService(store, KINDS, workers=workers)


def settle_dead_work(store: Store) -> None:
    """Settle the jobs of processes that died (and what they left in staging) before a
    command or page shows jobs, sessions or projects; a read when there are none."""
    try:
        if store.jobs.orphans():
            recover(store, KINDS)
    except StoreError:  # a read-only or full data folder: what is there can still be shown
        log.warning("could not settle dead processes' jobs", exc_info=True)


def ensure_demo_project(store: Store, progress: Progress | None = None) -> int:
    """The demo project's id, building it first (as a foreground ``demo`` job) if this data
    folder has none."""
    existing = store.demo_project_id()
    if existing is not None:
        return existing
    service = job_service(store, workers=False)
    try:
        job = service.run(service.submit("demo"), progress)
    finally:
        service.close()
    if job.status != JobStatus.DONE:
        raise ShortoryError(f"The demo project could not be built: {job.message}")
    return int(job.result["project_id"])
