"""How this study's viewers compare with every earlier study in the store: norms as
percentile bands, as facial-coding vendors sell them ("64% smiled here: above 90% of moments
in our 12 earlier studies").

- **A study** is a project with a panel: at least ``min_viewers`` viewers included by its own
  saved quality thresholds and choices, and at least one *moment* (a bin of the panel's grid)
  with ``min_viewers`` viewers with data. Earlier: created before this one.
- **What the bands are across.** Videos differ in length and content, so the norm is
  position-free: each earlier study's share of viewers expressing a signal in each of its
  moments, all moments of all earlier studies pooled. The bands are that pool's 10th–90th and
  25th–75th percentiles and its median: how often, in any second of any of our studies, that
  many viewers smiled. A moment with fewer than ``min_viewers`` viewers is left out of the
  pool (below that one viewer moves the share by 25 points). Each study also gives its *peak*
  (its highest share in such a moment), and a study's peak is ranked among the earlier peaks.
- **Same options for all.** Shares depend on the threshold and normalisation, so every study
  is summarised with the options the analyst is looking at now.
- **Cost.** Reading every earlier study's samples on each page load would grow with the whole
  store. Each study's summary (per signal: the sorted distinct shares with how many moments
  had each, and its peak; exact, so the bands equal a direct percentile over the pooled
  moments) is kept in the ``norm_summaries`` table, keyed by the study and the options, with
  the *state* of the study's data it was computed from: its sessions' ids, statuses, sample
  counts and hand choices, its Parquet parts, and its quality thresholds. A study whose state
  has changed is summarised again; an unchanged one is only read. The table rather than a
  file in the media folder: a concurrent page load or worker writes it in a transaction, and
  a deleted project takes its summaries with it (``ON DELETE CASCADE``), so it leaves the
  norm at once. Only the studies' states are read on each load (one query per study).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from shortory_core.panel.grids import load_grids
from shortory_core.panel.quality import saved_thresholds
from shortory_core.panel.stats import PanelCurves, PanelOptions, curves
from shortory_core.store import Store
from shortory_core.timefmt import format_seconds

BANDS: tuple[int, ...] = (10, 25, 50, 75, 90)  # percentiles drawn: outer band, inner, median
MIN_STUDIES = 3  # fewer earlier studies make no norm: a band of two studies is two anecdotes
_OPTIONS = ("normalise", "threshold", "raw_threshold", "attention_threshold", "min_viewers")


@dataclass(frozen=True)
class Pooled:
    """The shares of many moments as sorted distinct ``values`` and how many moments had each
    (``counts``): the whole distribution, exactly, in the space of its distinct values."""

    values: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile, as ``np.percentile`` (linear) gives it on the moments
        written out one by one."""
        position = q / 100 * (self.total - 1)
        low, high = int(np.floor(position)), int(np.ceil(position))
        ends = np.cumsum(self.counts)
        at_low = self.values[np.searchsorted(ends, low, side="right")]
        at_high = self.values[np.searchsorted(ends, high, side="right")]
        return float(at_low + (position - low) * (at_high - at_low))

    def below(self, share: float) -> float:
        """The fraction of moments with a share strictly below ``share``."""
        return float(self.counts[self.values < share].sum() / max(self.total, 1))

    def level(self, share: float) -> float:
        """The fraction of moments with exactly ``share`` (shares of a few viewers tie often:
        a moment where nobody smiled is level with most)."""
        return float(self.counts[self.values == share].sum() / max(self.total, 1))

    @staticmethod
    def of(shares: np.ndarray) -> Pooled:
        values, counts = np.unique(shares, return_counts=True)
        return Pooled(values.astype(np.float64), counts.astype(np.int64))

    @staticmethod
    def merge(parts: list[Pooled]) -> Pooled:
        if not parts:
            return Pooled(np.zeros(0), np.zeros(0, np.int64))
        values = np.concatenate([p.values for p in parts])
        counts = np.concatenate([p.counts for p in parts])
        distinct, index = np.unique(values, return_inverse=True)
        return Pooled(distinct, np.bincount(index, weights=counts).astype(np.int64))


