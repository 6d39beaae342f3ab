"""Every viewer of a project on one grid of video time, read once, aggregated many times.

A panel page changes thresholds and options far more often than its data changes, so the
samples of all sessions are read in one pass and binned into arrays of (signal, viewer, bin);
every aggregate in ``stats`` is then array arithmetic on them. Each viewer's verdict
(``quality``) is judged from the figures kept with their parts' rows in SQLite
(``Store.session_figures``), so listing 10,000 viewers opens no file. The samples stay in
their Parquet parts: DuckDB bins the samples that count where they lie
(``signals.grid.bin_means``, the same binning as the studio's timeline, which reads its
viewers through here too: paused and faceless samples are left out, short gaps bridged), so
30 million samples never become Python objects.

The grid spans the video times that have samples, not the whole video: ten viewers who
watched 40 s of a four-hour video make a 40-bin grid. ``duration`` (the video's) tells the
charts where that stretch lies. The per-viewer signals are the registry's
(``SIGNALS.per_viewer()``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import numpy as np

from shortory_core.errors import StoreError
from shortory_core.panel.quality import Quality, Thresholds, assess, saved_thresholds
from shortory_core.signals.grid import Bins, bin_means, bin_sums, whole_seconds
from shortory_core.signals.registry import SIGNALS as REGISTRY
from shortory_core.store import Store
from shortory_core.store.sample_files import (
    COUNTED_SQL,
    SessionFigures,
    ends_whole,
    unreadable,
)
from shortory_core.store.sample_seconds import SUMMED

SIGNALS: tuple[str, ...] = tuple(s.sample_column or s.name for s in REGISTRY.per_viewer())
DEFAULT_STEP_S = 1.0
#: Samples binned per DuckDB query: its table of (viewer, bin) sums grows with the groups it
#: holds, so 10,000 viewers are binned 1,000 or so at a time (1.5 GB in one query, 0.4 GB so).
CHUNK_SAMPLES = 3_000_000

log = logging.getLogger(__name__)


@dataclass
class PanelGrids:
    """``values[s, v, b]``: signal ``columns[s]`` of viewer ``v`` in bin ``b`` (NaN: no
    data); ``quality[v]`` describes viewer ``v`` (all sessions, included or not); ``t`` the
    bins' centres, over the stretch that has samples; ``duration`` the video's length (None
    when unknown), for charts that show the whole video."""

    t: np.ndarray
    step: float
    values: np.ndarray
    quality: list[Quality]
    columns: tuple[str, ...] = SIGNALS
    duration: float | None = None
    #: Sessions left out because their samples could not be read: session → the error that
    #: names the file (they are excluded, with it as their verdict's reason).
    damaged: dict[int, str] = field(default_factory=dict)
    normalised: np.ndarray | None = field(default=None, repr=False)  # ``stats.normalise``'s
    #: What ``stats`` derived from these grids that no slider changes (agreement per window,
    #: heatmaps), and the subsets asked for: kept with the grids a page caches.
    derived: dict[object, object] = field(default_factory=dict, init=False, repr=False)

    def signal(self, name: str) -> np.ndarray:
        return self.values[self.columns.index(name)]

    def subset(self, keep: np.ndarray) -> PanelGrids:
        """The viewers where ``keep`` is true. The same ``keep`` gives the same grids, with
        whatever was computed on them (a page asks again on every slider change, and at
        10,000 viewers normalising again is most of a change's cost)."""
        key = ("subset", np.asarray(keep, bool).tobytes())
        if key not in self.derived:
            self.derived[key] = PanelGrids(
                self.t, self.step, self.values[:, keep],
                [q for q, k in zip(self.quality, keep, strict=True) if k], self.columns,
                self.duration, self.damaged,
                None if self.normalised is None else self.normalised[:, keep])
        return self.derived[key]

    @property
    def included(self) -> np.ndarray:
        return np.array([q.included for q in self.quality], bool)


def load_grids(store: Store, project_id: int, step: float = DEFAULT_STEP_S,
               thresholds: Thresholds | None = None, columns: tuple[str, ...] = SIGNALS,
               duration: float | None = None) -> PanelGrids:
    """All reaction sessions of a project binned by ``step`` seconds, with their quality
    judged by ``thresholds`` (else the project's saved ones, ``saved_thresholds``). The grid
    covers [0, ``duration``) when it is given (a timeline that joins other signals needs
    every bin); otherwise only the bins between the first and the last sample that counts.
    A session whose samples cannot be read (a damaged or missing file) is left out and
    excluded, its verdict's reason the error that names the file (``damaged``): one bad file
    does not take every other viewer's data with it."""
    thresholds = thresholds or saved_thresholds(store, project_id)
    video = store.get_video(project_id)
    sessions = store.sessions(project_id)
    ids = np.array([s.id for s in sessions], np.int64)
    figures = store.session_figures(ids.tolist())
    quality = [assess(s, figures.get(s.id, SessionFigures()), thresholds) for s in sessions]
    length = video.duration if video and video.duration else None
    bins = _bins(list(figures.values()), step, duration, length)
    values = np.full((len(columns), len(ids), bins.count), np.nan, np.float32)
    damaged: dict[int, str] = {}
    with duckdb.connect() as connection:
        connection.execute("SET enable_progress_bar = false")  # it printed bars on stdout
        samples = [figures[i].samples if i in figures else 0 for i in ids.tolist()]
        for chunk in _chunks(samples) if columns else []:
            try:
                values[:, chunk] = _binned(store, connection, ids[chunk], columns, bins)
            except StoreError:  # a damaged part: each of the chunk's viewers on their own
                for one in _chunks(samples[chunk], every=1, start=chunk.start):
                    try:
                        values[:, one] = _binned(store, connection, ids[one], columns, bins)
                    except StoreError as exc:
                        damaged[int(ids[one.start])] = str(exc)
    quality = [replace(q, included=False, reason=damaged[q.session_id])
               if q.session_id in damaged else q for q in quality]
    return PanelGrids(bins.t, step, values, quality, columns,
                      duration if duration is not None else length, damaged=damaged)


def viewer_verdicts(store: Store, project_id: int) -> dict[int, Quality]:
    """Each session's quality and verdict by the project's saved thresholds, without binning
    any signal (nor opening a file): what a page lists its viewers by."""
    grids = load_grids(store, project_id, step=60.0, columns=())
    return {q.session_id: q for q in grids.quality}


def _chunks(samples: list[int], every: int = CHUNK_SAMPLES, start: int = 0) -> list[slice]:
    """Consecutive runs of the viewers with samples, about ``every`` samples together (viewer
    ``i`` of ``samples`` is ``start + i``); a viewer with none has nothing to read."""
    chunks, first, held = [], None, 0
    for at, count in enumerate(samples, start):
        if count and first is None:
            first = at
        held += count
        if first is not None and held >= every:
            chunks.append(slice(first, at + 1))
            first, held = None, 0
    return [*chunks, slice(first, start + len(samples))] if first is not None else chunks


def _binned(store: Store, connection: duckdb.DuckDBPyConnection, ids: np.ndarray,
            columns: tuple[str, ...], bins: Bins) -> np.ndarray:
    """The means of sessions ``ids`` (sorted): from their parts' per-second sums where every
    part has them, every part still ends whole (``ends_whole``) and the bins are whole
    seconds, else ``bin_means`` of the samples that count, read from their parts. A part
    missing or damaged is a ``StoreError`` that says whose; sums that cannot be read are
    only logged, and the samples are read instead."""
    paths = store.sample_part_paths(ids.tolist())
    seconds = (store.sample_seconds_paths(ids.tolist())
               if whole_seconds(bins) and set(columns) <= set(SUMMED) else None)
    if seconds and all(ends_whole(path) for path in paths):
        try:
            return bin_sums(connection, f"read_parquet([{_listed(seconds)}])", columns,
                            bins, ids)
        except duckdb.Error as exc:
            log.warning("per-second sums unreadable, binning the samples instead: %s", exc)
    try:
        return bin_means(connection, f"(SELECT * FROM read_parquet([{_listed(paths)}]) "
                         f"WHERE {COUNTED_SQL})", columns, bins, ids)
    except duckdb.Error as exc:
        raise unreadable(paths, exc) from exc


def _listed(paths: list[Path]) -> str:
    """``paths`` as a DuckDB list's items."""
    return ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)


def _bins(figures: list[SessionFigures], step: float, duration: float | None,
          length: float | None) -> Bins:
    """The grid: [0, ``duration``) when given; else the bins from the first to the last
    sample that counts, within the video's ``length`` when known (one bin when none)."""
    if duration is not None:
        return Bins(step, 0, max(math.ceil(duration / step), 1))
    counted = [f for f in figures if f.counted_from is not None]
    if not counted:
        return Bins(step, 0, 1)
    lo, hi = min(f.counted_from for f in counted), max(f.counted_to for f in counted)
    last = math.ceil(length / step) - 1 if length else math.inf
    first = min(max(math.floor(lo / step), 0), last)
    return Bins(step, first, min(max(math.floor(hi / step), first), last) - first + 1)
