"""Panel statistics on viewer grids, as facial-coding tools report them.

- **Per-viewer normalisation** (on by default): each viewer's signal minus their own baseline
  (the median over their session), divided by their own spread (1.4826 × MAD, at least 0.05).
  People differ in resting face and in how much they show (Joho et al. 2011); a z-score says
  how far a viewer is from *their* usual face.
- **Mean curve with a 95% confidence band** across the viewers with data in each bin
  (Student's t on the between-viewer spread).
- **Share of viewers expressing** an emotion per bin: those above a threshold on the
  normalised score (or on the raw probability when normalisation is off), out of those with
  data. **Attention share** likewise on raw attention.
- **Agreement per window**: the mean pairwise correlation between viewers' curves inside a
  sliding window (inter-subject correlation), per emotion. It is computed without pairs:
  for series z-scored inside the window, the mean over pairs of ``<z_i, z_j> / L`` equals
  ``(|Σ z_i|² − Σ |z_i|²) / (n (n − 1) L)``, so a thousand viewers cost a thousand rows.
- **Group comparison**: the difference of two groups' mean curves with a 95% band (Welch).
- **Panel peaks** come from the share curves and carry N and the share of viewers. A peak
  needs ``min_viewers`` (5) viewers with data behind it: below that one viewer moves the share
  by 25 points or more (two viewers made a "50%" peak of one face), while at 5 the default
  share of 30% already takes two viewers expressing at once. Peaks that pass every other test
  but this one are *thin*: not reported, only counted (``panel_peaks(..., thin=True)``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import signal as sp_signal
from scipy import stats as sp_stats

from shortory_core.panel.grids import SIGNALS, PanelGrids
from shortory_core.records import PRODUCT_EMOTIONS

MIN_SPREAD = 0.05
HEATMAP_ROWS = 200  # viewers shown one row each; above, the heatmap is a summary
OUTLIERS, BANDS = 20, 20


@dataclass(frozen=True)
class PanelOptions:
    normalise: bool = True
    threshold: float = 1.5  # z (normalised) or probability (raw) above which one "expresses"
    raw_threshold: float = 0.5
    attention_threshold: float = 0.5
    window_s: float = 10.0
    min_share: float = 0.3  # a panel peak needs at least this share of viewers
    min_viewers: int = 5  # ...and at least this many viewers with data at that moment


@dataclass
class PanelCurves:
    t: np.ndarray
    n: np.ndarray  # viewers with data per bin
    mean: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    share: dict[str, np.ndarray]  # per emotion, and "attention"
    viewers: int
    duration: float | None = None  # the video's, where ``t`` covers only part of it

    def frame(self) -> pd.DataFrame:
        """One row per bin: n, and mean / 95% band / share of every signal."""
        data: dict[str, np.ndarray] = {"video_time": np.round(self.t, 3), "n": self.n}
        for name in self.mean:
            data[f"{name}_mean"] = self.mean[name]
            data[f"{name}_low"] = self.low[name]
            data[f"{name}_high"] = self.high[name]
            data[f"{name}_share"] = self.share[name]
        return pd.DataFrame(data)


@dataclass(frozen=True)
class PanelPeak:
    time: float
    emotion: str
    share: float  # of the viewers with data then
    n: int
    mean: float

    def as_dict(self) -> dict:
        return {"time": round(self.time, 2), "emotion": self.emotion,
                "share": round(self.share, 3), "n": self.n, "mean": round(self.mean, 3)}


@dataclass
class Agreement:
    windows: pd.DataFrame  # start, end, emotion, agreement, n; best first
    per_emotion: dict[str, np.ndarray] = field(default_factory=dict)  # per window


def normalise(grids: PanelGrids) -> np.ndarray:
    """Each viewer's emotions as z-scores against their own median and spread; attention is
    left as it is (it is already a 0–1 measure meant to be compared across viewers).
    Computed once per grids (kept in ``grids.normalised``): options and sliders change far
    more often than the data, and at 10,000 viewers the medians are most of a change's cost."""
    if grids.normalised is not None:
        return grids.normalised
    values = grids.values.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for s, name in enumerate(grids.columns):
            if name == "attention":
                continue
            rows = values[s]
            baseline = row_medians(rows)
            spread = 1.4826 * row_medians(np.abs(rows - baseline))
            values[s] = (rows - baseline) / np.maximum(np.nan_to_num(spread), MIN_SPREAD)
    grids.normalised = values
    return values


