"""Every kind of background job, and the small adapters that turn a job's JSON parameters into
a call of the package's own functions.

Parameters are plain JSON so that a failed or interrupted job can be run again as it was asked
(``retry``). A job's subject (a clip, a reaction session) is settled by ``settle`` when the job
ends without finishing, so no clip stays "rendering" and no session "analysing".
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Any

from shortory_core.clips.preview import PREVIEW_NAME, make_preview
from shortory_core.clips.rendering import render_job, settle_clip
from shortory_core.errors import ShortoryError
from shortory_core.jobs.context import JobContext
from shortory_core.jobs.service import JobKind
from shortory_core.jobs.table import Job
from shortory_core.projects import (
    CreatedProject,
    create_from_url,
    import_comments,
    import_files,
    import_summary,
)
from shortory_core.store import Store

_engines_lock = threading.Lock()


@functools.lru_cache(maxsize=2)
def _engines(detector: str, iris: bool) -> list:
    """Two vision engines (one per core), loaded once per process and setting. Only the
    analysis lane uses them, one job at a time."""
    from shortory_core.vision.engine import VisionEngine

    return [VisionEngine(detector=detector, use_iris=iris) for _ in range(2)]


def analyse_job(ctx: JobContext) -> dict[str, Any]:
    """``analyse``: a recorded reaction session's samples, replacing its old ones."""
    from shortory_core.reactions.sessions import analyse_session, viewer_profile

    p = ctx.params
    session_id = int(p["session_id"])
    ctx.progress(0.0, "Loading the face models")
    with _engines_lock:
        engines = _engines(str(p.get("detector", "short")), bool(p.get("iris", True)))
        profile = viewer_profile(ctx.store, session_id, engines[0])
        ctx.progress(0.0, "Analysing the recording")
        count = analyse_session(ctx.store, session_id, engines, fps=float(p.get("fps", 5.0)),
                                progress=lambda f: ctx.progress(f), profile=profile)
    through = f", read through {profile.name}'s viewer profile" if profile else ""
    return {"summary": f"{count} samples analysed{through}.", "samples": count,
            "session_id": session_id, "profile": profile.name if profile else ""}


def settle_session(store: Store, job: Job, status: str, error: str) -> None:
    session_id = job.params.get("session_id")
    if session_id is not None and store.session(int(session_id)) is not None:
        store.set_session_status(int(session_id), status)


def import_job(ctx: JobContext) -> dict[str, Any]:
    """``import``: a new project from a video file and an optional comment dump."""
    p = ctx.params
    created = import_files(ctx.store, Path(p["video"]),
                           Path(p["comments"]) if p.get("comments") else None,
                           p.get("name") or None, work=ctx.staging(), progress=ctx.progress)
    _drop_upload(ctx)
    return _created(created)


def fetch_job(ctx: JobContext) -> dict[str, Any]:
    """``fetch``: a new project downloaded from a URL, with its YouTube comments."""
    p = ctx.params
    created = create_from_url(
        ctx.store, str(p["url"]), work=ctx.staging(),
        with_comments=bool(p.get("with_comments", True)),
        comment_sort=p.get("sort", "popular"), comment_limit=p.get("limit", 5000),
        progress=ctx.progress)
    return _created(created)


def comments_job(ctx: JobContext) -> dict[str, Any]:
    """``comments``: add a comment dump to an existing project (one transaction)."""
    p = ctx.params
    ctx.progress(0.1, "Reading the comments")
    record = import_comments(ctx.store, int(p["project_id"]), Path(p["file"]),
                             str(p.get("name") or Path(p["file"]).name))
    _drop_upload(ctx)
    return {"summary": import_summary(record), "comment_import": record}


def demo_job(ctx: JobContext) -> dict[str, Any]:
    """``demo``: the built-in demo project, built once per data folder."""
    from shortory_core.demo import build_demo_once

    project_id = build_demo_once(ctx.store, ctx.staging(), ctx.progress)
    return {"summary": "The demo project is ready.", "project_id": project_id}


def evaluate_job(ctx: JobContext) -> dict[str, Any]:
    """``evaluate``: score the default emotion model on a labelled folder of faces."""
    from shortory_core.vision.cards import default_card
    from shortory_core.vision.emotion import EmotionClassifier
    from shortory_core.vision.evaluate import evaluate_folder
    from shortory_core.vision.face_detector import photo_detectors

    p = ctx.params
    card = default_card("emotion")
    ctx.progress(0.0, "Reading the images")
    result = evaluate_folder(Path(p["folder"]), EmotionClassifier(card),
                             photo_detectors() if p.get("detect") else (),
                             progress=lambda f: ctx.progress(0.95 * f))
    return {"summary": f"{result.images} images scored: {result.raw.accuracy:.1%} over the "
                       f"model's classes, {result.product.accuracy:.1%} over the five emotions.",
            "model": card.name, "folder": p["folder"]} | result.as_dict()


