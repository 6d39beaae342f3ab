"""Reaction samples as Parquet parts: each writer writes by key (a retry replaces, never
doubles), readers get the ``SAMPLE_SCHEMA`` table, a store made before moves its rows once
(resumable after ``kill -9``), and a damaged, missing or unwritable file is one clear error
naming its session while the other sessions stay readable."""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from shortory_core.errors import StoreError
from shortory_core.jobs.recovery import IDLE_SESSION_S
from shortory_core.kinds import job_service
from shortory_core.live.writer import SampleWriter
from shortory_core.panel.grids import load_grids, viewer_verdicts
from shortory_core.store import Store
from shortory_core.store.sample_files import SAMPLE_COLUMNS, SAMPLE_SCHEMA, write_part
from shortory_core.store.sample_migration import migrate_samples, sessions_left
from shortory_core.store.sample_seconds import SECONDS_SUFFIX
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]


def demo_sessions(store: Store) -> list[int]:
    return [s.id for s in store.sessions(store.demo_project_id())]


def part_files(store: Store, session_id: int) -> list[str]:
    """The session's part files. Its folder holds no other Parquet file but their sums, one
    per part as recorded: a part written again, compacted or replaced leaves none behind."""
    names = sorted(p.name for p in store.sample_folder(session_id).glob("*.parquet"))
    sums = [n for n in names if n.endswith(SECONDS_SUFFIX)]
    assert sums == sorted(p.seconds for p in store.sample_parts(session_id))
    return [n for n in names if not n.endswith(SECONDS_SUFFIX)]


def test_the_demo_writes_one_part_per_analysed_viewer(demo_copy: Path) -> None:
    store = Store(demo_copy)
    for session_id in demo_sessions(store):
        samples = store.samples(session_id)
        assert samples.schema == SAMPLE_SCHEMA and len(samples) >= 15
        assert samples["session_id"].to_pylist() == [session_id] * len(samples)
        assert [p.name for p in store.sample_parts(session_id)] == ["analysis.parquet"]
        assert part_files(store, session_id) == ["analysis.parquet"]
        assert store.session(session_id).n_samples == len(samples)
    [summary] = [p for p in store.list_projects() if p.project.is_demo]
    assert summary.samples == sum(len(store.samples(i)) for i in demo_sessions(store))


def test_a_batch_written_twice_counts_once_and_an_analysis_replaces_every_part(
        demo_copy: Path) -> None:
    store = Store(demo_copy)
    real = store.samples(demo_sessions(store)[0]).to_pylist()
    session = store.create_session(store.demo_project_id(), "Retry", "live")
    assert store.add_samples(session, real[:20], prefix="live") == 20
    assert store.add_samples(session, real[:20], prefix="live") == 20  # a retry of that batch
    store.add_samples(session, real[20:30], prefix="live")
    assert store.session(session).n_samples == 30 == len(store.samples(session))
    assert part_files(store, session) == ["live-000000000.parquet", "live-000000020.parquet"]

    store.replace_samples(session, store.samples(demo_sessions(store)[1]))
    assert part_files(store, session) == ["analysis.parquet"]
    assert store.samples(session).drop_columns(["session_id"]) == store.samples(
        demo_sessions(store)[1]).drop_columns(["session_id"])


def test_the_live_writer_flushes_parts_by_seq_and_compacts_them_into_one(
        demo_copy: Path) -> None:
    store = Store(demo_copy)
    real = store.samples(demo_sessions(store)[0]).drop_columns(["seq"]).to_pylist() * 4
    session = store.create_session(store.demo_project_id(), "Flush", "live")
    writer = SampleWriter(store, session, flush_every=0.05)
    for start in range(0, 60, 20):
        for row in real[start:start + 20]:
            writer.add(row)
        wait_until(lambda n=start + 20: writer.written == n, f"{start + 20} samples written")
    writer.close()
    parts = store.sample_parts(session)  # a part per flush, named by its first seq
    assert len(parts) >= 3 and parts[0].name == "live-000000000.parquet"
    assert all(p.name == f"live-{p.first_seq:09d}.parquet" for p in parts)
    before = store.samples(session)

    part = store.compact_samples(session)
    assert part is not None and part.name == "compact-000000000-000000059.parquet"
    assert part_files(store, session) == [part.name]  # the flushes' files are gone
    assert store.samples(session) == before and store.session(session).n_samples == 60
    assert store.compact_samples(session) is None  # one part: nothing to do


