"""Rendering stored clips as jobs, with progress, cancel and clean failure.

A page asks for clips and returns at once: each clip becomes a row in ``clips`` (what was asked)
and a ``render`` job (the work), run by the job service's render lane one after another, since
ffmpeg already uses both cores. The clip is built in the job's staging folder and moved into the
project's ``clips`` folder only when complete, so a killed or cancelled render leaves nothing.

A vertical clip first follows the video's main face over its span (``reframe.py``); a captioned
clip gets its label drawn once as a PNG (``caption.py``). Both are decided per request and kept
in the clip's row, so a clip can be rendered again exactly as asked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shortory_core.clips.caption import write_caption
from shortory_core.clips.reframe import follow_face
from shortory_core.clips.render import Mode, render_clip
from shortory_core.errors import ShortoryError
from shortory_core.store import Store

if TYPE_CHECKING:
    from shortory_core.jobs import Job, JobContext, JobService


@dataclass(frozen=True)
class ClipRequest:
    start: float
    end: float
    score: float
    label: str
    vertical: bool = False
    caption: tuple[str, str] | None = None  # (title, comment) drawn over the clip
    meta: dict = field(default_factory=dict)  # what the clip was cut for (emotion, scores)


def queue_clips(service: JobService, project_id: int, kind: str, requests: list[ClipRequest],
                mode: Mode = "exact") -> list[int]:
    """Record one clip per request and queue its render; returns the clip ids. A request for
    a span already rendered (or on its way) with the same options reuses that clip: the
    same moments asked twice give one clip each, not two."""
    store = service.store
    existing = {_identity(c.start, c.end, c.mode, c.vertical, c.meta.get("caption")): c.id
                for c in store.clips(project_id)
                if c.status in ("queued", "rendering", "done")}
    ids = []
    for r in requests:
        caption = list(r.caption) if r.caption else None
        key = _identity(r.start, r.end, mode, r.vertical, caption)
        if key in existing:
            ids.append(existing[key])
            continue
        clip_id = store.add_clip(
            project_id, kind, r.start, r.end, score=r.score, label=r.label, mode=mode,
            vertical=r.vertical, meta=r.meta | ({"caption": caption} if caption else {}))
        existing[key] = clip_id
        ids.append(clip_id)
        service.submit("render", {"clip_id": clip_id}, project_id=project_id,
                       subject_id=clip_id)
    return ids


def _identity(start: float, end: float, mode: str, vertical: bool,
              caption: list[str] | None) -> tuple:
    """What makes two clips the same file: the span (to the hundredth of a second), the cut
    mode, the shape and the caption."""
    return (round(start, 2), round(end, 2), mode, bool(vertical), tuple(caption or ()))


def render_job(ctx: JobContext) -> dict[str, Any]:
    """The ``render`` job: cut one stored clip into the project's clips folder."""
    store = ctx.store
    clip_id = int(ctx.params["clip_id"])
    clip = store.clip(clip_id)
    video = store.get_video(clip.project_id) if clip else None
    if clip is None or video is None:
        raise ShortoryError(f"Clip {clip_id} or its project's video no longer exists.")
    store.update_clip(clip_id, status="rendering", progress=0.0)
    work = ctx.staging()
    source = store.media_path(video.path)
    ctx.progress(0.0, "Following the face" if clip.vertical else "Cutting")
    crop = follow_face(source, clip.start, clip.end, video.width, video.height) \
        if clip.vertical else None
    caption = None
    if clip.meta.get("caption"):
        title, comment = clip.meta["caption"]
        caption, _ = write_caption(title, comment, crop.width if crop else video.width,
                                   work / "caption.png")
    ctx.progress(0.05, "Cutting")
    made = render_clip(source, clip.start, clip.end, work / "clip.mp4",
                       mode=clip.mode,  # type: ignore[arg-type]
                       crop=crop, caption=caption, cancelled=ctx.cancelled,
                       progress=lambda fraction: ctx.progress(0.05 + 0.95 * fraction))
    ctx.check()
    folder = store.project_media_dir(clip.project_id) / "clips"
    folder.mkdir(exist_ok=True)
    final = folder / f"clip-{clip_id}.mp4"
    os.replace(made, final)
    store.update_clip(clip_id, status="done", path=store.relative_media_path(final),
                      progress=1.0)
    return {"summary": f"Clip {clip.label} rendered.", "clip_id": clip_id}


def settle_clip(store: Store, job: Job, status: str, error: str) -> None:
    """A render that ended without a clip: the clip row says why."""
    clip_id = job.params.get("clip_id")
    if clip_id is None or store.clip(int(clip_id)) is None:
        return
    reason = {"cancelled": "cancelled", "interrupted": "interrupted: the server stopped "
              "before this clip was rendered"}.get(status, error)
    store.update_clip(int(clip_id), status="cancelled" if status == "cancelled" else "failed",
                      error=reason)
