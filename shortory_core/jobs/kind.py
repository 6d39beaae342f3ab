"""What a kind of job is: the service runs kinds it is given and knows none by name.

The app's own kinds (render, import, analyse…) live above this package, in ``kinds/``, and
are handed to the service when it is made; so the generic service never imports a feature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shortory_core.records import Job, JobStatus
from shortory_core.store import Store

if TYPE_CHECKING:
    from shortory_core.jobs.context import JobContext

Run = Callable[["JobContext"], dict[str, Any]]
Settle = Callable[[Store, Job, JobStatus, str], None]


@dataclass(frozen=True)
class JobKind:
    """One kind of job: what runs it, in which lane, and how its subject is settled when the
    job ends without finishing (``failed``, ``cancelled`` or ``interrupted``). A kind that is
    ``one_per_subject`` never runs twice at once on one subject (an analysis of one session),
    in any process."""

    name: str
    lane: str
    run: Run
    settle: Settle | None = None
    title: str = ""
    one_per_subject: bool = False
