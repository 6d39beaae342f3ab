"""Probing a local video file with PyAV before it becomes a project's source."""

from __future__ import annotations

from pathlib import Path

import av

from shortory_core.errors import SourceError
from shortory_core.records import VideoInfo

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".m4v", ".avi")
MIN_SIDE = 16  # smaller than any face the detectors find, and than x264's smallest block


def probe_video(path: Path) -> VideoInfo:
    """Duration, size as displayed (a rotation flag applied), frame rate and audio presence.

    Raises ``SourceError`` for a file that is missing, not a container PyAV can read, has no
    video stream (an audio-only file) or no measurable duration. The returned ``path`` is the
    file name only; the store makes it relative to its media folder.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"No such video file: {path}")
    try:
        with av.open(str(path)) as container:
            video_streams = container.streams.video
            if not video_streams:
                raise SourceError(
                    f"{path.name} has no video stream (an audio-only file?). Choose a video."
                )
            stream = video_streams[0]
            first = next(container.decode(stream), None)
            if first is None:
                raise SourceError(f"{path.name} has no decodable video frames.")
            duration = _duration_seconds(container, stream)
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            width, height = int(stream.codec_context.width), int(stream.codec_context.height)
            if quarter_turns(first.rotation) % 2:  # a phone's portrait video, stored sideways
                width, height = height, width
            info = VideoInfo(
                path=path.name,
                duration=duration,
                width=width,
                height=height,
                fps=round(fps, 3),
                has_audio=bool(container.streams.audio),
            )
    except av.error.FFmpegError as exc:
        raise SourceError(
            f"{path.name} is not a readable video ({exc.__class__.__name__}). "
            "It may be corrupt or incomplete."
        ) from exc
    if info.duration <= 0 or info.width <= 0:
        raise SourceError(f"{path.name} has no decodable video frames.")
    if min(info.width, info.height) < MIN_SIDE:
        raise SourceError(f"{path.name} is only {info.width}×{info.height} px; Shortory needs "
                          f"at least {MIN_SIDE}×{MIN_SIDE} to find faces and cut clips.")
    return info


def quarter_turns(rotation: float | None) -> int:
    """Counter-clockwise quarter turns that make a frame with this rotation flag (PyAV's
    ``frame.rotation``, from the display matrix) upright."""
    return round((rotation or 0) / 90) % 4


def _duration_seconds(
    container: av.container.InputContainer, stream: av.video.VideoStream
) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0
