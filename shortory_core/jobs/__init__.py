"""The generic job service: runs background work of any kind it is given, and lets none die
silently.

``JobService`` runs jobs on worker threads of this process and records everything in the
store's ``jobs`` table; pages and the CLI only submit jobs and read that table. See
``service.py`` for what runs where, ``recovery.py`` for what a start does after a crash. The
app's own kinds are registered from ``shortory_core/kinds/``: this package names no feature.
"""

from shortory_core.jobs.context import Cancelled, JobContext
from shortory_core.jobs.kind import JobKind
from shortory_core.jobs.service import JobService
from shortory_core.records import Job

__all__ = ["Cancelled", "Job", "JobContext", "JobKind", "JobService"]
