"""One job service for all background work: rendering, analysis, downloads, imports, the demo.

``JobService`` runs jobs on worker threads of this process and records everything in the
store's ``jobs`` table; pages and the CLI only submit jobs and read that table. See
``service.py`` for what runs where, ``recovery.py`` for what a start does after a crash.
"""

from shortory_core.jobs.context import Cancelled, JobContext
from shortory_core.jobs.service import JobKind, JobService
from shortory_core.jobs.table import Job
from shortory_core.store import Store


def job_service(store: Store, *, workers: bool = True) -> JobService:
    """A service that knows every kind of job this package has (``workers=False``: jobs run
    only when ``run`` is called, in the caller's thread, as the CLI does)."""
    from shortory_core.jobs.kinds import KINDS

    return JobService(store, KINDS, workers=workers)


__all__ = ["Cancelled", "Job", "JobContext", "JobKind", "JobService", "job_service"]
