"""Reaction samples as Parquet files: one typed table, written by key, listed in SQLite.

A panel of 10,000 viewers holds 30 million samples; SQLite rows made every read of them a
minute and every slider change seconds. Samples therefore live in columns: each session's
samples are Parquet files in ``media/project-<p>/samples/session-<s>/``, and DuckDB reads
them for every aggregate (``panel``, timelines, exports). SQLite keeps what needs
transactions: the ``sample_parts`` table lists the files that count.

Why a list in SQLite and not "every file in the folder": a file is written first (to a
temporary name, then renamed), and counts only once its row is committed. A writer killed
between the two leaves a file nobody reads; a retry writes the same key and so the same
name, which replaces the file and its row: samples are never counted twice. Compacting or
replacing a session's parts swaps the rows in one transaction and removes the old files after.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shortory_core.errors import StoreError
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.store.sample_seconds import seconds_name, seconds_table

SAMPLES_FOLDER = "samples"
PART_SUFFIX = ".parquet"

#: The one shape samples travel in: every writer builds it, every reader gets it.
SAMPLE_SCHEMA = pa.schema([
    pa.field("session_id", pa.int64(), nullable=False),
    pa.field("seq", pa.int64(), nullable=False),
    pa.field("video_time", pa.float64()),
    pa.field("source_time", pa.float64()),
    pa.field("paused", pa.int8()),
    pa.field("face_found", pa.int8()),
    pa.field("n_faces", pa.int16()),
    *(pa.field(e, pa.float64()) for e in PRODUCT_EMOTIONS),
    pa.field("dominant", pa.string()),
    pa.field("attention", pa.float64()),
    pa.field("head_pose", pa.float64()),
    pa.field("eyes_open", pa.float64()),
    pa.field("gaze", pa.float64()),
])
#: The columns of a sample, without its session (what a writer fills in per frame).
SAMPLE_COLUMNS: tuple[str, ...] = tuple(SAMPLE_SCHEMA.names[1:])


#: The samples that count for a viewer's curves: a face seen while the video played. A
#: paused flag that is missing counts as playing, a face flag that is missing as no face.
#: (``counted`` is the same test in Arrow, for the figures a part is written with.)
COUNTED_SQL = "face_found > 0 AND coalesce(paused, 0) = 0 AND isfinite(video_time)"


@dataclass(frozen=True)
class SamplePart:
    """One written file of a session: what ``sample_parts`` records about it. Besides where
    it lies (seqs, video times), the figures a viewer's verdict is judged by, summed over a
    session's parts (``Store.part_figures``): a panel of 10,000 viewers is judged from
    SQLite rows, without opening 10,000 files. Parts recorded before these figures were
    kept have None, and are counted from their files."""

    name: str
    rows: int
    first_seq: int
    last_seq: int
    start_time: float | None  # the video times it covers (None: no finite time)
    end_time: float | None
    source_from: float | None = None  # the recording times it covers (finite ones)
    source_to: float | None = None
    paused: int | None = None  # samples while the video was paused
    face_playing: int | None = None  # sum of ``face_found`` while the video played
    counted_from: float | None = None  # video times of its first and last sample that counts
    counted_to: float | None = None
    seconds: str | None = None  # its per-second sums' file (``sample_seconds``), if written


@dataclass(frozen=True)
class SessionFigures:
    """What a viewer's verdict (``panel.quality``) needs from a session's samples: its
    parts' figures summed (``Store.session_figures``), so no sample is read to judge it."""

    samples: int = 0
    span: float = 0.0  # seconds of recording from the first sample to the last
    playing: int = 0  # samples while the video played
    face_playing: float = 0.0  # of those, with a face
    paused: int = 0
    counted_from: float | None = None  # video times of the first and last sample that counts
    counted_to: float | None = None


def sample_table(session_id: int, rows: Iterable[Mapping[str, object]]) -> pa.Table:
    """Rows keyed by ``SAMPLE_COLUMNS`` (missing keys are null) as a ``SAMPLE_SCHEMA`` table,
    sorted by ``seq``."""
    rows = list(rows)
    columns = {"session_id": [session_id] * len(rows)}
    columns |= {c: [r.get(c) for r in rows] for c in SAMPLE_COLUMNS}
    table = pa.Table.from_pydict(columns, schema=SAMPLE_SCHEMA)
    return table.sort_by("seq") if len(rows) > 1 else table


