"""The video-time grid every signal is put on, and the arithmetic done on it.

One binning function serves the studio's timeline and the panel alike (``bin_means``), so a
viewer's samples mean the same thing on every page; only the step differs (0.1 s for the
studio's peaks, 1 s for the panel's shares).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

HOLD_S = 1.0  # a viewer's samples stand for the bins between them up to this gap


def grid(duration: float, step: float) -> np.ndarray:
    """Bin centres covering ``duration`` seconds of video."""
    return (np.arange(max(int(np.ceil(duration / step)), 1)) + 0.5) * step


def bin_means(times: np.ndarray, columns: np.ndarray, bins: int, step: float) -> np.ndarray:
    """The mean of each column of ``columns`` (samples × columns) per bin of ``step`` seconds,
    with gaps of up to ``HOLD_S`` between samples bridged (samples come every 0.2 s or so, and
    a row of holes between two of them is not an absence); NaN where there is no data.
    Returns columns × bins."""
    out = np.full((columns.shape[1], bins), np.nan, np.float32)
    if not len(times):
        return out
    index = np.clip((times / step).astype(np.int64), 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    limit = int(HOLD_S / step)
    for c in range(columns.shape[1]):
        sums = np.bincount(index, weights=np.nan_to_num(columns[:, c]), minlength=bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[c] = bridge_gaps(np.where(counts > 0, sums / np.maximum(counts, 1), np.nan),
                                 limit)
    return out


def bridge_gaps(values: np.ndarray, limit: int) -> np.ndarray:
    """Fill runs of at most ``limit`` empty bins between two filled ones, linearly."""
    finite = np.isfinite(values)
    if limit < 1 or finite.sum() < 2:
        return values
    index = np.arange(len(values))
    left = np.maximum.accumulate(np.where(finite, index, -1))  # last filled bin at or before
    right = np.minimum.accumulate(np.where(finite, index, len(values))[::-1])[::-1]
    bridge = ~finite & (left >= 0) & (right < len(values)) & (right - left <= limit + 1)
    out = values.copy()
    out[bridge] = np.interp(index[bridge], index[finite], values[finite])
    return out


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """NaN-aware moving average: gaps stay gaps, edges of data are not pulled to zero."""
    if window <= 1:
        return values.copy()
    finite = np.isfinite(values)
    total = uniform_filter1d(np.where(finite, values, 0.0), window, mode="constant")
    weight = uniform_filter1d(finite.astype(float), window, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(finite, total / weight, np.nan)
