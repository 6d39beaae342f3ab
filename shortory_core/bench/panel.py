"""A panel of many viewers made from real analysed faces, and the panel's speed on it.

``synthetic_panel`` assembles sessions from the samples of real recordings (the demo's
analysed viewers): a resting stretch, then the smile, placed so that most viewers smile at
the same video times (the agreement windows a panel must find) and a few at other times,
each viewer with their own jitter, resting level and expressiveness. Each session is one
Parquet part, written in bulk.

Three rows, ``panel`` (1,000 viewers × 10 minutes at 5 samples/s, 3 M samples; with it the
window row: 10 viewers over 40 s of a 4-hour video) and ``panel-10k`` (10,000 viewers, 30 M
samples), each measured side by side with the way it was
done before on the same samples: rows read from SQLite's ``reaction_samples`` and binned in
NumPy, one viewer at a time (kept here, ``_before_grids``, as the baseline). Each side runs in
a child process of its own, so its peak memory is its own: the read and binning once, then
the median of three slider changes (curves, shares, agreement, peaks, the figures).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shortory_core.panel.grids import PanelGrids
from shortory_core.panel.quality import Thresholds, assess
from shortory_core.records import (
    PRODUCT_EMOTIONS,
    ProjectDraft,
    SessionDraft,
    SessionKind,
    VideoInfo,
)
from shortory_core.signals.grid import HOLD_S, grid
from shortory_core.store import Store
from shortory_core.store.db import record_parts_on
from shortory_core.store.sample_files import (
    SAMPLE_COLUMNS,
    SAMPLE_SCHEMA,
    SessionFigures,
    session_folder,
    write_part,
)

FPS = 5.0
DURATION_S = 600.0
ROWS = {"panel": 1_000, "panel-10k": 10_000}
#: Per row: read and bin (s), slider change (ms), peak memory (MB); None where none is set.
TARGETS: dict[str, tuple[float | None, float | None, float | None]] = {
    "panel": (1.0, 200.0, 1024.0), "panel-10k": (5.0, 1000.0, 2048.0),
    "panel-window": (None, 100.0, None)}
#: The window row: 10 viewers watch 40 s from 3:36:40 of a 4-hour video (the cost must follow
#: the samples, not the video's length).
WINDOW = {"viewers": 10, "duration": 40.0, "video": 4 * 3600.0, "start": 13_000.0}
# The baseline holds every row as a Python tuple (about 400 bytes a sample: 12 GB at 30 M);
# past this much memory it is stopped and reported so, on a machine others share.
BEFORE_MEMORY_MB = 6144
_NUMERIC = [c for c in SAMPLE_COLUMNS if c != "dominant"]


@dataclass(frozen=True)
class FaceSamples:
    """Real samples to build viewers from: a resting face and a smile (each a list of
    stored sample rows, in time order, 5 per second)."""

    rest: list[dict]
    smile: list[dict]


def faces_from(store: Store, project_id: int) -> FaceSamples:
    """The demo's recorded viewers: the smile clip's happiest second, and every sample of the
    other clip where the face shows little happiness."""
    sessions = {s.viewer: s.id for s in store.sessions(project_id)}
    smile = store.samples(sessions["Sam (recorded)"]).to_pylist()
    rest = [r for r in store.samples(sessions["Mia (recorded)"]).to_pylist()
            if r["face_found"] and (r["happy"] or 0) < 0.2]
    peak = int(np.argmax([r["happy"] or 0 for r in smile]))
    return FaceSamples(rest, smile[max(peak - 5, 0):peak + 5])


def viewer_samples(faces: FaceSamples, session_id: int, duration: float,
                   smiles_at: list[float], rng: np.random.Generator, fps: float = FPS,
                   start: float = 0.0) -> pa.Table:
    """One viewer's session over ``duration`` seconds of video from ``start``
    (``SAMPLE_SCHEMA``): resting samples throughout (cycled, with the viewer's own resting
    level and gain), the smile's samples placed at each time of ``smiles_at`` (seconds into
    the viewing, jittered by up to a second)."""
    count = int(duration * fps)
    level = rng.uniform(0.0, 0.08)  # a resting face that looks a little happy, or not
    gain = rng.uniform(0.6, 1.0)  # how much this viewer shows
    rest, smile = _as_array(faces.rest), _as_array(faces.smile)
    seq = np.arange(count)
    rows = rest[(seq + rng.integers(len(rest), size=count)) % len(rest)]
    for at in smiles_at:
        first = int((at + rng.uniform(-1.0, 1.0)) * fps) - len(smile) // 2
        lo, hi = max(first, 0), min(first + len(smile), count)
        if lo < hi:
            rows[lo:hi] = smile[lo - first:hi - first]
    emotions = rows[:, [_NUMERIC.index(e) for e in PRODUCT_EMOTIONS]]
    emotions[:, 0] = np.minimum(level + gain * emotions[:, 0], 1.0)
    emotions /= np.maximum(emotions.sum(axis=1, keepdims=True), 1e-9)
    rows[:, [_NUMERIC.index(e) for e in PRODUCT_EMOTIONS]] = emotions
    columns = {name: rows[:, i] for i, name in enumerate(_NUMERIC)}
    columns |= {"session_id": np.full(count, session_id, np.int64), "seq": seq,
                "video_time": start + seq / fps, "source_time": seq / fps,
                "paused": np.zeros(count, np.int8), "face_found": np.ones(count, np.int8),
                "dominant": np.array(PRODUCT_EMOTIONS)[emotions.argmax(axis=1)]}
    return pa.Table.from_arrays([pa.array(columns[f.name], f.type, safe=False)
                                 for f in SAMPLE_SCHEMA], schema=SAMPLE_SCHEMA)


def _as_array(rows: list[dict]) -> np.ndarray:
    """Stored sample rows as a float array of their numeric columns (missing: 0)."""
    return np.array([[float(r.get(c) or 0.0) for c in _NUMERIC] for r in rows])


def synthetic_panel(store: Store, faces: FaceSamples, *, viewers: int, duration: float,
                    agree_at: list[float], stray_at: list[float], strays: int,
                    seed: int = 7, folder: Path, video: float | None = None,
                    start: float = 0.0) -> int:
    """A project of ``viewers`` sessions who watch ``duration`` seconds from ``start`` of a
    video ``video`` seconds long (``duration`` when None): ``strays`` of them smile at
    ``stray_at``, the others at ``agree_at`` (seconds into the viewing); returns the project
    id. Each session's samples are one Parquet part, all of them recorded in one transaction
    (a panel of 10,000 is written in bulk)."""
    rng = np.random.default_rng(seed)
    draft = ProjectDraft("Panel", folder, video=VideoInfo("none.mp4", video or duration, 640,
                                                          360, 25.0))
    draft.sessions += [SessionDraft(f"viewer {v:04d}", SessionKind.RECORDING, "", 0.0, [],
                                    meta={"group": "A" if v % 2 else "B"})
                       for v in range(viewers)]
    project = store.commit_project(draft)
    ids = [s.id for s in store.sessions(project)]
    parts = []
    for v, session_id in enumerate(ids):
        table = viewer_samples(faces, session_id, duration,
                               stray_at if v < strays else agree_at, rng, start=start)
        parts.append((session_id, write_part(
            session_folder(store.media_root, project, session_id), "analysis", table)))
    with store.transaction() as conn:
        for session_id, part in parts:
            record_parts_on(conn, session_id, [part])
    return project


# -- the way it was done before: rows from SQLite, binned in NumPy (the baseline) -----------

_BEFORE_FIXED = ("video_time", "source_time", "paused", "face_found")
_BEFORE_SCHEMA = """
CREATE TABLE reaction_samples (
    session_id INTEGER NOT NULL, seq INTEGER NOT NULL, video_time REAL NOT NULL,
    source_time REAL NOT NULL, paused INTEGER NOT NULL DEFAULT 0, face_found INTEGER NOT NULL,
    n_faces INTEGER NOT NULL, happy REAL, sad REAL, angry REAL, neutral REAL, surprise REAL,
    dominant TEXT, attention REAL, head_pose REAL, eyes_open REAL, gaze REAL,
    PRIMARY KEY (session_id, seq));