def as_samples(table: pa.Table, session_id: int) -> pa.Table:
    """``table`` cast to ``SAMPLE_SCHEMA`` for ``session_id`` (a ``session_id`` column it
    carries is replaced), sorted by ``seq``."""
    if "session_id" in table.column_names:
        table = table.drop_columns(["session_id"])
    missing = [c for c in SAMPLE_COLUMNS if c not in table.column_names]
    for name in missing:
        table = table.append_column(name, pa.nulls(len(table), SAMPLE_SCHEMA.field(name).type))
    table = table.select(list(SAMPLE_COLUMNS))
    table = table.add_column(0, "session_id", pa.array(np.full(len(table), session_id,
                                                                np.int64)))
    return table.cast(SAMPLE_SCHEMA).sort_by("seq")


def session_folder(media_root: Path, project_id: int, session_id: int, *names: str) -> Path:
    """A session's folder in the store's media (``folder_in_project``), or the file ``names``
    in it, in one join: a panel's read names 10,000 of each."""
    return media_root.joinpath(f"project-{int(project_id)}", SAMPLES_FOLDER,
                               f"session-{int(session_id)}", *names)


def folder_in_project(project_folder: Path, session_id: int) -> Path:
    """A session's folder inside its project's media folder (or the staging folder that
    becomes it)."""
    return project_folder / SAMPLES_FOLDER / f"session-{int(session_id)}"


def part_name(key: str) -> str:
    """The file name of the part written under ``key`` (a retry with the same key replaces it)."""
    if not key or any(ch in key for ch in "/\\.") or len(key) > 80:
        raise ValueError(f"bad sample part key {key!r}")
    return key + PART_SUFFIX


def seq_key(prefix: str, first_seq: int) -> str:
    """The key of a part that starts at ``first_seq`` (``live-000000120``): a writer that
    retries a batch from the same seq writes the same file."""
    return f"{prefix}-{int(first_seq):09d}"


def compact_key(parts: list[SamplePart]) -> str:
    """The key of one part holding all of ``parts``: named by the seqs it spans, never the
    name of a part it replaces unless that part already held exactly this span, so a crash
    between the file and its row never leaves one sample counted twice."""
    return (f"compact-{min(p.first_seq for p in parts):09d}-"
            f"{max(p.last_seq for p in parts):09d}")


def write_part(folder: Path | str, key: str, table: pa.Table) -> SamplePart:
    """Write ``table`` (``SAMPLE_SCHEMA``) as ``folder/<key>.parquet`` atomically: a reader or
    a crash sees the old file or the whole new one, never half of one. Its per-second sums
    (``sample_seconds``) are written beside it first, under a name of their own. The caller
    records the returned part in ``sample_parts`` (``Store.record_sample_parts``)."""
    if table.schema != SAMPLE_SCHEMA:
        raise TypeError("sample parts are written in SAMPLE_SCHEMA (see as_samples)")
    if len(table) == 0:
        raise ValueError("an empty sample part")
    name = part_name(key)
    seconds = write_sums(folder, name, table)
    _write_file(folder, name, table, durable=True)
    return replace(describe_part(name, table), seconds=seconds)


def write_sums(folder: Path | str, name: str, table: pa.Table) -> str:
    """The per-second sums (``sample_seconds``) of the part ``name`` holding ``table``,
    written beside it; returns their file's name. They are derived (a damaged file is read
    around), so they are not synced to disk as a part is."""
    summed = seconds_table(table, counted(table))
    seconds = seconds_name(name, summed)
    _write_file(folder, seconds, summed, durable=False)
    return seconds


def _write_file(folder: Path | str, name: str, table: pa.Table, *, durable: bool) -> None:
    """``table`` as ``name`` in ``folder``: a local folder, or a URL through fsspec."""
    if isinstance(folder, str) and "://" in folder:
        _write_remote(folder, name, table)
    else:
        _write_local(Path(folder), name, table, durable=durable)


