"""Background jobs as a page shows them: progress, cancel, the error, retry.

The panel is a fragment that reads the store once a second while a job it shows is active, and
does nothing otherwise: no sleeping, no rerun loops, and no Streamlit call outside the script
thread (workers only write the store). When a job it showed ends, it reruns the whole page once
so the page shows what the job made.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from shortory_core.jobs import Job, JobService
from shortory_core.records import JobStatus
from shortory_core.untrusted import for_markdown

REFRESH_S = 1.0
RECENT_S = 120.0  # finished jobs stay in view this long
OnDone = Callable[[Job], None]


def job_panel(service: JobService, key: str, *, project_id: int | None = None,
              kinds: tuple[str, ...] = (), on_done: OnDone | None = None,
              limit: int = 6) -> None:
    """The active and recently ended jobs of a project (or of all projects) and kinds."""
    jobs = _relevant(service, project_id, kinds, limit)
    running = any(job.active for job in jobs)
    st.fragment(run_every=REFRESH_S if running else None)(_panel)(
        service, key, project_id, kinds, on_done, limit)


def _relevant(service: JobService, project_id: int | None, kinds: tuple[str, ...],
              limit: int) -> list[Job]:
    now = time.time()
    return [job for job in service.store.jobs.listing(project_id=project_id, kinds=kinds, limit=50)
            if job.active or job.status in (JobStatus.FAILED, JobStatus.INTERRUPTED)
            or now - (job.ended_at or now) < RECENT_S][:limit]


def _panel(service: JobService, key: str, project_id: int | None, kinds: tuple[str, ...],
           on_done: OnDone | None, limit: int) -> None:
    jobs = _relevant(service, project_id, kinds, limit)
    for job in jobs:
        _show(service, job, key, on_done)
    active = {job.id for job in jobs if job.active}
    seen_key = f"{key}-active"
    ended = st.session_state.get(seen_key, set()) - active
    st.session_state[seen_key] = active
    if ended:  # something this page was waiting for has finished: show its result
        st.rerun(scope="app")


def _show(service: JobService, job: Job, key: str, on_done: OnDone | None) -> None:
    title = service.kinds[job.kind].title if job.kind in service.kinds else job.kind
    with st.container(border=True):
        text, button = st.columns([6, 1], vertical_alignment="center")
        if job.active:
            step = job.message or ("waiting for the worker" if job.status == JobStatus.QUEUED
                                   else "starting")
            text.progress(job.progress, text=f"{title} · {step} · {job.progress:.0%}")
            if button.button("Cancel", key=f"{key}-cancel-{job.id}"):
                service.cancel(job.id)
                st.rerun(scope="fragment")
            return
        if job.status == JobStatus.DONE:
            text.success(for_markdown(f"{title}: {job.message}"), icon="✅")
            if on_done is not None:
                with text:
                    on_done(job)
            return
        if job.status == JobStatus.FAILED:
            text.error(for_markdown(f"{title} failed: {job.error}"), icon="⚠️")
        elif job.status == JobStatus.INTERRUPTED:
            text.warning(for_markdown(f"{title}: {job.message}"), icon="⏹️")
        else:
            text.info(f"{title}: cancelled.", icon="🛑")
        if button.button("Retry", key=f"{key}-retry-{job.id}"):
            service.retry(job.id)
            st.rerun(scope="app")
