"""The jobs that bring projects in: a video file with a comment dump, a URL, more comments.

Each adapter turns a job's JSON parameters into a call of ``projects.py``. A browser upload is
kept for retries until its job succeeds, then removed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from shortory_core.jobs import JobContext, JobKind
from shortory_core.projects import (
    CreatedProject,
    create_from_url,
    import_comments,
    import_files,
    import_summary,
)


def import_job(ctx: JobContext) -> dict[str, Any]:
    """``import``: a new project from a video file and an optional comment dump."""
    p = ctx.params
    if (existing := _named_already(ctx)) is not None:
        return existing
    created = import_files(ctx.store, Path(p["video"]),
                           Path(p["comments"]) if p.get("comments") else None,
                           p.get("name") or None, work=ctx.staging(), progress=ctx.progress,
                           columns=p.get("columns"))
    _drop_upload(ctx)
    return _created(created)


def fetch_job(ctx: JobContext) -> dict[str, Any]:
    """``fetch``: a new project downloaded from a URL, with its YouTube comments."""
    p = ctx.params
    if (existing := _named_already(ctx)) is not None:
        return existing
    created = create_from_url(
        ctx.store, str(p["url"]), work=ctx.staging(),
        with_comments=bool(p.get("with_comments", True)),
        comment_sort=p.get("sort", "popular"), comment_limit=p.get("limit", 5000),
        progress=ctx.progress)
    if p.get("name"):
        ctx.store.rename_project(created.project_id, str(p["name"]))
    return _created(created)


def _named_already(ctx: JobContext) -> dict[str, Any] | None:
    """With ``unless_named`` (a batch, which submits under a claim on the name), the project
    of that name if one exists by the time this job runs: a concurrent run made it."""
    p = ctx.params
    same = ctx.store.projects_named(str(p["name"])) if p.get("unless_named") else []
    if not same:
        return None
    return {"summary": f"exists (id {same[0]})", "project_id": same[0], "existed": True}


def comments_job(ctx: JobContext) -> dict[str, Any]:
    """``comments``: add a comment dump to an existing project (one transaction)."""
    p = ctx.params
    ctx.progress(0.1, "Reading the comments")
    record = import_comments(ctx.store, int(p["project_id"]), Path(p["file"]),
                             str(p.get("name") or Path(p["file"]).name), p.get("columns"))
    _drop_upload(ctx)
    return {"summary": import_summary(record), "comment_import": record}


def _created(created: CreatedProject) -> dict[str, Any]:
    return {
        "summary": created.summary(), "project_id": created.project_id,
        "comments": created.comments_added, "comment_error": created.comment_error,
        "comment_import": created.comment_import,
    }


def _drop_upload(ctx: JobContext) -> None:
    """A browser upload is kept for retries until its job succeeds, then removed."""
    if ctx.params.get("upload_dir"):
        shutil.rmtree(ctx.params["upload_dir"], ignore_errors=True)



KINDS = (
    JobKind("import", "io", import_job, None, "Import files"),
    JobKind("fetch", "io", fetch_job, None, "Download from a URL"),
    JobKind("comments", "io", comments_job, None, "Import comments"),
)
