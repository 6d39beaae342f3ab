"""The crowd as signals: how often comments point at each moment, and YouTube's "Most
replayed" graph."""

from __future__ import annotations

import numpy as np

from shortory_core.signals.signal import Signal, SignalSource
from shortory_core.signals.stored_mentions import project_mentions


def mention_rate(source: SignalSource) -> np.ndarray:
    """Comment mentions per second of video, on the grid (the stored time references)."""
    duration = source.video.duration if source.video else None
    seconds = project_mentions(source.store, source.project_id, duration or None).seconds
    if not len(seconds):
        return np.zeros(len(source.t))
    index = np.clip((seconds / source.step).astype(int), 0, len(source.t) - 1)
    return np.bincount(index, minlength=len(source.t)) / source.step


def replay_values(source: SignalSource) -> np.ndarray:
    """The "Most replayed" value (0–1) spread over its buckets; NaN where unknown."""
    values = np.full(len(source.t), np.nan)
    for point in source.video.heatmap if source.video else []:
        values[(source.t >= point.start) & (source.t < point.end)] = point.value
    return values


SIGNALS = (
    Signal("comments", "comment mentions / s", "#56B4E9", "comment mentions / s",
           "Timestamps in comments pointing at each moment, per second of video.",
           mention_rate, weight=1.0, weight_label="Comments", scale="rate", style="bar",
           unit="/s"),
    Signal("heatmap", "most replayed", "#56B4E9", "most replayed",
           "YouTube's \"Most replayed\" graph (0–1), when the video came from YouTube.",
           replay_values, weight=0.5, weight_label="Most replayed", style="area"),
)