def test_a_viewing_left_open_is_compacted_when_the_app_next_starts(demo_copy: Path) -> None:
    """A closed tab leaves a live session's flushes behind (no stop compacts them); the next
    start joins them once the viewing has been idle, and leaves a viewing still going alone."""
    store = Store(demo_copy)
    real = store.samples(demo_sessions(store)[0]).drop_columns(["seq"]).to_pylist()
    left, going = (store.create_session(store.demo_project_id(), name, "live")
                   for name in ("Left", "Going"))
    for session in (left, going):
        for start in range(0, 40, 10):
            rows = [r | {"seq": start + k} for k, r in enumerate(real[start:start + 10])]
            store.add_samples(session, rows, prefix="live")
    before = store.samples(left)
    with store.transaction() as conn:  # the tab closed twenty minutes ago
        conn.execute("UPDATE sample_parts SET written_at = written_at - 1200 "
                     "WHERE session_id = ?", (left,))
    assert store.idle_fragmented_sessions(time.time() - IDLE_SESSION_S) == [left]
    job_service(store, workers=False)  # a start: recovery runs
    assert part_files(store, left) == ["compact-000000000-000000039.parquet"]
    assert store.samples(left) == before and store.session(left).n_samples == 40
    assert len(part_files(store, going)) == 4  # still being watched: left as it is


def legacy_store(home: Path, source: Store, sessions: int) -> dict[int, list[dict]]:
    """A store as made before samples became Parquet: its samples as rows of
    ``reaction_samples`` (the demo viewers' real samples, cycled over ``sessions``)."""
    real = [source.samples(i).drop_columns(["session_id"]).to_pylist()
            for i in demo_sessions(source)]
    store = Store(home)
    project = store.create_project("old")
    made = {store.create_session(project, f"V{k}", "recording"): real[k % len(real)]
            for k in range(sessions)}
    as_old_rows(store, made)
    return made


def as_old_rows(store: Store, rows: dict[int, list[dict]]) -> None:
    """Samples stored as the store kept them before: rows of ``reaction_samples``, no parts."""
    conn = sqlite3.connect(store.db_path)
    with conn:
        conn.execute("DELETE FROM sample_parts")
        for session, samples in rows.items():
            conn.executemany(
                f"INSERT INTO reaction_samples (session_id, {', '.join(SAMPLE_COLUMNS)}) "
                f"VALUES (?, {', '.join('?' * len(SAMPLE_COLUMNS))})",
                [(session, *(r[c] for c in SAMPLE_COLUMNS)) for r in samples])
    conn.close()


def test_a_legacy_store_refuses_to_read_as_empty_and_migrates_once(demo_copy: Path,
                                                                    tmp_path: Path) -> None:
    made = legacy_store(tmp_path / "old", Store(demo_copy), 3)
    store = Store(tmp_path / "old")
    first = next(iter(made))
    with pytest.raises(StoreError, match=f"session {first} are still in the old format"):
        store.samples(first)
    seen = []
    moved = migrate_samples(store, seen.append)
    assert [p.line() for p in seen] == ["0/3 sessions, 0 rows"] + [
        f"{k}/3 sessions, {sum(len(r) for r in list(made.values())[:k])} rows"
        for k in (1, 2, 3)]
    assert moved.rows == sum(len(r) for r in made.values()) and not sessions_left(store)
    for session, rows in made.items():
        assert store.samples(session).drop_columns(["session_id"]).to_pylist() == rows
        assert part_files(store, session) == ["migrated.parquet"]
    assert migrate_samples(store).total == 0  # nothing left: a second run does nothing


