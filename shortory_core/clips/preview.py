"""A small preview of a project's video for the pages to show, made by a background job.

Streamlit's ``st.video`` hands the whole file to its in-memory media store, so a page showing a
1 GB original grows the server by 1 GB. The pages show a preview instead: H.264 + AAC at most
540 p, its bitrate chosen so the whole file fits ``PREVIEW_BUDGET_MB`` whatever the length (a
two-hour video gets a smaller picture, not a bigger file). The original is kept: clips are
always cut from it. A video already within the budget is shown as it is.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from shortory_core.clips.render import FractionCallback, ffmpeg_exe, path_arg, run_ffmpeg
from shortory_core.records import VideoInfo
from shortory_core.store import Store

PREVIEW_BUDGET_MB = 100.0
PREVIEW_NAME = "preview.mp4"


@dataclass(frozen=True)
class PreviewPlan:
    height: int
    video_kbps: int
    audio_kbps: int


def shown_file(store: Store, video: VideoInfo) -> Path | None:
    """What a page may hand to ``st.video``: the preview once made, the original while it is
    within the budget, else ``None`` (a ``preview`` job has to make one first)."""
    if video.preview and store.media_path(video.preview).is_file():
        return store.media_path(video.preview)
    original = store.media_path(video.path)
    if original.is_file() and original.stat().st_size <= PREVIEW_BUDGET_MB * 1e6:
        return original
    return None


def plan_preview(duration: float) -> PreviewPlan:
    """Size and bitrates that fit the budget (a fifth kept for the container and for the rate
    control's overshoot, which grows at low bitrates)."""
    total = 0.8 * PREVIEW_BUDGET_MB * 8000 / max(duration, 1.0)  # kbit/s
    audio = 96 if total >= 800 else 48 if total >= 200 else 24 if total >= 80 else 16
    video = max(int(total - audio), 16)  # a very long video gets a very soft picture
    height = 540 if video >= 1200 else 360 if video >= 350 else 240
    return PreviewPlan(height, min(video, 2000), audio)


def make_preview(source: Path, out: Path, duration: float, *,
                 progress: FractionCallback | None = None,
                 cancelled: threading.Event | None = None) -> Path:
    """Transcode ``source`` into the preview ``out`` (ffmpeg turns a rotated video upright)."""
    plan = plan_preview(duration)
    command = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-i", path_arg(source), "-map", "0:v:0", "-map", "0:a:0?",
        "-vf", f"scale=-2:'min({plan.height},ih)'", "-c:v", "libx264", "-preset", "veryfast",
        "-b:v", f"{plan.video_kbps}k", "-maxrate", f"{plan.video_kbps}k",
        "-bufsize", f"{2 * plan.video_kbps}k", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", f"{plan.audio_kbps}k", "-ac", "2",
        "-movflags", "+faststart", "-progress", "pipe:1", "-nostats", "-f", "mp4",
        path_arg(out.with_name(out.name + ".part")),
    ]
    return run_ffmpeg(command, out, duration, progress=progress, cancelled=cancelled,
                      what="making the preview")