def _write_local(folder: Path, name: str, table: pa.Table, *, durable: bool) -> None:
    """``table`` as ``folder/name``: to a temporary name, then renamed over it."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.{uuid.uuid4().hex}.tmp"
    try:
        with open(temporary, "wb") as out:
            pq.write_table(table, out, compression="zstd", row_group_size=64_000)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temporary, folder / name)
    finally:
        temporary.unlink(missing_ok=True)


def _write_remote(url: str, name: str, table: pa.Table) -> None:
    """A file written through fsspec (a Ray worker's shared or object storage): to a
    temporary name, then moved, where the filesystem can move; object stores replace a key
    whole anyway."""
    import fsspec
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    fs, root = fsspec.core.url_to_fs(url)
    fs.makedirs(root, exist_ok=True)
    target = f"{root.rstrip('/')}/{name}"
    temporary = f"{root.rstrip('/')}/.{name}.{uuid.uuid4().hex}.tmp"
    pq.write_table(table, temporary, filesystem=PyFileSystem(FSSpecHandler(fs)),
                   compression="zstd", row_group_size=64_000)
    fs.mv(temporary, target)


def read_parts(session_id: int, paths: list[Path]) -> pa.Table:
    """A session's parts as one ``SAMPLE_SCHEMA`` table sorted by ``seq``; a part that is
    missing, truncated or damaged is a ``StoreError`` naming the session and the file (the
    session's other files, and every other session, are left as they are)."""
    tables = [read_part(session_id, path) for path in paths]
    if not tables:
        return SAMPLE_SCHEMA.empty_table()
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    return table.sort_by("seq") if len(tables) > 1 else table


def read_part(session_id: int, path: Path) -> pa.Table:
    """One part, or the ``StoreError`` that says why session ``session_id`` cannot be read."""
    try:
        return pq.read_table(path, schema=SAMPLE_SCHEMA)
    except FileNotFoundError as exc:
        raise StoreError(missing_part(session_id, path)) from exc
    except (pa.ArrowException, OSError) as exc:
        raise StoreError(damaged_part(session_id, path, exc)) from exc


def check_part(session_id: int, path: Path) -> None:
    """``read_part``'s errors without reading the samples (a file's footer only)."""
    try:
        pq.read_metadata(path)
    except FileNotFoundError as exc:
        raise StoreError(missing_part(session_id, path)) from exc
    except (pa.ArrowException, OSError) as exc:
        raise StoreError(damaged_part(session_id, path, exc)) from exc


def ends_whole(path: Path) -> bool:
    """Whether the part ``path`` still ends as a written Parquet file does (``PAR1``): four
    bytes read, so that a part cut short, overwritten or gone is noticed even where its sums
    are read in its place."""
    try:
        with open(path, "rb") as file:
            file.seek(-4, os.SEEK_END)
            return file.read(4) == b"PAR1"
    except OSError:
        return False


def unreadable(paths: list[Path], exc: BaseException) -> StoreError:
    """The error for a read over many sessions' parts that failed with ``exc``: the first
    part at fault, named with its session (so the analyst knows which one to restore or
    analyse again), else ``exc`` itself in plain words."""
    for path in paths:
        try:
            check_part(session_of(path) or 0, path)
        except StoreError as named:
            return named
    return StoreError(f"The samples could not be read: {exc}")


def missing_part(session_id: int, path: Path) -> str:
    gone = path.parent if not path.parent.exists() else path
    what = "folder" if gone == path.parent else "file"
    return (f"The samples of session {session_id} are missing: its {what} {gone} is gone. "
            "Restore it from a backup, or analyse the session again.")


def damaged_part(session_id: int, path: Path, exc: BaseException) -> str:
    return (f"The samples of session {session_id} cannot be read: {path} is damaged or "
            f"truncated ({exc}). Restore it from a backup, or analyse the session again.")


def session_of(path: Path) -> int | None:
    """The session whose folder holds ``path`` (``session-<id>``), if it is a part."""
    match = re.fullmatch(r"session-(\d+)", path.parent.name)
    return int(match.group(1)) if match else None


def describe_part(name: str, table: pa.Table) -> SamplePart:
    """What ``sample_parts`` records about ``table`` written as ``name``."""
    seq = table.column("seq")
    start, end = _finite_bounds(table.column("video_time"))
    source_from, source_to = _finite_bounds(table.column("source_time"))
    paused = pc.fill_null(pc.not_equal(table.column("paused"), 0), False)
    faces = pc.fill_null(table.column("face_found"), 0).filter(pc.invert(paused))
    counted_from, counted_to = _finite_bounds(
        table.column("video_time").filter(counted(table)))
    return SamplePart(
        name=name, rows=len(table), first_seq=int(pc.min(seq).as_py()),
        last_seq=int(pc.max(seq).as_py()), start_time=start, end_time=end,
        source_from=source_from, source_to=source_to,
        paused=int(pc.sum(paused).as_py() or 0),
        face_playing=int(pc.sum(faces).as_py() or 0),
        counted_from=counted_from, counted_to=counted_to)


def counted(table: pa.Table) -> pa.ChunkedArray:
    """``COUNTED_SQL`` in Arrow: which of ``table``'s samples count (never null)."""
    face = pc.fill_null(pc.greater(table.column("face_found"), 0), False)
    playing = pc.equal(pc.fill_null(table.column("paused"), 0), 0)
    finite = pc.fill_null(pc.is_finite(table.column("video_time")), False)
    return pc.and_(pc.and_(face, playing), finite)


def _finite_bounds(values: pa.ChunkedArray) -> tuple[float | None, float | None]:
    """The least and greatest finite value (None, None when there is none)."""
    values = pc.drop_null(values)
    values = values.filter(pc.is_finite(values)) if len(values) else values
    if not len(values):
        return None, None
    bounds = pc.min_max(values)
    return float(bounds["min"].as_py()), float(bounds["max"].as_py())
