"""Peaks of YouTube's "Most replayed" graph: a second crowd signal beside comment moments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from shortory_core.records import HeatPoint


@dataclass(frozen=True)
class HeatPeak:
    time: float  # centre of the peak bucket, in video seconds
    value: float  # 0..1, as YouTube normalises it
    prominence: float


def heatmap_peaks(points: list[HeatPoint], prominence: float = 0.1, top_k: int = 5
                  ) -> list[HeatPeak]:
    """The ``top_k`` most prominent replay peaks, highest first.

    Prominence (how far a peak stands above the valleys around it) rather than height: the
    graph is often high for the whole first minute, and that is not a moment.
    """
    if len(points) < 3:
        return []
    values = np.array([p.value for p in points], dtype=float)
    padded = np.concatenate([[0.0], values, [0.0]])  # a peak in the first bucket counts too
    indices, props = find_peaks(padded, prominence=prominence)
    peaks = [
        HeatPeak((points[i - 1].start + points[i - 1].end) / 2, float(padded[i]), float(p))
        for i, p in zip(indices, props["prominences"], strict=True)
    ]
    peaks.sort(key=lambda p: (-p.prominence, -p.value))
    return peaks[:top_k]
