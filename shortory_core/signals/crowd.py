"""The crowd as signals: how often comments point at each moment, and YouTube's "Most
replayed" graph."""

from __future__ import annotations

import numpy as np

from shortory_core.signals.signal import Signal, SignalSource
from shortory_core.signals.stored_mentions import project_mentions

RATE_WINDOW_S = 5.0
RATE_LABEL = f"comment mentions / s ({RATE_WINDOW_S:g} s average)"


def mention_rate(source: SignalSource) -> np.ndarray:
    """Comment mentions per second of video, averaged over ``RATE_WINDOW_S``, on the grid.

    A mention names a whole second, so it stands for that second, spread evenly over the
    ``RATE_WINDOW_S`` around it (clipped to the video): the values read in mentions per
    second whatever the grid's step, and they add up to the mentions (sum × step). Putting
    each mention on one 0.1 s bin instead made one mention read 10/s."""
    duration = source.video.duration if source.video else None
    seconds = project_mentions(source.store, source.project_id, duration or None).seconds
    return spread_rate(seconds + 0.5, len(source.t), source.step, RATE_WINDOW_S)


def spread_rate(times: np.ndarray, bins: int, step: float, window: float) -> np.ndarray:
    """Events at ``times`` (s) as a rate per second on ``bins`` bins of ``step`` seconds, each
    event spread evenly over the ``window`` seconds around it (the part inside the grid), so
    the rate integrates to the number of events."""
    if not len(times):
        return np.zeros(bins)
    lo = np.clip(np.round((times - window / 2) / step).astype(np.int64), 0, bins - 1)
    hi = np.clip(np.round((times + window / 2) / step).astype(np.int64), lo + 1, bins)
    height = 1.0 / ((hi - lo) * step)
    change = (np.bincount(lo, weights=height, minlength=bins + 1)
              - np.bincount(hi, weights=height, minlength=bins + 1))
    return np.cumsum(change)[:bins]


def replay_values(source: SignalSource) -> np.ndarray:
    """The "Most replayed" value (0–1) spread over its buckets; NaN where unknown."""
    values = np.full(len(source.t), np.nan)
    for point in source.video.heatmap if source.video else []:
        values[(source.t >= point.start) & (source.t < point.end)] = point.value
    return values


SIGNALS = (
    Signal("comments", RATE_LABEL, "#56B4E9", RATE_LABEL,
           "Timestamps in comments pointing at each moment, in mentions per second of video, "
           f"averaged over {RATE_WINDOW_S:g} s (chapter lists are chapters, not mentions).",
           mention_rate, weight=1.0, weight_label="Comments", scale="rate", style="area",
           unit="/s"),
    Signal("heatmap", "most replayed", "#56B4E9", "most replayed",
           "YouTube's \"Most replayed\" graph (0–1), when the video came from YouTube.",
           replay_values, weight=0.5, weight_label="Most replayed", style="area"),
)
