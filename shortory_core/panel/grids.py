"""Every viewer of a project on one grid of video time, read once, aggregated many times.

A panel page changes thresholds and options far more often than its data changes, so the
samples of all sessions are read in one pass (``Store.sample_rows``) and binned into arrays
of (signal, viewer, bin); every aggregate in ``stats`` is then array arithmetic on them. The
binning is ``signals.grid.bin_means``, the same as the studio's timeline (which reads its
viewers through here too): paused and faceless samples are left out, short gaps bridged.
The per-viewer signals are the registry's (``SIGNALS.per_viewer()``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shortory_core.panel.quality import Quality, Thresholds, assess, saved_thresholds
from shortory_core.signals.grid import bin_means, grid
from shortory_core.signals.registry import SIGNALS as REGISTRY
from shortory_core.store import Store

SIGNALS: tuple[str, ...] = tuple(s.sample_column or s.name for s in REGISTRY.per_viewer())
DEFAULT_STEP_S = 1.0
_FIXED = ("video_time", "source_time", "paused", "face_found")


@dataclass
class PanelGrids:
    """``values[s, v, b]``: signal ``columns[s]`` of viewer ``v`` in bin ``b`` (NaN: no
    data); ``quality[v]`` describes viewer ``v`` (all sessions, included or not)."""

    t: np.ndarray
    step: float
    values: np.ndarray
    quality: list[Quality]
    columns: tuple[str, ...] = SIGNALS

    def signal(self, name: str) -> np.ndarray:
        return self.values[self.columns.index(name)]

    def subset(self, keep: np.ndarray) -> PanelGrids:
        """The viewers where ``keep`` is true."""
        return PanelGrids(self.t, self.step, self.values[:, keep],
                          [q for q, k in zip(self.quality, keep, strict=True) if k],
                          self.columns)

    @property
    def included(self) -> np.ndarray:
        return np.array([q.included for q in self.quality], bool)


def load_grids(store: Store, project_id: int, step: float = DEFAULT_STEP_S,
               thresholds: Thresholds | None = None, columns: tuple[str, ...] = SIGNALS,
               duration: float | None = None) -> PanelGrids:
    """All reaction sessions of a project on a grid of ``step`` seconds over ``duration``
    (else the video's), with their quality judged by ``thresholds`` (else the project's saved
    ones, ``saved_thresholds``)."""
    thresholds = thresholds or saved_thresholds(store, project_id)
    video = store.get_video(project_id)
    sessions = store.sessions(project_id)
    ids = [s.id for s in sessions]
    rows = [row for batch in store.sample_rows(ids, (*_FIXED, *columns)) for row in batch]
    table = (np.array(rows, dtype=np.float64) if rows
             else np.zeros((0, len(_FIXED) + len(columns) + 1)))
    owner = table[:, 0].astype(np.int64)
    if duration is None:
        duration = video.duration if video else float(np.nanmax(table[:, 1], initial=step))
    t = grid(duration, step)
    values = np.full((len(columns), len(sessions), len(t)), np.nan, np.float32)
    quality = []
    starts, ends = np.searchsorted(owner, ids, "left"), np.searchsorted(owner, ids, "right")
    for v, (session, lo, hi) in enumerate(zip(sessions, starts, ends, strict=True)):
        part = table[lo:hi]
        video_time, source_time, paused, face = part[:, 1], part[:, 2], part[:, 3], part[:, 4]
        quality.append(assess(session, source_time, face, paused, thresholds))
        kept = (face > 0) & (paused == 0) & np.isfinite(video_time)
        values[:, v] = bin_means(video_time[kept], part[kept, 1 + len(_FIXED):], len(t), step)
    return PanelGrids(t, step, values, quality, columns)


def viewer_verdicts(store: Store, project_id: int) -> dict[int, Quality]:
    """Each session's quality and verdict by the project's saved thresholds, without binning
    any signal: what a page lists its viewers by."""
    grids = load_grids(store, project_id, step=60.0, columns=())
    return {q.session_id: q for q in grids.quality}
