"""A span of a video's sound as mono float samples: what the speech model hears and what clean
cuts measure the loudness of.

PyAV decodes in this process (no ffmpeg to start and reap per span) and resamples to one
channel at the model's rate. A video with no sound raises ``NoAudio``: callers turn that into a
reason shown to the user, not into a crash.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from shortory_core.errors import ShortoryError

SPEECH_RATE = 16_000  # Whisper's sampling rate


class NoAudio(ShortoryError):
    """The video has no audio track."""


def read_audio(source: Path, start: float = 0.0, end: float | None = None,
               rate: int = SPEECH_RATE) -> np.ndarray:
    """``[start, end)`` seconds of ``source``'s first audio track, mono float32 in −1..1 at
    ``rate`` Hz (``end=None``: to the end). Sample 0 is the sound at ``start``."""
    try:
        container = av.open(str(source))
    except (av.error.FFmpegError, OSError) as error:
        raise ShortoryError(f"Cannot read the sound of {Path(source).name}: {error}") from None
    with container:
        if not container.streams.audio:
            raise NoAudio(f"{Path(source).name} has no sound track.")
        stream = container.streams.audio[0]
        if start > 0:
            container.seek(int(start * 1_000_000), any_frame=False, backward=True)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks: list[np.ndarray] = []
        first: float | None = None
        try:
            for frame in container.decode(stream):
                if frame.pts is None or frame.time_base is None:
                    continue
                t = float(frame.pts * frame.time_base)
                if end is not None and t >= end:
                    break
                if first is None:  # the resampler may hold samples back: count from here
                    first = t
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as error:
            raise ShortoryError(f"The sound of {Path(source).name} is damaged: {error}") from None
    if not chunks or first is None:
        return np.zeros(0, np.float32)
    samples = np.concatenate(chunks)
    lead = round((first - start) * rate)
    if lead > 0:  # the track starts after ``start`` (an encoder's delay): silence until then
        samples = np.concatenate([np.zeros(lead, np.float32), samples])
    skip = max(-lead, 0)
    length = None if end is None else max(round((end - start) * rate), 0)
    trimmed = samples[skip:] if length is None else samples[skip:skip + length]
    return np.ascontiguousarray(trimmed, np.float32)