def test_a_migration_killed_mid_way_resumes_and_doubles_nothing(demo_copy: Path,
                                                                 tmp_path: Path) -> None:
    home = tmp_path / "old"
    made = legacy_store(home, Store(demo_copy), 60)
    command = [sys.executable, "-m", "shortory_core", "--data-dir", str(home), "samples",
               "migrate"]
    migrating = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    for line in migrating.stderr:  # "n/N sessions, rows" after each session
        if line.startswith("2/60 sessions"):
            migrating.send_signal(signal.SIGKILL)
            break
    migrating.wait()
    assert migrating.returncode == -signal.SIGKILL
    store = Store(home)
    left = dict(sessions_left(store))
    assert 0 < len(left) < 60  # killed mid-way
    for session, rows in made.items():  # each session in its rows or in its part, never both
        kept = store.session(session).n_samples
        assert (left.get(session, 0), kept) in ((len(rows), 0), (0, len(rows)))

    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(left)}/{len(left)} sessions" in resumed.stderr
    assert not sessions_left(store)
    for session, rows in made.items():
        assert store.samples(session).drop_columns(["session_id"]).to_pylist() == rows
        assert store.session(session).n_samples == len(rows)
        assert part_files(store, session) == ["migrated.parquet"]


def test_parts_written_before_sums_get_them_from_the_migration(demo_copy: Path) -> None:
    store = Store(demo_copy)
    project = store.demo_project_id()
    before = load_grids(store, project).values
    damaged, *good = demo_sessions(store)
    for session in demo_sessions(store):  # as parts recorded before migration 16
        for part in store.sample_parts(session):
            (store.sample_folder(session) / part.seconds).unlink()
    with sqlite3.connect(store.db_path) as conn:
        conn.execute("UPDATE sample_parts SET seconds = NULL")
    (store.sample_folder(damaged) / "analysis.parquet").write_bytes(b"not parquet " * 40)
    command = [sys.executable, "-m", "shortory_core", "--data-dir", str(demo_copy), "samples",
               "migrate"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    parts = len(demo_sessions(store))
    assert f"{parts}/{parts} parts summed" in done.stderr and "sums written" in done.stdout
    assert store.sample_seconds_paths([damaged]) is None  # left as it was, named on reading
    for session in good:
        assert store.sample_seconds_paths([session])  # recorded, and nothing else left
        assert part_files(store, session) == ["analysis.parquet"]
    grids = load_grids(store, project)
    assert list(grids.damaged) == [damaged]
    rows = [v for v, q in enumerate(grids.quality) if q.session_id != damaged]
    np.testing.assert_allclose(grids.values[:, rows], before[:, rows], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fault", ["corrupt", "truncated", "missing folder"])
def test_a_bad_part_is_one_error_naming_its_session_and_the_others_stay_readable(
        demo_copy: Path, fault: str) -> None:
    store = Store(demo_copy)
    bad, good, *_ = demo_sessions(store)
    path = store.sample_folder(bad) / "analysis.parquet"
    if fault == "corrupt":
        path.write_bytes(b"not parquet at all " * 100)
    elif fault == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        shutil.rmtree(path.parent)  # the part and its sums
    says = "folder .* is gone" if fault == "missing folder" else "damaged or truncated"
    with pytest.raises(StoreError, match=f"samples of session {bad} .*{says}"):
        store.samples(bad)
    project = store.session(bad).project_id
    grids = load_grids(store, project)  # the panel's read over every session names the one
    assert list(grids.damaged) == [bad]
    assert re.search(f"samples of session {bad} .*{says}", grids.damaged[bad])
    verdict = {q.session_id: q for q in grids.quality}
    assert not verdict[bad].included and verdict[bad].reason == grids.damaged[bad]
    kept = [v for v, q in enumerate(grids.quality) if q.session_id != bad]
    assert np.isfinite(grids.values[:, kept]).any(axis=(0, 2)).all()  # the others read
    assert np.isnan(grids.values[:, [v for v in range(len(grids.quality)) if v not in kept]]
                    ).all()
    assert len(store.samples(good)) == store.session(good).n_samples
    # the viewers are still listed, with their verdicts: those come from the parts' rows
    verdicts = viewer_verdicts(store, project)
    assert verdicts[bad].samples == store.session(bad).n_samples > 0


def test_a_part_recorded_without_figures_is_counted_from_its_file_once(demo_copy: Path
                                                                       ) -> None:
    store = Store(demo_copy)
    project = store.demo_project_id()
    before = viewer_verdicts(store, project)
    with sqlite3.connect(store.db_path) as conn:  # as a part written before migration 15
        conn.execute("UPDATE sample_parts SET source_from = NULL, source_to = NULL, "
                     "paused = NULL, face_playing = NULL, counted_from = NULL, "
                     "counted_to = NULL")
    assert viewer_verdicts(store, project) == before
    with sqlite3.connect(store.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sample_parts WHERE paused IS NULL"
                            ).fetchone() == (0,)


def test_a_part_is_written_through_fsspec_for_a_worker_on_shared_storage(
        demo_copy: Path, tmp_path: Path) -> None:
    store = Store(demo_copy)
    table = store.samples(demo_sessions(store)[0])
    part = write_part((tmp_path / "shared" / "session-9").as_uri(), "chunk-000000000", table)
    again = write_part((tmp_path / "shared" / "session-9").as_uri(), "chunk-000000000", table)
    assert part == again and part.rows == len(table)  # written again: the same files
    assert sorted(os.listdir(tmp_path / "shared" / "session-9")) == sorted(
        ["chunk-000000000.parquet", part.seconds])
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "shared" / "session-9" / part.name) == table


def mounted(args: list[str]) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def test_a_full_disk_mid_write_names_the_session_and_loses_nothing(demo_copy: Path,
                                                                    tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or not mounted(["-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)]):
        pytest.skip("mounting a tmpfs needs root")
    try:
        real = Store(demo_copy).samples(demo_sessions(Store(demo_copy))[0])
        store = Store(disk / "home")
        project = store.create_project("full")
        kept, other = (store.create_session(project, v, "live") for v in ("A", "B"))
        store.write_samples(kept, "live-000000000", real)
        store.write_samples(other, "analysis", real)
        big = pa.concat_tables([real] * (40_000 // len(real) + 1))
        noise = np.random.default_rng(1).random(len(big))  # measured values do not compress
        for name in ("happy", "attention", "gaze"):
            big = big.set_column(big.schema.get_field_index(name), name, pa.array(noise))
        with (disk / "filler").open("wb", buffering=0) as filler:
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            filler.write(b"\0" * max(free - 64 * 1024, 0))
        with pytest.raises(StoreError, match=f"session {kept} were not saved.*is full"):
            store.write_samples(kept, "live-000000100", big)
        measured = real.drop_columns(["session_id"])
        assert store.samples(kept).drop_columns(["session_id"]) == measured  # its part: whole
        assert store.samples(other).drop_columns(["session_id"]) == measured
        assert [p.name for p in store.sample_parts(kept)] == ["live-000000000.parquet"]
        assert not list(store.sample_folder(kept).glob(".*.tmp"))  # no half file left
        (disk / "filler").unlink()
        store.write_samples(kept, "live-000000100", big)  # room again: the retry works
        assert store.session(kept).n_samples == len(real) + len(big)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def test_the_app_moves_an_old_stores_samples_before_a_page_counts_them(
        demo_copy: Path) -> None:
    from streamlit.testing.v1 import AppTest

    store = Store(demo_copy)
    sessions = demo_sessions(store)
    counts = {i: store.session(i).n_samples for i in sessions}
    rows = {i: store.samples(i).drop_columns(["session_id"]).to_pylist() for i in sessions}
    as_old_rows(store, rows)  # the demo as a store made before
    assert len(sessions_left(store)) == len(sessions)

    app = AppTest.from_file(str(ROOT / "pages/reactions.py"), default_timeout=120).run()
    assert not app.exception
    assert not sessions_left(store)
    assert {i: store.session(i).n_samples for i in sessions} == counts
    assert app.metric[0].label == "Samples" and int(app.metric[0].value) in counts.values()
