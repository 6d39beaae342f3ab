"""Vertical 9:16 shorts that follow the main face of the video.

The face is looked for a few times a second over the clip's span (BlazeFace full range: faces
in a landscape video are small). The crop centre follows the largest face, with gaps filled
from its neighbours and a moving average so the frame glides rather than jitters; with no face
at all the crop stays centred. ffmpeg moves the crop per frame from one flat expression: a sum
of clipped linear ramps, one per knot, so even a 60 s clip stays far from ffmpeg's expression
nesting limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shortory_core.reactions.recording import sampled_frames
from shortory_core.signals.grid import smooth
from shortory_core.vision.cards import default_card
from shortory_core.vision.face_detector import FaceDetector

LOOK_FPS = 4.0
SMOOTH_S = 1.5
KNOTS_PER_S = 2.0
ASPECT = 9 / 16


@dataclass(frozen=True)
class CropPath:
    """Where the 9:16 window sits over time, in source pixels (``x`` of its left edge)."""

    width: int
    height: int
    times: np.ndarray  # seconds from the clip's start
    xs: np.ndarray  # left edge at each time
    y: int = 0

    def expression(self) -> str:
        """An ffmpeg expression of ``t`` giving the left edge, linear between knots."""
        x0 = float(self.xs[0])
        if len(self.times) < 2 or np.allclose(self.xs, x0):
            return f"{x0:.1f}"
        terms = [f"{x0:.1f}"]
        for i in range(len(self.times) - 1):
            t0, t1, a, b = self.times[i], self.times[i + 1], self.xs[i], self.xs[i + 1]
            if abs(b - a) >= 0.5:
                slope = (b - a) / (t1 - t0)
                terms.append(f"{slope:+.3f}*clip(t-{t0:.3f},0,{t1 - t0:.3f})")
        return "".join(terms)

    def filter(self) -> str:
        """The crop filter, quoted for an ffmpeg filtergraph."""
        return f"crop={self.width}:{self.height}:'{self.expression()}':{self.y}"


def window_size(source_width: int, source_height: int) -> tuple[int, int]:
    """The largest 9:16 window inside the frame, in even pixels (H.264 wants even sizes)."""
    if source_width / source_height > ASPECT:
        height = source_height - source_height % 2
        width = int(height * ASPECT) // 2 * 2
    else:
        width = source_width - source_width % 2
        height = min(int(width / ASPECT) // 2 * 2, source_height - source_height % 2)
    return width, height


def face_centres(source: Path, start: float, end: float, detector: FaceDetector,
                 fps: float = LOOK_FPS) -> tuple[np.ndarray, np.ndarray]:
    """(seconds from ``start``, face centre x as a fraction of the width; NaN: no face)."""
    times, centres = [], []
    for t, rgb in sampled_frames(source, fps, start, end):
        faces = detector.detect(rgb)
        times.append(t - start)
        if faces:
            x0, _, x1, _ = max(faces, key=lambda f: f.area).box
            centres.append((x0 + x1) / 2 / rgb.shape[1])
        else:
            centres.append(np.nan)
    return np.array(times, float), np.array(centres, float)


def crop_path(times: np.ndarray, centres: np.ndarray, duration: float, source_width: int,
              source_height: int) -> CropPath:
    """A smooth path for the 9:16 window from face centres seen at ``times``."""
    width, height = window_size(source_width, source_height)
    y = (source_height - height) // 2
    knots = np.linspace(0.0, duration, max(int(duration * KNOTS_PER_S), 1) + 1)
    seen = np.isfinite(centres)
    if not seen.any():
        return CropPath(width, height, knots, np.full(len(knots), (source_width - width) / 2), y)
    filled = np.interp(times, times[seen], centres[seen])
    step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    steady = smooth(filled, max(round(SMOOTH_S / step), 1))
    centre_px = np.interp(knots, times, steady) * source_width
    xs = np.clip(centre_px - width / 2, 0, source_width - width)
    return CropPath(width, height, knots, np.round(xs, 1), y)


def follow_face(source: Path, start: float, end: float, source_width: int,
                source_height: int, detector: FaceDetector | None = None) -> CropPath:
    """The 9:16 crop path for ``[start, end)`` of ``source``."""
    detector = detector or FaceDetector(default_card("face_detection_full"))
    times, centres = face_centres(source, start, end, detector)
    return crop_path(times, centres, end - start, source_width, source_height)
