"""Probing a local video file with PyAV before it becomes a project's source."""

from __future__ import annotations

from pathlib import Path

import av

from shortory_core.errors import SourceError
from shortory_core.records import VideoInfo

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".m4v", ".avi")


def probe_video(path: Path) -> VideoInfo:
    """Duration, size, frame rate and audio presence of ``path``.

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
            if next(container.decode(stream), None) is None:
                raise SourceError(f"{path.name} has no decodable video frames.")
            duration = _duration_seconds(container, stream)
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            info = VideoInfo(
                path=path.name,
                duration=duration,
                width=int(stream.codec_context.width),
                height=int(stream.codec_context.height),
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
    return info


def _duration_seconds(
    container: av.container.InputContainer, stream: av.video.VideoStream
) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0
