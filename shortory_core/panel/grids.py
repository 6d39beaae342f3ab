"""Every viewer of a project on one grid of video time, read once, aggregated many times.

A panel page changes thresholds and options far more often than its data changes, so the
samples of all sessions are read in one pass (``Store.sample_rows``) and binned into arrays
of (signal, viewer, bin); every aggregate in ``stats`` is then array arithmetic on them. A bin
holds the mean of a viewer's face samples in it (paused samples are left out); short gaps
between samples (≤ ``HOLD_S``) are bridged, longer ones stay NaN: the viewer was not there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shortory_core.highlights.timeline import bridge_gaps
from shortory_core.panel.quality import Quality, Thresholds, assess
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.store import Store

SIGNALS: tuple[str, ...] = (*PRODUCT_EMOTIONS, "attention")
DEFAULT_STEP_S = 1.0
HOLD_S = 1.0
_COLUMNS = ("video_time", "source_time", "paused", "face_found", *SIGNALS)


@dataclass
class PanelGrids:
    """``values[s, v, b]``: signal ``SIGNALS[s]`` of viewer ``v`` in bin ``b`` (NaN: no data);
    ``quality[v]`` describes viewer ``v`` (all sessions, included or not)."""

    t: np.ndarray
    step: float
    values: np.ndarray
    quality: list[Quality]

    def signal(self, name: str) -> np.ndarray:
        return self.values[SIGNALS.index(name)]

    def subset(self, keep: np.ndarray) -> PanelGrids:
        """The viewers where ``keep`` is true."""
        return PanelGrids(self.t, self.step, self.values[:, keep],
                          [q for q, k in zip(self.quality, keep, strict=True) if k])

    @property
    def included(self) -> np.ndarray:
        return np.array([q.included for q in self.quality], bool)


def load_grids(store: Store, project_id: int, step: float = DEFAULT_STEP_S,
               thresholds: Thresholds | None = None) -> PanelGrids:
    """All reaction sessions of a project on a grid of ``step`` seconds, with their quality."""
    video = store.get_video(project_id)
    sessions = store.sessions(project_id)
    by_id = {s["id"]: s for s in sessions}
    rows = [row for batch in store.sample_rows(list(by_id), _COLUMNS) for row in batch]
    table = (np.array(rows, dtype=np.float64) if rows
             else np.zeros((0, len(_COLUMNS) + 1)))
    owner = table[:, 0].astype(np.int64)
    duration = video.duration if video else float(np.nanmax(table[:, 1], initial=step))
    bins = max(int(np.ceil(duration / step)), 1)
    t = (np.arange(bins) + 0.5) * step
    values = np.full((len(SIGNALS), len(sessions), bins), np.nan, np.float32)
    quality = []
    starts = np.searchsorted(owner, [s["id"] for s in sessions], "left")
    ends = np.searchsorted(owner, [s["id"] for s in sessions], "right")
    for v, (session, lo, hi) in enumerate(zip(sessions, starts, ends, strict=True)):
        part = table[lo:hi]
        video_time, source_time, paused, face = part[:, 1], part[:, 2], part[:, 3], part[:, 4]
        quality.append(assess(session, source_time, face, paused, thresholds))
        kept = (face > 0) & (paused == 0) & np.isfinite(video_time)
        if kept.any():
            index = np.clip((video_time[kept] / step).astype(np.int64), 0, bins - 1)
            counts = np.bincount(index, minlength=bins)
            for s in range(len(SIGNALS)):
                column = np.nan_to_num(part[kept, 5 + s])
                sums = np.bincount(index, weights=column, minlength=bins)
                with np.errstate(invalid="ignore", divide="ignore"):
                    values[s, v] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    limit = int(HOLD_S / step)
    for row in values.reshape(-1, bins):
        row[:] = bridge_gaps(row, limit)
    return PanelGrids(t, step, values, quality)
