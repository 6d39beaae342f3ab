"""Crops that follow the faces in a video.

The faces are looked for a few times a second over the clip's span (BlazeFace full range:
faces in a landscape video are small), keeping the two largest of each look (``Sightings``).
A crop window follows a face along each axis where the window is shorter than the frame
(``follow.py``: a dead zone, then a bounded glide); with no face at all it stays centred.
ffmpeg moves the crop per frame from one flat expression: a sum of clipped linear ramps, one
per knot, so even a 60 s clip stays far from ffmpeg's expression nesting limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from shortory_core.clips.follow import glide
from shortory_core.clips.layouts import largest_window
from shortory_core.reactions.recording import sampled_frames
from shortory_core.vision.cards import default_card
from shortory_core.vision.face_detector import FaceDetector

LOOK_FPS = 4.0
ASPECT = 9 / 16
HEADROOM = 0.1  # following vertically, the face sits this much (of the window) above centre


class Picture(Protocol):
    """What the render chains before its captions: a filtergraph fragment from ``label_in``
    to ``label_out`` and the size of the picture it makes."""

    @property
    def size(self) -> tuple[int, int]: ...

    def filter(self, label_in: str, label_out: str) -> str: ...


@dataclass(frozen=True)
class CropPath:
    """Where a window sits over time, in source pixels (``xs``/``ys``: its left and top edge
    at each of ``times``, seconds from the clip's start)."""

    width: int
    height: int
    times: np.ndarray
    xs: np.ndarray
    ys: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def expression(self) -> str:
        """An ffmpeg expression of ``t`` giving the left edge, linear between knots."""
        return ramps(self.times, self.xs)

    def crop(self) -> str:
        """The crop filter, quoted for an ffmpeg filtergraph."""
        return (f"crop={self.width}:{self.height}:'{self.expression()}'"
                f":'{ramps(self.times, self.ys)}'")

    def filter(self, label_in: str, label_out: str) -> str:
        return f"[{label_in}]{self.crop()}[{label_out}]"


def ramps(times: np.ndarray, values: np.ndarray) -> str:
    """``values`` at ``times`` as an ffmpeg expression of ``t``: the first value plus one
    clipped linear ramp per knot where the value changes."""
    first = float(values[0])
    terms = [f"{first:.1f}"]
    for i in range(len(times) - 1):
        t0, t1, a, b = times[i], times[i + 1], values[i], values[i + 1]
        if abs(b - a) >= 0.5:
            terms.append(f"{(b - a) / (t1 - t0):+.3f}*clip(t-{t0:.3f},0,{t1 - t0:.3f})")
    return "".join(terms)


@dataclass(frozen=True)
class Sightings:
    """The faces seen over a span: ``faces[look, rank]`` is the ``rank``-th largest face's
    (centre x, centre y, width, height) as fractions of the frame, NaN where not seen."""

    times: np.ndarray  # seconds from the span's start
    faces: np.ndarray  # (looks, 2, 4)

    def main(self) -> tuple[np.ndarray, np.ndarray]:
        """The largest face's centre (x, y) at each look, as fractions of the frame."""
        return self.faces[:, 0, 0], self.faces[:, 0, 1]


def look_for_faces(source: Path, start: float, end: float,
                   detector: FaceDetector | None = None, fps: float = LOOK_FPS) -> Sightings:
    """The two largest faces of ``[start, end)`` of ``source``, ``fps`` looks a second."""
    detector = detector or FaceDetector(default_card("face_detection_full"))
    times, looks = [], []
    for t, rgb in sampled_frames(source, fps, start, end):
        height, width = rgb.shape[:2]
        seen = np.full((2, 4), np.nan)
        for rank, face in enumerate(sorted(detector.detect(rgb), key=lambda f: -f.area)[:2]):
            x0, y0, x1, y1 = face.box
            seen[rank] = ((x0 + x1) / 2 / width, (y0 + y1) / 2 / height,
                          (x1 - x0) / width, (y1 - y0) / height)
        times.append(t - start)
        looks.append(seen)
    if not times:
        return Sightings(np.zeros(1), np.full((1, 2, 4), np.nan))
    return Sightings(np.array(times, float), np.array(looks))


def window_size(source_width: int, source_height: int) -> tuple[int, int]:
    """The largest 9:16 window inside the frame, in even pixels."""
    return largest_window(ASPECT, source_width, source_height)


def crop_path(times: np.ndarray, centres: np.ndarray, source_width: int, source_height: int,
              rows: np.ndarray | None = None, size: tuple[int, int] | None = None) -> CropPath:
    """A steady path for a window of ``size`` (default: the largest 9:16) that follows the
    face centres ``centres`` (x) and ``rows`` (y), fractions of the frame seen at ``times``.
    Without ``rows`` the window sits in the middle vertically; after the last look it holds."""
    width, height = size or window_size(source_width, source_height)
    xs = glide(times, centres * source_width, width, source_width)
    ys = (glide(times, rows * source_height + HEADROOM * height, height, source_height)
          if rows is not None else np.full(len(times), (source_height - height) / 2))
    return CropPath(width, height, times, np.round(xs, 1), np.round(ys, 1))
