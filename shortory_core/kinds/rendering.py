"""The jobs that make files from a project's video: clips and the pages' preview.

Renders run on the render lane one after another, since ffmpeg already uses both cores. A clip
is built in the job's staging folder and moved into the project's ``clips`` folder only when
complete, so a killed or cancelled render leaves nothing behind.
"""

from __future__ import annotations

import os
from typing import Any

from shortory_core.clips.playback import Fix, PreviewNeed
from shortory_core.clips.preview import PREVIEW_NAME, make_preview, needed_preview, shown_file
from shortory_core.clips.render import render_clip
from shortory_core.clips.short import MadeShort, Source, make_short
from shortory_core.clips.spec import ShortSpec
from shortory_core.errors import ShortoryError
from shortory_core.jobs import Job, JobContext, JobKind, JobService
from shortory_core.records import ClipStatus, JobStatus
from shortory_core.speech.cache import project_transcript
from shortory_core.store import Store


def render_job(ctx: JobContext) -> dict[str, Any]:
    """The ``render`` job: make one stored clip as its spec says (``clips/short.py``) into
    the project's clips folder, recording where its edges fell and why."""
    store = ctx.store
    clip_id = int(ctx.params["clip_id"])
    clip = store.clip(clip_id)
    video = store.get_video(clip.project_id) if clip else None
    if clip is None or video is None:
        raise ShortoryError(f"Clip {clip_id} or its project's video no longer exists.")
    store.update_clip(clip_id, status=ClipStatus.RENDERING, progress=0.0)
    spec = ShortSpec.of(clip.meta, clip.vertical)
    work = ctx.staging()
    source = Source(store.media_path(video.path), video.width, video.height, video.duration)
    start, end = clip.meta.get("asked", (clip.start, clip.end))
    if clip.mode == "copy":
        made = MadeShort(start, end, render_clip(
            source.path, start, end, work / "clip.mp4", mode="copy", cancelled=ctx.cancelled,
            progress=lambda fraction: ctx.progress(fraction, "Cutting")))
    else:
        made = make_short(
            source, start, end, spec, work / "clip.mp4", work=work, title=_title(clip.meta),
            words_for=lambda s, e: project_transcript(store, clip.project_id, s, e,
                                                      cancelled=ctx.cancelled),
            progress=lambda fraction, step: ctx.progress(fraction, step),
            cancelled=ctx.cancelled)
    ctx.check()
    folder = store.project_media_dir(clip.project_id) / "clips"
    folder.mkdir(exist_ok=True)
    final = folder / f"clip-{clip_id}.mp4"
    for made_file, suffix in ((made.srt, ".srt"), (made.vtt, ".vtt")):
        if made_file is not None:  # captions first: the video's arrival says it is complete
            os.replace(made_file, final.with_suffix(suffix))
    made.srt = final.with_suffix(".srt") if made.srt else None
    made.vtt = final.with_suffix(".vtt") if made.vtt else None
    os.replace(made.video, final)
    store.cut_clip(clip_id, made.start, made.end, made.meta(store.relative_media_path))
    store.update_clip(clip_id, status=ClipStatus.DONE, path=store.relative_media_path(final),
                      progress=1.0)
    notes = f" ({'; '.join(made.notes)})" if made.notes else ""
    return {"summary": f"Clip {clip.label} rendered{notes}.", "clip_id": clip_id}


def _title(meta: dict[str, Any]) -> str:
    """The title line a clip asked for; rows from before titles kept (title, comment)."""
    if meta.get("title"):
        return str(meta["title"])
    return " — ".join(part for part in meta.get("caption") or () if part)


def settle_clip(store: Store, job: Job, status: JobStatus, error: str) -> None:
    """A render that ended without a clip: the clip row says why."""
    clip_id = job.params.get("clip_id")
    if clip_id is None or store.clip(int(clip_id)) is None:
        return
    reason = {JobStatus.CANCELLED: "cancelled", JobStatus.INTERRUPTED: "interrupted: the server "
              "stopped before this clip was rendered"}.get(status, error)
    cancelled = status == JobStatus.CANCELLED
    store.update_clip(int(clip_id), status=ClipStatus.CANCELLED if cancelled else ClipStatus.FAILED,
                      error=reason)


def preview_job(ctx: JobContext) -> dict[str, Any]:
    """``preview``: the copy of a project's video that the pages show, remuxed or re-encoded
    as the original's reason asks (re-encoded when asked for one that plays as it is)."""
    project_id = int(ctx.params["project_id"])
    video = ctx.store.get_video(project_id)
    if video is None:
        raise ShortoryError(f"Project {project_id} has no video to preview.")
    need = needed_preview(ctx.store, video)
    step = "Remuxing into MP4" if need and need.fix == Fix.REMUX else "Making the preview"
    made = make_preview(ctx.store.media_path(video.path), ctx.staging() / PREVIEW_NAME,
                        video.duration, need=need,
                        progress=lambda f: ctx.progress(f, step), cancelled=ctx.cancelled)
    final = ctx.store.project_media_dir(project_id) / PREVIEW_NAME
    os.replace(made, final)
    ctx.store.set_preview(project_id, ctx.store.relative_media_path(final))
    size = final.stat().st_size / 1e6
    why = f": {need.reason}" if need else ""
    return {"summary": f"Preview ready ({size:.0f} MB){why}.", "megabytes": round(size, 1),
            "fix": need.fix.value if need else Fix.TRANSCODE.value}


def ask_for_preview(service: JobService, project_id: int) -> PreviewNeed | None:
    """Why the project's video needs a preview that is not made yet (``None``: the original
    or a made preview plays), queueing the ``preview`` job for it. A job already queued or
    running is left to finish, and one that failed or was interrupted waits for Retry
    rather than starting again on every visit. The Project page asks, and so does an
    invite: a remote viewer's browser plays what the pages play."""
    store = service.store
    video = store.get_video(project_id)
    if video is None or shown_file(store, video) is not None:
        return None
    if not any(j.active or j.status in (JobStatus.FAILED, JobStatus.INTERRUPTED)
               for j in store.jobs.listing(project_id=project_id, kinds=("preview",))):
        service.submit("preview", {"project_id": project_id}, project_id=project_id)
    return needed_preview(store, video)


KINDS = (
    JobKind("render", "render", render_job, settle_clip, "Render a clip",
            one_per_subject=True),
    JobKind("preview", "render", preview_job, None, "Make the preview"),
)
