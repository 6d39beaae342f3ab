"""The job that builds the built-in demo project (once per data folder)."""

from __future__ import annotations

from typing import Any

from shortory_core.demo import build_demo_once
from shortory_core.jobs import JobContext, JobKind


def demo_job(ctx: JobContext) -> dict[str, Any]:
    """``demo``: the built-in demo project, built once per data folder."""
    project_id = build_demo_once(ctx.store, ctx.staging(), ctx.progress)
    return {"summary": "The demo project is ready.", "project_id": project_id}



KINDS = (JobKind("demo", "analysis", demo_job, None, "Build the demo"),)
