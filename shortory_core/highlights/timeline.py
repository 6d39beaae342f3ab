"""Every signal of a project on one grid of video time: the studio only ever joins timelines.

Reaction samples of all viewers are binned onto the grid (``step`` seconds) and averaged, first
per viewer and bin, then across viewers, so a viewer who was sampled more often does not count
more. Comment mentions become a density per second, the "Most replayed" heatmap is spread over
its buckets. A value is NaN where its signal has no data (no viewer watched that part).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.signals.stored_mentions import project_mentions
from shortory_core.store import Store

DEFAULT_STEP_S = 0.1
HOLD_S = 1.0  # a viewer's samples stand for the bins between them up to this gap


@dataclass
class ProjectTimeline:
    t: np.ndarray  # bin centres, seconds of the source video
    emotions: dict[str, np.ndarray]  # mean probability across viewers (NaN: no data)
    attention: np.ndarray
    viewers: np.ndarray  # how many viewers have data in each bin
    comments: np.ndarray  # comment mentions per second
    heatmap: np.ndarray  # YouTube "Most replayed", 0..1 (NaN when unknown)

    @property
    def step(self) -> float:
        return float(self.t[1] - self.t[0]) if len(self.t) > 1 else DEFAULT_STEP_S


def grid(duration: float, step: float = DEFAULT_STEP_S) -> np.ndarray:
    return (np.arange(int(np.ceil(duration / step))) + 0.5) * step


def _bin_mean(times: np.ndarray, values: np.ndarray, bins: int, step: float) -> np.ndarray:
    """Mean of ``values`` per bin (NaN where a bin got nothing)."""
    index = np.clip((times / step).astype(int), 0, bins - 1)
    sums = np.bincount(index, weights=values, minlength=bins)
    counts = np.bincount(index, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def bridge_gaps(values: np.ndarray, limit: int) -> np.ndarray:
    """Fill runs of at most ``limit`` empty bins between two filled ones, linearly: samples
    come every 0.2 s (5/s) or so, bins every 0.1 s, and a row of holes is not an absence."""
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


def viewer_layers(samples: list[dict], bins: int, step: float) -> dict[str, np.ndarray]:
    """One viewer's samples (face found, not paused) binned per signal, short gaps bridged."""
    kept = [s for s in samples if s["face_found"] and not s["paused"]]
    if not kept:
        return {}
    times = np.array([s["video_time"] for s in kept], float)
    limit = int(HOLD_S / step)
    return {name: bridge_gaps(_bin_mean(times, np.array([s[name] for s in kept], float), bins,
                                    step), limit)
            for name in (*PRODUCT_EMOTIONS, "attention")}


def build_timeline(store: Store, project_id: int, step: float = DEFAULT_STEP_S,
                   session_ids: list[int] | None = None) -> ProjectTimeline:
    """The project's timeline; reactions of ``session_ids`` only when given (else all)."""
    video = store.get_video(project_id)
    duration = video.duration if video else 0.0
    t = grid(max(duration, step), step)
    bins = len(t)
    layers = [viewer_layers(store.samples(s["id"]), bins, step)
              for s in store.sessions(project_id)
              if session_ids is None or s["id"] in session_ids]
    layers = [layer for layer in layers if layer]

    def across(name: str) -> np.ndarray:
        if not layers:
            return np.full(bins, np.nan)
        with warnings.catch_warnings():  # bins no viewer watched stay NaN, silently
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(np.vstack([layer[name] for layer in layers]), axis=0)

    viewers = (np.vstack([np.isfinite(layer["attention"]) for layer in layers]).sum(0)
               if layers else np.zeros(bins, int))
    mentions = project_mentions(store, project_id, duration or None)
    seconds = mentions.seconds.astype(float)
    comments = (np.bincount(np.clip((seconds / step).astype(int), 0, bins - 1),
                            minlength=bins) / step if len(seconds) else np.zeros(bins))
    heatmap = np.full(bins, np.nan)
    for point in video.heatmap if video else []:
        heatmap[(t >= point.start) & (t < point.end)] = point.value
    return ProjectTimeline(
        t=t, emotions={e: across(e) for e in PRODUCT_EMOTIONS}, attention=across("attention"),
        viewers=viewers, comments=comments, heatmap=heatmap,
    )


def timeline_frame(timeline: ProjectTimeline, fused: np.ndarray | None = None) -> pd.DataFrame:
    """The timeline as a table, one row per bin (for CSV/Parquet export)."""
    frame = pd.DataFrame({"video_time": np.round(timeline.t, 3)})
    for emotion, values in timeline.emotions.items():
        frame[emotion] = values
    frame["attention"] = timeline.attention
    frame["viewers"] = timeline.viewers
    frame["comment_mentions_per_s"] = timeline.comments
    frame["most_replayed"] = timeline.heatmap
    if fused is not None:
        frame["fused_interest"] = fused
    return frame
