"""Downloading a video from YouTube (or any site yt-dlp knows) into a project's media folder.

The yt-dlp call is the only network step here; ``video_info_from_ytdlp`` turns the info dict it
returns into Shortory's records and is a pure function the tests feed recorded dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import yt_dlp

from shortory_core.errors import SourceError
from shortory_core.records import Chapter, HeatPoint, VideoInfo
from shortory_core.sources.egress import EgressGuard, Policy
from shortory_core.sources.urls import IMPORT_HINT, ensure_reachable, validate_url
from shortory_core.sources.video_file import probe_video
from shortory_core.untrusted import for_terminal


@dataclass(frozen=True)
class Progress:
    """A download's progress; ``fraction`` is ``None`` while the size is unknown."""

    fraction: float | None
    downloaded_bytes: int
    total_bytes: int | None
    status: str


ProgressCallback = Callable[[Progress], None]

# Prefer H.264 + AAC in mp4 (plays in every browser, cuts without re-encoding audio); fall back
# to whatever single file the site offers.
FORMAT = "bv*[vcodec^=avc1][height<=1080]+ba[ext=m4a]/b[ext=mp4]/bv*+ba/b"


def video_info_from_ytdlp(info: dict[str, Any], path: str) -> VideoInfo:
    """Title, duration, chapters and the "Most replayed" heatmap of a yt-dlp info dict."""
    heatmap = [
        HeatPoint(float(p["start_time"]), float(p["end_time"]), float(p.get("value", 0.0)))
        for p in info.get("heatmap") or []
        if isinstance(p, dict) and "start_time" in p and "end_time" in p
    ]
    chapters = [
        Chapter(float(c.get("start_time", 0)), float(c.get("end_time", 0)), str(c.get("title", "")))
        for c in info.get("chapters") or []
        if isinstance(c, dict)
    ]
    return VideoInfo(
        path=path,
        duration=float(info.get("duration") or 0.0),
        width=int(info.get("width") or 0),
        height=int(info.get("height") or 0),
        fps=float(info.get("fps") or 0.0),
        title=str(info.get("title") or ""),
        source_url=str(info.get("webpage_url") or info.get("original_url") or ""),
        heatmap=heatmap,
        chapters=chapters,
    )


def download_video(
    url: str,
    dest_dir: Path,
    progress: ProgressCallback | None = None,
    *,
    check_network: bool = True,
    policy: Policy | None = None,
) -> VideoInfo:
    """Download ``url`` to ``dest_dir/video.mp4`` and describe it.

    The file name is fixed, never taken from the (untrusted) title. The returned info merges
    what yt-dlp reported (title, heatmap, chapters) with what the file really holds (probed).
    Every request yt-dlp makes, redirects included, passes ``policy``'s ``EgressGuard``.
    """
    policy = policy or Policy.from_env()
    url = validate_url(url, policy)
    if check_network:
        ensure_reachable(url, policy=policy)
    dest_dir.mkdir(parents=True, exist_ok=True)

    def hook(status: dict[str, Any]) -> None:
        if progress is None:
            return
        total = status.get("total_bytes") or status.get("total_bytes_estimate")
        done = int(status.get("downloaded_bytes") or 0)
        fraction = min(done / total, 1.0) if total else None
        if status.get("status") == "finished":
            fraction = 1.0
        progress(Progress(fraction, done, int(total) if total else None, status.get("status", "")))

    options = {
        "format": FORMAT,
        "merge_output_format": "mp4",
        "outtmpl": {"default": str(dest_dir / "video.%(ext)s")},
        "ffmpeg_location": imageio_ffmpeg.get_ffmpeg_exe(),
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "socket_timeout": policy.stall_s,
        "retries": 2,
        "progress_hooks": [hook],
    }
    with EgressGuard(policy) as guard:
        options["proxy"] = guard.url
        try:
            with yt_dlp.YoutubeDL(options) as ydl:
                info = ydl.extract_info(url, download=True)
                filename = Path(ydl.prepare_filename(info))
        except yt_dlp.utils.YoutubeDLError as exc:  # DownloadError, and a redirect's
            # RequestError, which yt-dlp lets through raw
            raise SourceError(f"Could not download {for_terminal(url[:120])}: "
                              f"{download_problem(exc, guard)}. {IMPORT_HINT}") from exc
    file = _downloaded_file(filename, dest_dir)
    probed = probe_video(file)
    described = video_info_from_ytdlp(info, file.name)
    described.duration = probed.duration
    described.width, described.height, described.fps = probed.width, probed.height, probed.fps
    described.has_audio = probed.has_audio
    described.source_url = described.source_url or url
    return described


def download_problem(exc: Exception, guard: EgressGuard) -> str:
    """Why a fetch failed, in one line: the guard's reason when it refused or cut a
    connection (yt-dlp only saw a 403 or a closed socket), else yt-dlp's own first line."""
    if guard.problem:
        return f"stopped: {guard.problem}"
    message = for_terminal(str(exc).removeprefix("ERROR: ").splitlines()[0])
    if "file://" in message or "scheme" in message.lower():
        return "the site redirected to a non-web address (such as file://), which is never followed"
    return message[:300]


def _downloaded_file(expected: Path, dest_dir: Path) -> Path:
    """The merged file may end in .mp4 even when the template said otherwise."""
    if expected.is_file():
        return expected
    candidates = sorted(dest_dir.glob("video.*"), key=lambda p: p.stat().st_size, reverse=True)
    if not candidates:
        raise SourceError("The download finished but produced no video file.")
    return candidates[0]