@dataclass(frozen=True)
class StudySummary:
    """What one study gives the norm: its included viewers, its moments with enough viewers,
    and per signal the shares of those moments and its peak."""

    project_id: int
    viewers: int
    moments: int
    shares: dict[str, Pooled]
    peaks: dict[str, float]

    def in_norm(self, min_viewers: int) -> bool:
        """Whether this study has a panel: enough viewers, and moments with enough of them."""
        return self.viewers >= min_viewers and self.moments > 0

    def to_json(self) -> str:
        return json.dumps({
            "viewers": self.viewers, "moments": self.moments,
            "signals": {name: {"values": pooled.values.tolist(),
                               "counts": pooled.counts.tolist(), "peak": self.peaks[name]}
                        for name, pooled in self.shares.items()}})

    @staticmethod
    def from_json(project_id: int, text: str) -> StudySummary:
        data = json.loads(text)
        signals = data["signals"]
        return StudySummary(
            project_id, int(data["viewers"]), int(data["moments"]),
            {name: Pooled(np.array(s["values"], np.float64), np.array(s["counts"], np.int64))
             for name, s in signals.items()},
            {name: float(s["peak"]) for name, s in signals.items()})


def summarise(project_id: int, panel: PanelCurves | None, min_viewers: int) -> StudySummary:
    """One study's summary from its curves (``None``: no viewer included)."""
    if panel is None or panel.viewers < min_viewers:
        return StudySummary(project_id, panel.viewers if panel else 0, 0, {}, {})
    enough = panel.n >= min_viewers
    kept = {name: share[enough & np.isfinite(share)] for name, share in panel.share.items()}
    shares = {name: Pooled.of(values) for name, values in kept.items()}
    peaks = {name: float(values.max()) if len(values) else 0.0 for name, values in kept.items()}
    return StudySummary(project_id, panel.viewers, int(enough.sum()), shares, peaks)


@dataclass(frozen=True)
class Norm:
    """The earlier studies' pooled moments and peaks, per signal. ``refreshed``: the studies
    whose summary was computed (new or changed) for this norm rather than read."""

    studies: tuple[int, ...]
    viewers: int
    moments: int
    shares: dict[str, Pooled]
    peaks: dict[str, np.ndarray]  # each earlier study's peak share, sorted
    refreshed: tuple[int, ...]

    @property
    def ready(self) -> bool:
        return len(self.studies) >= MIN_STUDIES

    def bands(self, signal: str) -> dict[int, float]:
        """The ``BANDS`` percentiles of the signal's share over the pooled moments."""
        return {q: self.shares[signal].percentile(q) for q in BANDS}

    def peaks_below(self, signal: str, share: float) -> int:
        """How many earlier studies peaked below ``share``."""
        return int((self.peaks[signal] < share).sum())


def study_norm(store: Store, project_id: int, options: PanelOptions | None = None) -> Norm:
    """The norm of every study created before ``project_id`` that has a panel, from cached
    summaries where the study has not changed since."""
    options = options or PanelOptions()
    summaries, refreshed = [], []
    for earlier in earlier_studies(store, project_id):
        summary, fresh = cached_summary(store, earlier, options)
        refreshed += [earlier] if fresh else []
        if summary.in_norm(options.min_viewers):
            summaries.append(summary)
    names = list(summaries[0].shares) if summaries else []
    return Norm(
        tuple(s.project_id for s in summaries), sum(s.viewers for s in summaries),
        sum(s.moments for s in summaries),
        {name: Pooled.merge([s.shares[name] for s in summaries]) for name in names},
        {name: np.sort([s.peaks[name] for s in summaries]) for name in names},
        tuple(refreshed))


def earlier_studies(store: Store, project_id: int) -> list[int]:
    """The projects created before ``project_id`` (by creation time, then id), oldest first."""
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT p.id FROM projects p, projects this WHERE this.id = ? AND "
            "(p.created_at < this.created_at OR (p.created_at = this.created_at AND "
            "p.id < this.id)) ORDER BY p.created_at, p.id", (project_id,)).fetchall()
    return [int(r[0]) for r in rows]