def row_medians(rows: np.ndarray) -> np.ndarray:
    """``np.nanmedian(rows, axis=1, keepdims=True)`` by one sort (NaNs sort last): NumPy's
    goes row by row in Python once rows are long, seconds at 10,000 viewers."""
    ordered = np.sort(rows, axis=1)
    n = np.isfinite(rows).sum(axis=1, keepdims=True)
    lo = np.take_along_axis(ordered, np.maximum((n - 1) // 2, 0), axis=1)
    hi = np.take_along_axis(ordered, np.maximum(n // 2, 0) - (n == 0), axis=1)
    return np.where(n > 0, (lo + hi) / 2, np.nan)


def curves(grids: PanelGrids, options: PanelOptions | None = None) -> PanelCurves:
    """Mean, 95% band and share of viewers for every signal, over the grids' viewers. Only
    the shares follow the thresholds: the means and bands are computed once per grids (and
    normalising), and a slider change reuses them (at 10,000 viewers they were most of it)."""
    options = options or PanelOptions()
    values = normalise(grids) if options.normalise else grids.values  # no copy: compared
    key = ("curves", options.normalise)
    if key not in grids.derived:
        grids.derived[key] = _spreads(values)
    counts, mean, low, high = grids.derived[key]
    raw_attention = grids.signal("attention")
    n = np.isfinite(values[SIGNALS.index("attention")]).sum(axis=0)
    share = {}
    for s, name in enumerate(SIGNALS):
        rows, count = values[s], counts[name]
        if name == "attention":
            above = raw_attention > options.attention_threshold
        else:
            above = rows > (options.threshold if options.normalise else options.raw_threshold)
        share[name] = np.where(count > 0, (above & np.isfinite(rows)).sum(axis=0)
                               / np.maximum(count, 1), np.nan)
    return PanelCurves(grids.t, n, mean, low, high, share, values.shape[1], grids.duration)


def _spreads(values: np.ndarray) -> tuple[dict[str, np.ndarray], ...]:
    """Per signal: how many viewers have data in each bin, their mean, and its 95% band."""
    counts, mean, low, high = {}, {}, {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for s, name in enumerate(SIGNALS):
            rows = values[s].astype(np.float64)
            count = np.isfinite(rows).sum(axis=0)
            mu = np.nanmean(rows, axis=0)
            sd = np.nanstd(rows, axis=0, ddof=1)
            half = sp_stats.t.ppf(0.975, np.maximum(count - 1, 1)) * sd / np.sqrt(
                np.maximum(count, 1))
            half = np.where(count >= 2, half, np.nan)
            counts[name], mean[name], low[name], high[name] = count, mu, mu - half, mu + half
    return counts, mean, low, high


def agreement(grids: PanelGrids, options: PanelOptions | None = None) -> Agreement:
    """Inter-viewer agreement per emotion in windows of ``window_s`` (half-overlapping), from
    viewers with data in at least 80% of the window; windows ranked best first by their most
    agreed-on emotion."""
    options = options or PanelOptions()
    key = ("agreement", options.window_s)
    if key not in grids.derived:  # it depends on the window alone, not on thresholds
        grids.derived[key] = _agreement(grids, options.window_s)
    return grids.derived[key]


def _agreement(grids: PanelGrids, window_s: float) -> Agreement:
    length = max(round(window_s / grids.step), 3)
    hop = max(length // 2, 1)
    bins = len(grids.t)
    # windows sit at multiples of the hop in video time, wherever the grid starts: the same
    # viewers give the same windows whether the grid spans the video or only their samples
    first = -round(float(grids.t[0]) / grids.step - 0.5) % hop if bins else 0
    first = first if first + length <= bins else 0
    starts = np.arange(first, max(bins - length + 1, first + 1), hop)
    records = []
    per_emotion: dict[str, np.ndarray] = {}
    for emotion in PRODUCT_EMOTIONS:
        rows = grids.signal(emotion).astype(np.float64)
        found = np.full(len(starts), np.nan)
        counts = np.zeros(len(starts), np.int64)
        for w, start in enumerate(starts):
            block = rows[:, start:start + length]
            if block.shape[1] < 3:
                continue
            found[w], counts[w] = _window_isc(block)
        per_emotion[emotion] = found
        for w, start in enumerate(starts):
            if np.isfinite(found[w]):
                records.append((grids.t[start] - grids.step / 2,
                                grids.t[min(start + length, bins) - 1] + grids.step / 2,
                                emotion, float(found[w]), int(counts[w])))
    frame = pd.DataFrame(records, columns=["start", "end", "emotion", "agreement", "n"])
    if not frame.empty:
        frame = (frame.sort_values("agreement", ascending=False)
                 .drop_duplicates(["start"]).reset_index(drop=True))
    return Agreement(frame, per_emotion)


def _window_isc(block: np.ndarray) -> tuple[float, int]:
    """Mean pairwise Pearson correlation of the rows of ``block`` (viewers × bins) that have
    ≥ 80% data and some variation; (NaN, n) when fewer than two such viewers."""
    complete = np.isfinite(block).mean(axis=1) >= 0.8
    rows = block[complete]
    if len(rows) < 2:
        return float("nan"), len(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nanmean(rows, axis=1, keepdims=True)
        filled = np.where(np.isfinite(rows), rows, means)
        centred = filled - filled.mean(axis=1, keepdims=True)
        norms = np.sqrt((centred ** 2).sum(axis=1, keepdims=True))
    moving = norms[:, 0] > 1e-9
    z = centred[moving] / norms[moving]
    n = len(z)
    if n < 2:
        return float("nan"), int(n)
    total = z.sum(axis=0)
    return float((total @ total - n) / (n * (n - 1))), int(n)


@dataclass
class GroupDifference:
    a: str
    b: str
    n_a: int
    n_b: int
    t: np.ndarray
    difference: dict[str, np.ndarray]  # mean(a) − mean(b)
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]

    def frame(self) -> pd.DataFrame:
        data: dict[str, np.ndarray] = {"video_time": np.round(self.t, 3)}
        for name in self.difference:
            data[f"{name}_diff"] = self.difference[name]
            data[f"{name}_low"] = self.low[name]
            data[f"{name}_high"] = self.high[name]
        return pd.DataFrame(data)


def group_difference(grids: PanelGrids, a: str, b: str, options: PanelOptions | None = None
                     ) -> GroupDifference:
    """Group ``a``'s mean curve minus group ``b``'s, with a 95% band (Welch's t)."""
    options = options or PanelOptions()
    values = normalise(grids) if options.normalise else grids.values.astype(np.float64)
    groups = np.array([q.group for q in grids.quality])
    in_a, in_b = groups == a, groups == b
    difference, low, high = {}, {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for s, name in enumerate(SIGNALS):
            xa, xb = values[s][in_a], values[s][in_b]
            na, nb = np.isfinite(xa).sum(0), np.isfinite(xb).sum(0)
            va = np.nanvar(xa, axis=0, ddof=1) / np.maximum(na, 1)
            vb = np.nanvar(xb, axis=0, ddof=1) / np.maximum(nb, 1)
            se = np.sqrt(va + vb)
            dof = (va + vb) ** 2 / (va ** 2 / np.maximum(na - 1, 1)
                                    + vb ** 2 / np.maximum(nb - 1, 1))
            half = sp_stats.t.ppf(0.975, np.maximum(np.nan_to_num(dof, nan=1.0), 1.0)) * se
            diff = np.nanmean(xa, axis=0) - np.nanmean(xb, axis=0)
            half = np.where((na >= 2) & (nb >= 2), half, np.nan)
            difference[name], low[name], high[name] = diff, diff - half, diff + half
    return GroupDifference(a, b, int(in_a.sum()), int(in_b.sum()), grids.t, difference, low,
                           high)


def panel_peaks(panel: PanelCurves, options: PanelOptions | None = None,
                min_gap_s: float = 5.0, top_k: int = 5, *, thin: bool = False
                ) -> list[PanelPeak]:
    """The moments most viewers expressed each emotion: peaks of its share curve, at least
    ``min_share`` of the viewers with data and ``min_viewers`` of them; best first. With
    ``thin``, instead the peaks that fall short only of ``min_viewers`` (what a page says it
    left out)."""
    options = options or PanelOptions()
    step = float(panel.t[1] - panel.t[0]) if len(panel.t) > 1 else 1.0
    found: list[PanelPeak] = []
    for emotion in PRODUCT_EMOTIONS:
        share = np.nan_to_num(panel.share[emotion])
        # a zero beyond each end: the panel's strongest moment may be its first or last second
        # of data, which find_peaks alone never calls a peak
        index, _ = sp_signal.find_peaks(np.concatenate(([0.0], share, [0.0])),
                                        height=options.min_share,
                                        distance=max(int(min_gap_s / step), 1),
                                        prominence=0.1)
        index = [i for i in index - 1 if (panel.n[i] >= options.min_viewers) != thin]
        best = sorted(index, key=lambda i: -share[i])[:top_k]
        found += [PanelPeak(float(panel.t[i]), emotion, float(share[i]), int(panel.n[i]),
                            float(panel.mean[emotion][i])) for i in best]
    return sorted(found, key=lambda p: (-p.share, p.time))


def heatmap(grids: PanelGrids, emotion: str, normalised: bool = True,
            max_rows: int = HEATMAP_ROWS) -> pd.DataFrame:
    """Viewers × time of one signal (rows named by viewer and session), for spotting
    outliers. Above ``max_rows`` viewers (a chart of 10,000 rows is 6 million cells that no
    one can read) it is a summary, said in ``frame.attrs["summary"]``: the ``OUTLIERS`` viewers
    farthest from the panel's typical curve, one row each, then the others in ``BANDS`` bands
    of viewers at a similar level, each row the band's mean."""
    key = ("heatmap", emotion, normalised, max_rows)
    if key not in grids.derived:  # no slider changes it
        grids.derived[key] = _heatmap(grids, emotion, normalised, max_rows)
    return grids.derived[key]


def _heatmap(grids: PanelGrids, emotion: str, normalised: bool, max_rows: int) -> pd.DataFrame:
    values = normalise(grids) if normalised else grids.values
    rows = values[grids.columns.index(emotion)]
    names = [f"{q.viewer} #{q.session_id}" for q in grids.quality]
    times = np.round(grids.t, 2)
    if len(rows) <= max_rows:
        return pd.DataFrame(rows, index=names, columns=times)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        typical = row_medians(rows.T)[:, 0]
        distance = np.nanmean(np.abs(rows - typical), axis=1)
        level = np.nanmean(rows, axis=1)
        outliers = np.argsort(np.nan_to_num(distance, nan=-np.inf))[::-1][:OUTLIERS]
        rest = np.setdiff1d(np.arange(len(rows)), outliers)
        rest = rest[np.argsort(np.nan_to_num(level[rest], nan=np.inf), kind="stable")]
        bands = [band for band in np.array_split(rest, BANDS) if len(band)]
        summary = np.vstack([rows[outliers], *(np.nanmean(rows[b], axis=0) for b in bands)])
    labels = [f"outlier: {names[v]}" for v in outliers] + [
        f"band {k + 1} of {len(bands)}: {len(b):,} viewers (mean)"
        for k, b in enumerate(bands)]
    frame = pd.DataFrame(summary, index=labels, columns=times)
    frame.attrs["summary"] = (
        f"{len(rows):,} viewers: the {len(outliers)} farthest from the typical curve one by "
        f"one, the other {len(rest):,} in {len(bands)} bands by level (each row a band's mean)")
    return frame
