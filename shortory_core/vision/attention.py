"""Attention in [0, 1] from face landmarks, as viewer-interest research measures it.

    attention = face_present × head × eyes × gaze

Each component is in [0, 1] and exposed on its own; a product, because any one of them failing
(head turned away, eyes shut, looking off-screen) means the viewer is not watching.

head   From yaw and pitch (degrees) of the face mesh's own 3-D frame: the line between the
       cheeks (mesh points 234 → 454) and the line forehead → chin (10 → 152). A frontal face
       has neither tilted in depth. Full score within ±``HEAD_FREE_DEG`` (looking at a screen
       from a normal seat), falling linearly to 0 over the next ``HEAD_FALLOFF_DEG``.
eyes   The eye aspect ratio (EAR: eyelid gap over eye width, mean of both eyes) below
       ``EAR_CLOSED`` means closed; anything above, a squint or a laugh included, is open
       (1). Over time: a closure shorter than ``BLINK_S`` is a blink and costs nothing;
       longer, the score falls linearly to 0 at ``CLOSED_ZERO_S`` of continuous closure.
gaze   The iris centre's horizontal position between the eye corners, −1 (outer) … +1
       (inner), mean of both eyes, mirrored so that both measure the same direction. Full
       score within ±``GAZE_FREE``, falling to 0 at ±``GAZE_ZERO``. Without the iris model
       (when speed matters) gaze is unknown and counts as 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shortory_core.vision.face_mesh import LEFT_EYE, RIGHT_EYE

HEAD_FREE_DEG = 20.0
HEAD_FALLOFF_DEG = 25.0
EAR_CLOSED = 0.12
BLINK_S = 0.4
CLOSED_ZERO_S = 2.0
GAZE_FREE = 0.35
GAZE_ZERO = 0.9


@dataclass(frozen=True)
class AttentionReading:
    attention: float
    head: float
    eyes: float
    gaze: float | None
    yaw: float
    pitch: float
    ear: float


def _falloff(value: float, free: float, zero: float) -> float:
    """1 inside ±free, 0 beyond ±zero, linear between."""
    excess = abs(value) - free
    return float(np.clip(1.0 - excess / (zero - free), 0.0, 1.0)) if excess > 0 else 1.0


def head_angles(points: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) in degrees from mesh points (468, 3); 0, 0 faces the camera."""
    across = points[454] - points[234]
    down = points[152] - points[10]
    yaw = math.degrees(math.atan2(across[2], math.hypot(across[0], across[1])))
    pitch = math.degrees(math.atan2(-down[2], math.hypot(down[0], down[1])))
    return yaw, pitch


def eye_aspect_ratio(points: np.ndarray) -> float:
    """Mean EAR of both eyes: eyelid gaps over eye width (about 0.3 open, under 0.12 shut)."""
    ratios = []
    for eye in (RIGHT_EYE, LEFT_EYE):
        width = np.linalg.norm(points[eye["outer"], :2] - points[eye["inner"], :2])
        gaps = [np.linalg.norm(points[t, :2] - points[b, :2])
                for t, b in zip(eye["top"], eye["bottom"], strict=True)]
        ratios.append(float(np.mean(gaps) / max(width, 1e-6)))
    return float(np.mean(ratios))


def iris_offset(outer: np.ndarray, inner: np.ndarray, iris: np.ndarray) -> float:
    """Iris position along the eye: −1 at the outer corner, +1 at the inner, 0 centred."""
    axis = inner[:2] - outer[:2]
    t = float(np.dot(iris - outer[:2], axis) / max(float(np.dot(axis, axis)), 1e-6))
    return 2.0 * t - 1.0


class AttentionTracker:
    """Turns per-frame landmarks into attention; remembers how long the eyes have been shut."""

    def __init__(self) -> None:
        self._closed_since: float | None = None

    def reset(self) -> None:
        self._closed_since = None

    def absent(self) -> AttentionReading:
        """No face: attention 0 (and an eye closure in progress is forgotten)."""
        self._closed_since = None
        return AttentionReading(0.0, 0.0, 0.0, None, 0.0, 0.0, 0.0)

    def update(self, t: float, points: np.ndarray, gaze_offsets: list[float] | None
               ) -> AttentionReading:
        yaw, pitch = head_angles(points)
        head = (_falloff(yaw, HEAD_FREE_DEG, HEAD_FREE_DEG + HEAD_FALLOFF_DEG)
                * _falloff(pitch, HEAD_FREE_DEG, HEAD_FREE_DEG + HEAD_FALLOFF_DEG))
        ear = eye_aspect_ratio(points)
        eyes = self._eyes(t, ear)
        gaze = None
        if gaze_offsets:
            # the two eyes' inner corners face opposite ways: flip one so both say "left"
            direction = (gaze_offsets[0] - gaze_offsets[1]) / 2 if len(gaze_offsets) == 2 \
                else gaze_offsets[0]
            gaze = _falloff(direction, GAZE_FREE, GAZE_ZERO)
        attention = head * eyes * (gaze if gaze is not None else 1.0)
        return AttentionReading(attention, head, eyes, gaze, yaw, pitch, ear)

    def _eyes(self, t: float, ear: float) -> float:
        if ear >= EAR_CLOSED:
            self._closed_since = None
            return 1.0
        if self._closed_since is None:
            self._closed_since = t
        closed_for = t - self._closed_since
        if closed_for <= BLINK_S:
            return 1.0
        return float(np.clip(1.0 - (closed_for - BLINK_S) / (CLOSED_ZERO_S - BLINK_S), 0, 1))