CREATE INDEX reaction_samples_time ON reaction_samples(session_id, video_time);"""


def write_before(store: Store, project_id: int, path: Path) -> Path:
    """The project's samples as rows of the SQLite table they used to live in (the baseline's
    side only: what ``Store.add_samples`` wrote)."""
    connection = sqlite3.connect(path)
    connection.executescript(_BEFORE_SCHEMA)
    names = ", ".join(SAMPLE_SCHEMA.names)
    marks = ", ".join("?" * len(SAMPLE_SCHEMA.names))
    for part in store.sample_part_paths([s.id for s in store.sessions(project_id)]):
        rows = zip(*(c.to_pylist() for c in pq.read_table(part).columns), strict=True)
        connection.executemany(f"INSERT INTO reaction_samples ({names}) VALUES ({marks})", rows)
    connection.commit()
    connection.close()
    return path


def _before_rows(path: Path, ids: list[int], columns: tuple[str, ...]) -> Iterator[list]:
    """``Store.sample_rows`` as it was: plain tuples in session and time order, in batches."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TEMP TABLE wanted (id INTEGER PRIMARY KEY)")
    connection.executemany("INSERT INTO wanted VALUES (?)", [(i,) for i in ids])
    cursor = connection.execute(
        f"SELECT session_id, {', '.join(columns)} FROM reaction_samples "
        "WHERE session_id IN (SELECT id FROM wanted) ORDER BY session_id, seq")
    while rows := cursor.fetchmany(200_000):
        yield rows
    connection.close()


