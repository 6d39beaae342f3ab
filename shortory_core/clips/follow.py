"""Where a window sits along one axis over time, as a camera operator would move it.

A crop that tracks every detection jitters: the detector's box wanders by a few pixels from one
look to the next, and a speaker sways. So the window holds still while the face stays in its
middle part (the dead zone, ``DEAD_ZONE`` of the window either side of its centre) and moves
only once the face leaves it; then it glides towards the face with bounded speed and
acceleration, and holds again once the face is back near the centre. A still shot therefore
gives one fixed position, and a face walking across gives a steady pan that keeps it inside.

The whole span is known before rendering, so the first hold sits where the face is through the
opening stretch rather than where it happened to be in the first look.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

DEAD_ZONE = 0.25  # the face centre may roam ±25% of the window before it moves
SETTLE = 0.04  # a glide ends once the face is this close to the centre (fraction of the window)
GAIN = 3.0  # per second: how fast the window closes the gap while gliding
MAX_SPEED = 0.7  # windows per second
MAX_ACCEL = 1.5  # windows per second²
STEP_S = 0.05  # the glide is worked out on this grid and read back at the look times
MEDIAN_LOOKS = 5  # one stray detection (another face, a hand) is outvoted by its neighbours


def steady_target(centres: np.ndarray) -> np.ndarray | None:
    """Face centres with gaps filled from their neighbours (held at the ends) and single stray
    looks removed by a running median; ``None`` when no face was seen at all."""
    seen = np.isfinite(centres)
    if not seen.any():
        return None
    index = np.arange(len(centres))
    filled = np.interp(index, index[seen], centres[seen])
    if len(filled) < MEDIAN_LOOKS:
        return filled
    half = MEDIAN_LOOKS // 2
    padded = np.pad(filled, half, mode="edge")
    return np.median(sliding_window_view(padded, MEDIAN_LOOKS), axis=1)


def glide(times: np.ndarray, centres: np.ndarray, window: float, extent: float) -> np.ndarray:
    """The window's leading edge (left or top, in pixels) at each of ``times`` for a window of
    length ``window`` over an axis of length ``extent``, following the face ``centres``
    (pixels, NaN where no face was seen). No face at all: the window stays centred."""
    lowest, highest = window / 2, extent - window / 2
    target = steady_target(centres)
    if target is None or highest <= lowest:
        return np.full(len(times), (extent - window) / 2)
    fine = np.arange(times[0], times[-1] + STEP_S / 2, STEP_S) if len(times) > 1 else times
    goal = np.interp(fine, times, target)
    dead, settle = DEAD_ZONE * window, SETTLE * window
    max_speed, max_step = MAX_SPEED * window, MAX_ACCEL * window * STEP_S
    centre = float(np.clip(_opening_hold(goal, dead), lowest, highest))
    speed, moving = 0.0, False
    path = np.empty(len(fine))
    for i, aim in enumerate(goal):
        gap = aim - centre
        if not moving and abs(gap) > dead:
            moving = True
        elif moving and abs(gap) < settle:
            moving, speed = False, 0.0
        wanted = float(np.clip(GAIN * gap, -max_speed, max_speed)) if moving else 0.0
        speed += float(np.clip(wanted - speed, -max_step, max_step))
        centre += speed * STEP_S
        if not lowest <= centre <= highest:  # at the frame's edge: stop there
            centre, speed = float(np.clip(centre, lowest, highest)), 0.0
        path[i] = centre
    return np.interp(times, fine, path) - window / 2


def _opening_hold(goal: np.ndarray, dead: float) -> float:
    """The middle of the longest opening stretch whose face positions all fit in the dead
    zone: a still speaker then never makes the window move at all."""
    low = high = float(goal[0])
    for value in goal[1:]:
        if max(high, value) - min(low, value) > 2 * dead:
            break
        low, high = min(low, value), max(high, value)
    return (low + high) / 2
