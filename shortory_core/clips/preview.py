"""A preview of a project's video for the pages to show, made by a background job when the
browsers would not play the original well (``playback.py`` says why, and the page tells the user).

Streamlit's ``st.video`` hands the whole file to its in-memory media store, so a page showing a
1 GB original grows the server by 1 GB. A preview that re-encodes is H.264 + AAC at most 540 p,
its bitrate chosen so the whole file fits ``PREVIEW_BUDGET_MB`` whatever the length (a two-hour
video gets a smaller picture, not a bigger file). A playable video in the wrong container is only
remuxed into MP4, in seconds. The original is kept: clips are always cut from it. A video the
browsers play well is shown as it is, whatever its size up to ``playback.MAX_AS_IS_MB``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import av

from shortory_core.clips.playback import Fix, PreviewNeed, preview_need, probe_facts
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


UNREADABLE = PreviewNeed(Fix.TRANSCODE, "its streams could not be read to tell")


def shown_file(store: Store, video: VideoInfo) -> Path | None:
    """What a page may hand to ``st.video``: the preview once made, the original while the
    browsers play it well, else ``None`` (a ``preview`` job has to make one first)."""
    if video.preview and store.media_path(video.preview).is_file():
        return store.media_path(video.preview)
    original = store.media_path(video.path)
    if original.is_file() and needed_preview(store, video) is None:
        return original
    return None


def needed_preview(store: Store, video: VideoInfo) -> PreviewNeed | None:
    """Why the original of ``video`` needs a preview, or ``None`` when it plays as it is."""
    try:
        return preview_need(probe_facts(store.media_path(video.path), video.duration))
    except (OSError, av.error.FFmpegError, IndexError):  # IndexError: no video stream left
        return UNREADABLE


def plan_preview(duration: float) -> PreviewPlan:
    """Size and bitrates that fit the budget (a fifth kept for the container and for the rate
    control's overshoot, which grows at low bitrates)."""
    total = 0.8 * PREVIEW_BUDGET_MB * 8000 / max(duration, 1.0)  # kbit/s
    audio = 96 if total >= 800 else 48 if total >= 200 else 24 if total >= 80 else 16
    video = max(int(total - audio), 16)  # a very long video gets a very soft picture
    height = 540 if video >= 1200 else 360 if video >= 350 else 240
    return PreviewPlan(height, min(video, 2000), audio)


def make_preview(source: Path, out: Path, duration: float, *, need: PreviewNeed | None = None,
                 progress: FractionCallback | None = None,
                 cancelled: threading.Event | None = None) -> Path:
    """Make the preview ``out`` of ``source`` as ``need`` says: a remux copies the picture into
    MP4 (its rotation flag kept), a transcode (also without a need) re-encodes it (ffmpeg turns
    it upright)."""
    if need is not None and need.fix == Fix.REMUX:
        codecs = ["-c:v", "copy", *(["-c:a", "copy"] if need.copy_audio else
                                    ["-c:a", "aac", "-b:a", "128k"])]
    else:
        plan = plan_preview(duration)
        codecs = [
            "-vf", f"scale=-2:'min({plan.height},ih)'", "-c:v", "libx264", "-preset", "veryfast",
            "-b:v", f"{plan.video_kbps}k", "-maxrate", f"{plan.video_kbps}k",
            "-bufsize", f"{2 * plan.video_kbps}k", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", f"{plan.audio_kbps}k", "-ac", "2",
        ]
    command = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-i", path_arg(source), "-map", "0:v:0", "-map", "0:a:0?", *codecs,
        "-movflags", "+faststart", "-progress", "pipe:1", "-nostats", "-f", "mp4",
        path_arg(out.with_name(out.name + ".part")),
    ]
    return run_ffmpeg(command, out, duration, progress=progress, cancelled=cancelled,
                      what="making the preview")