def cached_summary(store: Store, project_id: int, options: PanelOptions
                   ) -> tuple[StudySummary, bool]:
    """The study's summary under ``options``, and whether it had to be computed. The state is
    read before the samples: data that arrives meanwhile makes the next load compute again."""
    key = options_key(options)
    state = study_state(store, project_id)
    with store.reading() as conn:
        row = conn.execute("SELECT state, summary FROM norm_summaries WHERE project_id = ? "
                           "AND options = ?", (project_id, key)).fetchone()
    if row is not None and row["state"] == state:
        return StudySummary.from_json(project_id, row["summary"]), False
    grids = load_grids(store, project_id)
    included = grids.subset(grids.included)
    panel = curves(included, options) if len(included.quality) else None
    summary = summarise(project_id, panel, options.min_viewers)
    with store.transaction() as conn:
        conn.execute("DELETE FROM norm_summaries WHERE project_id = ? AND state != ?",
                     (project_id, state))
        conn.execute("INSERT OR REPLACE INTO norm_summaries (project_id, options, state, "
                     "summary, computed_at) VALUES (?, ?, ?, ?, ?)",
                     (project_id, key, state, summary.to_json(), time.time()))
    return summary, True


def study_state(store: Store, project_id: int) -> str:
    """A digest of what a study's curves are computed from: its sessions (ids, statuses,
    sample counts, hand choices), their Parquet parts (a part rewritten by key keeps its
    count but not its time of writing) and its saved quality thresholds."""
    sessions = [(s.id, str(s.status), s.n_samples, s.meta.get("panel"))
                for s in store.sessions(project_id)]
    with store.reading() as conn:
        parts = [tuple(r) for r in conn.execute(
            "SELECT p.session_id, p.name, p.rows, p.written_at FROM sample_parts p JOIN "
            "reaction_sessions s ON s.id = p.session_id WHERE s.project_id = ? "
            "ORDER BY p.session_id, p.name", (project_id,))]
    thresholds = asdict(saved_thresholds(store, project_id))
    text = json.dumps([sessions, parts, thresholds], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def options_key(options: PanelOptions) -> str:
    """The options a share depends on, as the cache's key."""
    return json.dumps({name: getattr(options, name) for name in _OPTIONS}, sort_keys=True)


# What a viewer showing each signal did, for sentences about the norm.
VERBS = {"happy": "smiled", "sad": "looked sad", "angry": "looked angry",
         "neutral": "looked neutral", "surprise": "looked surprised",
         "attention": "were attentive"}


def best_moment(panel: PanelCurves, signal: str, min_viewers: int) -> tuple[float, float] | None:
    """This study's highest share of ``signal`` in a moment with ``min_viewers`` viewers, as
    (time, share); ``None`` when no moment has that many."""
    enough = np.flatnonzero(panel.n >= min_viewers)
    if len(enough) == 0:
        return None
    best = enough[int(np.argmax(np.nan_to_num(panel.share[signal][enough])))]
    return float(panel.t[best]), float(np.nan_to_num(panel.share[signal][best]))


def describe(norm: Norm, panel: PanelCurves, signal: str, min_viewers: int) -> str | None:
    """This study's best moment of ``signal`` against the norm, in words; ``None`` without
    a norm or such a moment."""
    found = best_moment(panel, signal, min_viewers)
    if not norm.ready or found is None:
        return None
    at, share = found
    studies = len(norm.studies)
    level = f"{norm.shares[signal].level(share):.0%}"
    return (f"At {format_seconds(at)}, {share:.0%} of viewers "
            f"{VERBS.get(signal, f'showed {signal}')}: above "
            f"{norm.shares[signal].below(share):.0%} of moments in our {studies} earlier "
            f"studies{f' (level with {level})' if level != '0%' else ''}, and above the peak "
            f"of {norm.peaks_below(signal, share)} of them.")


def norm_table(norm: Norm, panel: PanelCurves, min_viewers: int) -> pd.DataFrame:
    """One row per signal: the norm's bands, and this study's best moment placed in them
    (the share of earlier moments below it and level with it, and how many earlier studies
    peaked below it)."""
    rows = []
    for signal in norm.shares:
        bands = norm.bands(signal)
        found = best_moment(panel, signal, min_viewers)
        at, share = found if found else (float("nan"), float("nan"))
        rows.append({"signal": signal, "p10": bands[10], "p25": bands[25],
                     "median": bands[50], "p75": bands[75], "p90": bands[90],
                     "best_at": format_seconds(at) if found else "", "best_share": share,
                     "above_moments": norm.shares[signal].below(share) if found else np.nan,
                     "level_moments": norm.shares[signal].level(share) if found else np.nan,
                     "above_peaks": norm.peaks_below(signal, share) if found else np.nan})
    return pd.DataFrame(rows)
