"""Speech as a signal: where words are spoken, from the transcripts a project has already.

Read from the transcript cache only: a slider move never starts the speech model. A part of
the video nobody has transcribed yet is NaN (unknown), not silence. Not fused by default:
talking is what most videos do most of the time, so it says where a short may cut (its
pauses), not where the audience reacted.
"""

from __future__ import annotations

import numpy as np

from shortory_core.signals.signal import Signal, SignalSource
from shortory_core.speech.cache import stored_transcripts


def spoken_share(source: SignalSource) -> np.ndarray:
    """The share (0–1) of each grid bin covered by spoken words; NaN outside every
    transcribed range."""
    t, step = source.t, source.step
    lows, highs = t - step / 2, t + step / 2
    covered = np.zeros(len(t))
    known = np.zeros(len(t), bool)
    for piece in stored_transcripts(source.store, source.project_id):
        known |= (t >= piece.start) & (t < piece.end)
        for word in piece.words:
            first = max(int((word.start - lows[0]) // step), 0)
            last = min(int((word.end - lows[0]) // step), len(t) - 1)
            if last < first:
                continue
            bins = slice(first, last + 1)
            overlap = np.minimum(highs[bins], word.end) - np.maximum(lows[bins], word.start)
            covered[bins] += np.clip(overlap, 0.0, None)
    return np.where(known, np.clip(covered / step, 0.0, 1.0), np.nan)


SIGNALS = (
    Signal("speech", "speech", "#E69F00", "speech",
           "The share of each moment covered by spoken words (from the transcripts made so "
           "far; blank where the video is not transcribed yet).", spoken_share, style="area"),
)
