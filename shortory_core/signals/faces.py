"""The viewers' faces as signals: each product emotion and attention as the mean over the
included viewers, and how many viewers there are at each moment.

Each viewer is binned first and the viewers are averaged after (``SignalSource.viewer_columns``),
so a viewer who was sampled more often does not count more.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.signals.signal import Signal, SignalSource

# The Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
EMOTION_COLOURS = {"happy": "#F0E442", "sad": "#0072B2", "angry": "#D55E00",
                   "neutral": "#999999", "surprise": "#CC79A7"}


@dataclass(frozen=True)
class PanelMean:
    """The mean of one sample column over the viewers who have data in each bin (a class, not
    a closure, so that a timeline holding it can be cached by pickling)."""

    column: str

    def __call__(self, source: SignalSource) -> np.ndarray:
        per_viewer = source.viewer_columns(self.column)
        if not len(per_viewer):
            return np.full(len(source.t), np.nan)
        with warnings.catch_warnings():  # bins no viewer watched stay NaN, silently
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(per_viewer, axis=0)


def viewer_count(source: SignalSource) -> np.ndarray:
    per_viewer = source.viewer_columns("attention")
    return np.isfinite(per_viewer).sum(axis=0) if len(per_viewer) else np.zeros(len(source.t))


def _emotion(name: str) -> Signal:
    neutral = name == "neutral"
    return Signal(
        name, name, EMOTION_COLOURS[name], "emotions",
        f"Mean probability of {name} over the viewers watching (0–1)."
        + (" In the fused score it counts as emotional intensity, 1 − neutral." if neutral
           else ""),
        PanelMean(name), weight=1.0 if neutral else None,
        weight_label="Emotion intensity (1 − neutral)" if neutral else "",
        scale="inverse" if neutral else "level", sample_column=name)


SIGNALS = (
    *(_emotion(e) for e in PRODUCT_EMOTIONS),
    Signal("attention", "attention", "#009E73", "attention",
           "How attentive the viewers were: head towards the screen, eyes open, gaze (0–1).",
           PanelMean("attention"), weight=0.5, sample_column="attention"),
    Signal("viewers", "viewers", "#7F7F7F", "viewers",
           "How many viewers' faces were read at each moment (the panel's included viewers).",
           viewer_count, style="area", unit=" viewers"),
)