def _before_grids(store: Store, project_id: int, path: Path, step: float = 1.0) -> PanelGrids:
    """``load_grids`` as it was: every row into one float array, then per viewer the verdict
    and ``bin_means`` in NumPy, on a grid over the whole video."""
    from shortory_core.panel.grids import SIGNALS

    video = store.get_video(project_id)
    sessions = store.sessions(project_id)
    ids = [s.id for s in sessions]
    rows = [row for batch in _before_rows(path, ids, (*_BEFORE_FIXED, *SIGNALS))
            for row in batch]
    table = np.array(rows, dtype=np.float64)
    owner = table[:, 0].astype(np.int64)
    t = grid(video.duration, step)
    values = np.full((len(SIGNALS), len(sessions), len(t)), np.nan, np.float32)
    quality = []
    starts, ends = np.searchsorted(owner, ids, "left"), np.searchsorted(owner, ids, "right")
    for v, (session, lo, hi) in enumerate(zip(sessions, starts, ends, strict=True)):
        part = table[lo:hi]
        video_time, source_time, paused, face = part[:, 1], part[:, 2], part[:, 3], part[:, 4]
        playing = paused == 0
        quality.append(assess(session, SessionFigures(
            len(part), float(np.ptp(source_time)) if len(part) else 0.0, int(playing.sum()),
            float(face[playing].sum()), int((~playing).sum())), Thresholds()))
        kept = (face > 0) & playing & np.isfinite(video_time)
        values[:, v] = _before_bin_means(video_time[kept], part[kept, 5:], len(t), step)
    return PanelGrids(t, step, values, quality, SIGNALS, video.duration)


