"""Peaks worth cutting, found with ``scipy.signal.find_peaks`` on the joined timeline.

Per emotion: each emotion's mean probability is smoothed and its peaks ranked by prominence
(how far a peak stands above the valleys around it), within that emotion only. A surprise
moment and a happy moment both surface; no emotion is favoured by a constant.

Fused interest: a weighted mean of the registered signals that have a weight, each scaled to
0..1 by its own ``Signal.interest`` (emotional intensity is 1 − neutral, comment density is
divided by its maximum…). A signal with no data at a time drops out of the mean there rather
than counting as zero, so a part nobody watched can still rank by its comments.

Comments: the moments viewers point at are ranked by ``comment_moments.find_moments``, the
one ranking the Crowd moments page shows too (same grouping window, same votes, one vote per
author when chosen), and become peaks of kind ``"comments"``. Peaks found on a smoothed rate
would rank a moment whose mentions are spread over a few seconds below one whose mentions sit
on one second, and the crowd's top moment could then be missing from the studio.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.signal import find_peaks

from shortory_core.highlights.timeline import ProjectTimeline
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.signals.comment_moments import MomentOptions, find_moments
from shortory_core.signals.grid import smooth
from shortory_core.signals.mentions import Mentions
from shortory_core.signals.registry import SIGNALS

EXPRESSIVE = tuple(e for e in PRODUCT_EMOTIONS if e != "neutral")


@dataclass(frozen=True)
class PeakOptions:
    smoothing_s: float = 2.0
    prominence: float = 0.1
    min_gap_s: float = 10.0
    top_k: int = 3  # per emotion, and for the fused score
    pad_s: float = 10.0  # clip = peak ± pad (a preset of 15/30/60 s sets pad to half)
    emotions: tuple[str, ...] = EXPRESSIVE
    weights: Mapping[str, float] = field(default_factory=SIGNALS.default_weights)
    # How comment moments are grouped and voted (window, one vote per author, likes); their
    # number and padding are ``top_k`` and ``pad_s``.
    comment_votes: MomentOptions = field(default_factory=MomentOptions)


@dataclass(frozen=True)
class Peak:
    time: float
    kind: str  # an emotion, or "fused"
    score: float  # the smoothed value at the peak
    prominence: float
    attention: float | None
    start: float
    end: float


def fused_score(timeline: ProjectTimeline, weights: Mapping[str, float], window: int = 1
                ) -> np.ndarray:
    """The fused interest score per bin: the mean of every weighted signal's interest,
    weighted, over the signals that have data there. Rates are smoothed over ``window`` bins
    before they are scaled to their maximum (raw mentions sit on single bins)."""
    total = np.zeros(len(timeline.t))
    weight = np.zeros(len(timeline.t))
    for signal in timeline.signals:
        w = weights.get(signal.name, signal.weight or 0.0)
        if signal.weight is None or w <= 0:
            continue
        values = signal.interest(timeline[signal.name], window)
        present = np.isfinite(values)
        total += np.where(present, w * np.nan_to_num(values), 0.0)
        weight += np.where(present, w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / weight, np.nan)


def _peaks(values: np.ndarray, kind: str, timeline: ProjectTimeline, options: PeakOptions
           ) -> list[Peak]:
    step = timeline.step
    series = smooth(values, max(round(options.smoothing_s / step), 1))
    filled = np.nan_to_num(series, nan=0.0)
    indices, props = find_peaks(filled, prominence=options.prominence,
                                distance=max(round(options.min_gap_s / step), 1))
    order = np.argsort(-props["prominences"])[:options.top_k]
    duration = float(timeline.t[-1] + step / 2)
    peaks = []
    for i in order:
        index = int(indices[i])
        time = float(timeline.t[index])
        attention = timeline.attention[index]
        peaks.append(Peak(
            time=time, kind=kind, score=float(filled[index]),
            prominence=float(props["prominences"][i]),
            attention=float(attention) if np.isfinite(attention) else None,
            start=max(time - options.pad_s, 0.0), end=min(time + options.pad_s, duration),
        ))
    return peaks


def find_highlights(timeline: ProjectTimeline, options: PeakOptions | None = None,
                    mentions: Mentions | None = None) -> list[Peak]:
    """Peaks of every chosen emotion, of the fused score and, given the project's
    ``mentions``, of the comments (``comment_peaks``), each list best first."""
    options = options or PeakOptions()
    peaks = []
    for emotion in options.emotions:
        peaks += _peaks(timeline.emotions[emotion], emotion, timeline, options)
    window = max(round(options.smoothing_s / timeline.step), 1)
    peaks += _peaks(fused_score(timeline, options.weights, window), "fused", timeline, options)
    if mentions is not None:
        peaks += comment_peaks(mentions, timeline, options)
    return peaks


def comment_peaks(mentions: Mentions, timeline: ProjectTimeline, options: PeakOptions
                  ) -> list[Peak]:
    """The top ``options.top_k`` comment moments as peaks of kind ``"comments"``, best first,
    ranked exactly as the Crowd moments page ranks them; a peak's score is its votes as a
    share of the top moment's (0–1, like the other peaks' scores)."""
    duration = float(timeline.t[-1] + timeline.step / 2)
    votes = replace(options.comment_votes, top_k=options.top_k, pad=options.pad_s)
    moments = find_moments(mentions, duration, votes)
    peaks = []
    for moment in moments:
        near = int(np.argmin(np.abs(timeline.t - moment.centre)))
        attention = timeline.attention[near]
        peaks.append(Peak(
            time=moment.centre, kind="comments", score=moment.score / moments[0].score,
            prominence=0.0, attention=float(attention) if np.isfinite(attention) else None,
            start=moment.start, end=moment.end))
    return peaks


def peak_at(timeline: ProjectTimeline, start: float, end: float) -> Peak:
    """A peak the user picked on the chart: a clicked time (``start == end``, padded by the
    caller) or a dragged span. It is filed under the emotion strongest over the span relative
    to the whole video, so a picked laugh lands with the happy clips."""
    inside = (timeline.t >= start) & (timeline.t <= end)
    if not inside.any():  # a span narrower than one bin: take the nearest bin
        inside[int(np.argmin(np.abs(timeline.t - (start + end) / 2)))] = True
    kind, score = "picked", 0.0
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lifts = {e: np.nanmean(timeline.emotions[e][inside]) - np.nanmean(timeline.emotions[e])
                 for e in EXPRESSIVE}
    known = {e: v for e, v in lifts.items() if np.isfinite(v)}
    if known:
        kind = max(known, key=known.__getitem__)
        score = float(np.nanmean(timeline.emotions[kind][inside]))
    attention = timeline.attention[inside]
    return Peak(time=(start + end) / 2, kind=kind, score=score, prominence=0.0,
                attention=float(np.nanmean(attention)) if np.isfinite(attention).any() else None,
                start=max(start, 0.0), end=min(end, float(timeline.t[-1] + timeline.step / 2)))