def panel_job(ctx: JobContext) -> dict[str, Any]:
    """``panel``: the project's viewers as a panel (quality verdicts, share curves); its peaks
    are kept as the project's ``panel`` moments."""
    from shortory_core.panel.grids import load_grids
    from shortory_core.panel.stats import curves, panel_peaks

    project_id = int(ctx.params["project_id"])
    ctx.progress(0.1, "Reading every viewer's samples")
    grids = load_grids(ctx.store, project_id)
    included = grids.subset(grids.included)
    peaks = panel_peaks(curves(included)) if len(included.quality) else []
    ctx.store.replace_moments(project_id, "panel", [
        {"start": p.time, "end": p.time, "centre": p.time, "score": p.share,
         "label": p.emotion} | p.as_dict() for p in peaks])
    return {"summary": f"{len(included.quality)} of {len(grids.quality)} viewers in the "
                       f"panel; {len(peaks)} panel peaks.",
            "viewers": len(grids.quality), "included": len(included.quality),
            "peaks": [p.as_dict() for p in peaks]}


def highlights_job(ctx: JobContext) -> dict[str, Any]:
    """``highlights``: the project's peaks per emotion and of the fused score, kept as its
    ``highlights`` moments (what the studio would render)."""
    from dataclasses import asdict

    from shortory_core.highlights.peaks import find_highlights
    from shortory_core.highlights.timeline import build_timeline

    project_id = int(ctx.params["project_id"])
    ctx.progress(0.1, "Joining the signals")
    peaks = find_highlights(build_timeline(ctx.store, project_id))
    ctx.store.replace_moments(project_id, "highlights", [
        {"start": p.start, "end": p.end, "centre": p.time, "score": p.score,
         "label": p.kind} | asdict(p) for p in peaks])
    return {"summary": f"{len(peaks)} highlights.", "peaks": [asdict(p) for p in peaks]}


def preview_job(ctx: JobContext) -> dict[str, Any]:
    """``preview``: the small copy of a project's video that the pages show."""
    project_id = int(ctx.params["project_id"])
    video = ctx.store.get_video(project_id)
    if video is None:
        raise ShortoryError(f"Project {project_id} has no video to preview.")
    made = make_preview(ctx.store.media_path(video.path), ctx.staging() / PREVIEW_NAME,
                        video.duration, progress=lambda f: ctx.progress(f, "Making the preview"),
                        cancelled=ctx.cancelled)
    final = ctx.store.project_media_dir(project_id) / PREVIEW_NAME
    os.replace(made, final)
    ctx.store.set_preview(project_id, ctx.store.relative_media_path(final))
    size = final.stat().st_size / 1e6
    return {"summary": f"Preview ready ({size:.0f} MB).", "megabytes": round(size, 1)}


def _created(created: CreatedProject) -> dict[str, Any]:
    return {
        "summary": created.summary(), "project_id": created.project_id,
        "comments": created.comments_added, "comment_error": created.comment_error,
        "comment_import": created.comment_import,
    }


def _drop_upload(ctx: JobContext) -> None:
    """A browser upload is kept for retries until its job succeeds, then removed."""
    import shutil

    if ctx.params.get("upload_dir"):
        shutil.rmtree(ctx.params["upload_dir"], ignore_errors=True)


KINDS: dict[str, JobKind] = {kind.name: kind for kind in (
    JobKind("render", "render", render_job, settle_clip, "Render a clip"),
    JobKind("preview", "render", preview_job, None, "Make the preview"),
    JobKind("analyse", "analysis", analyse_job, settle_session, "Analyse a reaction"),
    JobKind("demo", "analysis", demo_job, None, "Build the demo"),
    JobKind("evaluate", "analysis", evaluate_job, None, "Evaluate the model"),
    JobKind("import", "io", import_job, None, "Import files"),
    JobKind("fetch", "io", fetch_job, None, "Download from a URL"),
    JobKind("comments", "io", comments_job, None, "Import comments"),
    JobKind("panel", "analysis", panel_job, None, "Panel aggregates"),
    JobKind("highlights", "analysis", highlights_job, None, "Find highlights"),
)}