def _before_bin_means(times: np.ndarray, columns: np.ndarray, bins: int, step: float
                      ) -> np.ndarray:
    """The binning as it was: per viewer, per column, ``np.bincount`` and ``np.interp``."""
    out = np.full((columns.shape[1], bins), np.nan, np.float32)
    if not len(times):
        return out
    index = np.clip((times / step).astype(np.int64), 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    limit = int(HOLD_S / step)
    for c in range(columns.shape[1]):
        sums = np.bincount(index, weights=np.nan_to_num(columns[:, c]), minlength=bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        finite = np.isfinite(means)
        if limit >= 1 and finite.sum() >= 2:
            at = np.arange(bins)
            left = np.maximum.accumulate(np.where(finite, at, -1))
            right = np.minimum.accumulate(np.where(finite, at, bins)[::-1])[::-1]
            bridge = ~finite & (left >= 0) & (right < bins) & (right - left <= limit + 1)
            means[bridge] = np.interp(at[bridge], at[finite], means[finite])
        out[c] = means
    return out


# -- the measurement -------------------------------------------------------------------------

def slider_change(grids: PanelGrids, threshold: float, *, fresh: bool) -> int:
    """What the page does when a slider moves: the included viewers' curves, shares,
    agreement, peaks and figures; ``fresh``: nothing kept from an earlier change (how it was
    before). Returns the number of peaks."""
    from shortory_core.charts.panel import heatmap_figure, panel_figure
    from shortory_core.panel.stats import (
        PanelOptions,
        agreement,
        curves,
        heatmap,
        panel_peaks,
    )

    grids = replace(grids, normalised=None) if fresh else grids
    options = PanelOptions(threshold=threshold)
    included = grids.subset(grids.included)
    panel = curves(included, options)
    peaks = panel_peaks(panel, options)
    agreement(included, options)
    panel_figure(panel, peaks).to_json()
    if not fresh:
        heatmap_figure(heatmap(included, "happy"), "happy").to_json()
    return len(peaks)


def measure(side: str, home: Path, project_id: int, before: Path) -> dict:
    """One side's figures, in this process: seconds to read and bin, the median slider change
    in ms, the samples read and the peaks found."""
    from shortory_core.panel.grids import load_grids

    store = Store(home)
    started = time.perf_counter()
    grids = (load_grids(store, project_id, thresholds=Thresholds()) if side == "today"
             else _before_grids(store, project_id, before))
    read = time.perf_counter() - started
    timings, peaks = [], 0
    for threshold in (1.0, 1.5, 2.0):
        started = time.perf_counter()
        peaks = slider_change(grids, threshold, fresh=side == "before")
        timings.append(time.perf_counter() - started)
    return {"read_s": read, "slider_ms": float(np.median(timings)) * 1000,
            "samples": sum(q.samples for q in grids.quality), "peaks": peaks}


def _child(side: str, home: Path, project_id: int, before: Path) -> dict:
    """``measure`` in a fresh process, with its peak memory (``peak_mb``)."""
    result = home / f"{side}.json"
    limit = BEFORE_MEMORY_MB << 20 if side == "before" else -1
    script = ("import json, resource\nfrom pathlib import Path\n"
              "from shortory_core.bench.panel import measure\n"
              f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
              "try:\n"
              f"    found = measure({side!r}, Path({str(home)!r}), {project_id}, "
              f"Path({str(before)!r}))\n"
              "except MemoryError:\n"
              "    found = {'out_of_memory': True}\n"
              "found['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
              f"Path({str(result)!r}).write_text(json.dumps(found))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)
    if done.returncode:
        raise RuntimeError(f"the {side} side failed: {done.stderr[-2000:]}")
    return json.loads(result.read_text())


def compare(viewers: int, duration: float = DURATION_S, *, video: float | None = None,
            start: float = 0.0) -> dict:
    """Build a panel of ``viewers`` who watch ``duration`` seconds (from ``start`` of a video
    ``video`` seconds long) and measure both sides on it."""
    from shortory_core.kinds import ensure_demo_project

    with tempfile.TemporaryDirectory() as name:
        store = Store(Path(name))
        faces = faces_from(store, ensure_demo_project(store))
        (store.root / "staging" / "panel").mkdir(parents=True)
        made = time.perf_counter()
        project = synthetic_panel(store, faces, viewers=viewers, duration=duration,
                                  agree_at=[duration * f for f in (0.2, 0.5, 0.75)],
                                  stray_at=[duration / 3], strays=viewers // 10,
                                  folder=store.root / "staging" / "panel", video=video,
                                  start=start)
        before = write_before(store, project, store.root / "before.sqlite")
        built = time.perf_counter() - made
        sides = {side: _child(side, store.root, project, before) for side in ("today", "before")}
    return {"viewers": viewers, "duration": duration, "video": video or duration,
            "built_s": built, **sides}


def row(found: dict) -> str:
    """The comparison as report lines, with the targets."""
    today, before = found["today"], found["before"]
    read_t, slider_t, memory_t = TARGETS.get(_name(found), (None, None, None))
    watched = (f"{found['duration']:.0f} s of a {found['video'] / 3600:.0f} h video"
               if found.get("video", found["duration"]) > found["duration"]
               else f"{found['duration'] / 60:.0f} min")
    lines = [f"== {_name(found)} ({found['viewers']:,} viewers × {watched} at 5 samples/s "
             f"= {today['samples']:,} samples; built in {found['built_s']:.0f} s)",
             f"  {'':<42} {'read and bin':>12} {'slider change':>14} {'peak memory':>12}"]
    for name, side in (("Parquet + DuckDB (today)", today),
                       ("SQLite rows + NumPy (before)", before)):
        lines.append(f"  {name:<42} " + (
            f"ran out of its {BEFORE_MEMORY_MB / 1024:g} GB before the read was done"
            if side.get("out_of_memory") else
            f"{side['read_s']:10.2f} s {side['slider_ms']:11.0f} ms {side['peak_mb']:9.0f} MB"))
    if not before.get("out_of_memory"):
        lines.append(f"  {before['read_s'] / today['read_s']:.1f}x faster read, "
                     f"{before['slider_ms'] / today['slider_ms']:.1f}x faster slider change, "
                     f"{before['peak_mb'] / today['peak_mb']:.1f}x less memory; "
                     f"{today['peaks']} peaks (before: {before['peaks']})")
    targets = [(f"≤ {read_t:g} s", today["read_s"] <= read_t) if read_t else None,
               (f"≤ {slider_t:g} ms", today["slider_ms"] <= slider_t) if slider_t else None,
               (f"≤ {memory_t / 1024:g} GB", today["peak_mb"] <= memory_t) if memory_t
               else None]
    if targets := [t for t in targets if t]:
        lines.append(f"  target {', '.join(t for t, _ in targets)}: "
                     f"{'meets' if all(m for _, m in targets) else 'MISSES'}")
    return "\n".join(lines)


def _name(found: dict) -> str:
    """The row's bench name."""
    if found.get("video", found["duration"]) > found["duration"]:
        return "panel-window"
    return "panel" if found["viewers"] == ROWS["panel"] else "panel-10k"


def as_json(found: dict) -> dict:
    """The ``--json`` figures of the new side."""
    today = found["today"]
    return {"viewers": found["viewers"], "read_s": round(today["read_s"], 3),
            "slider_ms": round(today["slider_ms"], 1), "peak_mb": round(today["peak_mb"]),
            "before": {k: round(v, 3) if isinstance(v, float) else v
                       for k, v in found["before"].items()}}


def run() -> dict:
    """The 1,000-viewer row, then the window row (``WINDOW``) under ``window``."""
    found = compare(ROWS["panel"])
    window = compare(WINDOW["viewers"], WINDOW["duration"], video=WINDOW["video"],
                     start=WINDOW["start"])
    return {"report": row(found) + "\n" + row(window), **as_json(found),
            "window": as_json(window)}


def run_10k() -> dict:
    """The 10,000-viewer row."""
    found = compare(ROWS["panel-10k"])
    return {"report": row(found), **as_json(found)}
