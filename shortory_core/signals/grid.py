"""The video-time grid every signal is put on, and the arithmetic done on it.

One binning function serves the studio's timeline and the panel alike (``bin_means``), so a
viewer's samples mean the same thing on every page; only the step differs (0.1 s for the
studio's peaks, 1 s for the panel's shares). It bins in DuckDB, over the samples' Parquet
parts (or any table DuckDB reads): 30 million samples are grouped by session and bin where
they lie, and only the bins' means come back into arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
from scipy.ndimage import uniform_filter1d

HOLD_S = 1.0  # a viewer's samples stand for the bins between them up to this gap
_BATCH_ROWS = 500_000  # (session, bin) means fetched at a time: memory stays flat


def grid(duration: float, step: float) -> np.ndarray:
    """Bin centres covering ``duration`` seconds of video."""
    return (np.arange(max(int(np.ceil(duration / step)), 1)) + 0.5) * step


@dataclass(frozen=True)
class Bins:
    """A stretch of the grid: ``count`` bins of ``step`` seconds from bin ``first``; a time
    outside it falls into its first or last bin (a sample a little past the video's end
    still counts, in the last second)."""

    step: float
    first: int
    count: int

    @property
    def t(self) -> np.ndarray:
        return (np.arange(self.first, self.first + self.count) + 0.5) * self.step

    def index_sql(self, time: str) -> str:
        """The bin (0 … count − 1) of the time column ``time``, in DuckDB."""
        return (f"LEAST(GREATEST(CAST(floor({time} / {self.step!r}) AS BIGINT) - {self.first}, "
                f"0), {self.count - 1})")


def bin_means(connection: duckdb.DuckDBPyConnection, source: str, columns: tuple[str, ...],
              bins: Bins, sessions: np.ndarray) -> np.ndarray:
    """The mean of each of ``columns`` per session and bin over ``source`` (a DuckDB table
    expression with ``session_id``, ``video_time`` and the columns; only the samples that
    count), with gaps of up to ``HOLD_S`` between samples bridged (samples come every 0.2 s
    or so, and a row of holes between two of them is not an absence); NaN where there is no
    data. A missing value counts as 0, as it always has. ``sessions`` (sorted ids) are the
    rows; returns columns × sessions × bins (float32)."""
    out = np.full((len(columns), len(sessions), bins.count), np.nan, np.float32)
    if not len(sessions):
        return out
    sums = "".join(f", sum(CASE WHEN isfinite({c}) THEN {c} ELSE 0 END) AS {c}"
                   for c in columns)  # sums and one count: an avg each costs a count each
    query = (f"SELECT session_id, {bins.index_sql('video_time')} AS bin, count(*) AS n{sums} "
             f"FROM {source} GROUP BY ALL")
    filled = np.zeros((len(sessions), bins.count), bool)
    flat_out = out.reshape(len(columns), -1)  # views: one flat index per batch serves all
    reader = connection.sql(query).to_arrow_reader(_BATCH_ROWS)
    for batch in reader:
        at = (np.searchsorted(sessions, batch.column(0).to_numpy()) * bins.count
              + batch.column(1).to_numpy())
        filled.reshape(-1)[at] = True
        counts = batch.column(2).to_numpy()
        for c in range(len(columns)):
            flat_out[c, at] = batch.column(3 + c).to_numpy() / counts
    _bridge_gaps(out, filled, int(HOLD_S / bins.step))
    return out


def whole_seconds(bins: Bins) -> bool:
    """Whether ``bins`` are whole seconds, so that per-second sums add up to them exactly
    (``bin_sums``)."""
    return bins.step >= 1 and float(bins.step).is_integer()


def bin_sums(connection: duckdb.DuckDBPyConnection, source: str, columns: tuple[str, ...],
             bins: Bins, sessions: np.ndarray) -> np.ndarray:
    """``bin_means`` from samples already summed per second (``store.sample_seconds``:
    ``session_id``, ``second``, ``n`` and each column's sum), for ``bins`` of whole seconds
    (``whole_seconds``): a second lies in one bin only, so the sums add up to the same
    means. They are added up in NumPy (``bincount``): a hash table of (session, bin) groups
    in DuckDB cost more than reading the sums."""
    out = np.full((len(columns), len(sessions), bins.count), np.nan, np.float32)
    if not len(sessions):
        return out
    picked = "".join(f", {c}" for c in columns)
    table = connection.sql(f"SELECT session_id, {bins.index_sql('second')} AS bin, n{picked} "
                           f"FROM {source}").to_arrow_table()
    table = table.combine_chunks()  # a chunk per file: NumPy would join 1,000 per column
    at = (np.searchsorted(sessions, table.column(0).to_numpy()) * bins.count
          + table.column(1).to_numpy())
    cells = len(sessions) * bins.count
    counts = np.bincount(at, weights=table.column(2).to_numpy(), minlength=cells)
    filled = counts > 0
    flat_out = out.reshape(len(columns), -1)
    for c in range(len(columns)):
        total = np.bincount(at, weights=table.column(3 + c).to_numpy(), minlength=cells)
        flat_out[c, filled] = total[filled] / counts[filled]
    _bridge_gaps(out, filled.reshape(len(sessions), bins.count), int(HOLD_S / bins.step))
    return out


def _bridge_gaps(values: np.ndarray, filled: np.ndarray, limit: int) -> None:
    """Fill, in place, runs of at most ``limit`` empty bins between two filled ones, linearly,
    in every row of every column of ``values`` (columns × rows × bins; ``filled``: rows ×
    bins, the same for every column since a bin's means all come from the same samples)."""
    bins = filled.shape[-1]
    if limit < 1 or bins < 3:
        return
    index = np.arange(bins, dtype=np.int32)
    left = np.maximum.accumulate(np.where(filled, index, -1), axis=1)  # last filled at/before
    right = np.minimum.accumulate(np.where(filled, index, bins)[:, ::-1], axis=1)[:, ::-1]
    bridge = ~filled & (left >= 0) & (right < bins) & (right - left <= limit + 1)
    rows, where = np.nonzero(bridge)
    if not len(rows):
        return
    lo, hi = left[rows, where], right[rows, where]
    share = ((where - lo) / (hi - lo)).astype(np.float64)
    for column in values:
        a, b = column[rows, lo].astype(np.float64), column[rows, hi].astype(np.float64)
        column[rows, where] = a + (b - a) * share


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """NaN-aware moving average: gaps stay gaps, edges of data are not pulled to zero."""
    if window <= 1:
        return values.copy()
    finite = np.isfinite(values)
    total = uniform_filter1d(np.where(finite, values, 0.0), window, mode="constant")
    weight = uniform_filter1d(finite.astype(float), window, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(finite, total / weight, np.nan)
