"""Moving a store's samples out of SQLite rows (``reaction_samples``) into Parquet parts, once,
and giving the parts written before per-second sums existed their sums.

Stores made before samples became columns keep them as rows. They move session by session:
the rows are written as the part ``migrated``, the file's row count is checked against the
rows, and then ONE transaction records the part and deletes the session's rows. A kill at any
point leaves each session either still in rows (its file, if written, counts for nothing and
is written again) or in its part, never both: the sessions whose rows are still there are
exactly the ones left, so running it again resumes.

Parts recorded before migration 16 have no per-second sums (``sample_seconds``), so a panel
bins their samples, as it always did. ``add_missing_sums`` writes them, a part at a time: the
sums file first, then the part's row names it, only if the row is still the one it read (a
part replaced meanwhile keeps its own). A kill leaves at worst a sums file nobody names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow.parquet as pq

from shortory_core.errors import StoreError
from shortory_core.store.db import Store, record_parts_on
from shortory_core.store.sample_files import (
    SAMPLE_COLUMNS,
    part_name,
    read_part,
    sample_table,
    session_folder,
    write_sums,
)

log = logging.getLogger(__name__)

MIGRATED = "migrated"


@dataclass(frozen=True)
class MigrationProgress:
    """How far a migration is: sessions moved (or parts summed) of those it found, and rows
    moved (or summed)."""

    done: int
    total: int
    rows: int
    what: str = "sessions"

    def line(self) -> str:
        return f"{self.done}/{self.total} {self.what}, {self.rows} rows"


Progress = Callable[[MigrationProgress], None]


def sessions_left(store: Store) -> list[tuple[int, int]]:
    """(session, rows) of every session whose samples are still rows, in id order."""
    with store.reading() as conn:
        return [(int(r[0]), int(r[1])) for r in conn.execute(
            "SELECT session_id, COUNT(*) FROM reaction_samples GROUP BY session_id "
            "ORDER BY session_id")]


def needs_migration(store: Store) -> bool:
    with store.reading() as conn:
        return conn.execute("SELECT 1 FROM reaction_samples LIMIT 1").fetchone() is not None


def migrate_samples(store: Store, progress: Progress | None = None) -> MigrationProgress:
    """Move every session's rows into its part ``migrated``; returns what was moved."""
    left = sessions_left(store)
    moved = MigrationProgress(0, len(left), 0)
    if progress is not None:
        progress(moved)
    for session_id, count in left:
        migrate_session(store, session_id, count)
        moved = MigrationProgress(moved.done + 1, moved.total, moved.rows + count)
        if progress is not None:
            progress(moved)
    return moved


def migrate_session(store: Store, session_id: int, count: int) -> None:
    """One session: its rows as a file, the file checked, then the part recorded and the
    rows deleted in one transaction (which first checks the rows are still ``count``). A
    session another process moved meanwhile (a second tab, a second CLI) is left as it is."""
    with store.reading() as conn:
        cursor = conn.execute(f"SELECT {', '.join(SAMPLE_COLUMNS)} FROM reaction_samples "
                              "WHERE session_id = ? ORDER BY seq", (session_id,))
        rows = [dict(r) for r in cursor]
    if not rows:
        return
    count = len(rows)
    table = sample_table(session_id, rows)
    part = store.write_part_file(session_id, MIGRATED, table)
    path = store.sample_folder(session_id) / part_name(MIGRATED)
    written = pq.read_metadata(path).num_rows
    if written != count or part.rows != count:
        raise StoreError(f"Moving the samples of session {session_id}: the file {path} holds "
                         f"{written} rows, the database {count}. Nothing was deleted; run "
                         "the migration again.")
    with store.transaction() as conn:
        now = conn.execute("SELECT COUNT(*) FROM reaction_samples WHERE session_id = ?",
                           (session_id,)).fetchone()[0]
        if now == 0:
            return  # moved by another process, whose part counts (the same file)
        if now != count:
            raise StoreError(f"The samples of session {session_id} changed while they were "
                             "moved. Nothing was deleted; run the migration again.")
        record_parts_on(conn, session_id, [part])
        conn.execute("DELETE FROM reaction_samples WHERE session_id = ?", (session_id,))


def add_missing_sums(store: Store, progress: Progress | None = None) -> MigrationProgress:
    """Per-second sums for every part recorded without them (``done``/``total`` count parts,
    ``rows`` their samples). A part that cannot be read is left as it is and logged: the
    panel then names it when it bins its samples."""
    with store.reading() as conn:
        left = [(int(r[0]), int(r[1]), str(r[2]), int(r[3])) for r in conn.execute(
            "SELECT s.project_id, p.session_id, p.name, p.rows FROM sample_parts p "
            "JOIN reaction_sessions s ON s.id = p.session_id WHERE p.seconds IS NULL "
            "ORDER BY p.session_id, p.first_seq")]
    done = MigrationProgress(0, len(left), 0, "parts summed")
    if progress is not None:
        progress(done)
    for project_id, session_id, name, rows in left:
        folder = session_folder(store.media_root, project_id, session_id)
        try:
            seconds = write_sums(folder, name, read_part(session_id, folder / name))
        except StoreError as exc:
            log.warning("no per-second sums for %s: %s", folder / name, exc)
        else:
            with store.transaction() as conn:
                conn.execute("UPDATE sample_parts SET seconds = ? WHERE session_id = ? AND "
                             "name = ? AND seconds IS NULL", (seconds, session_id, name))
                now = conn.execute("SELECT seconds FROM sample_parts WHERE session_id = ? "
                                   "AND name = ?", (session_id, name)).fetchone()
            if now is None or now[0] != seconds:  # replaced meanwhile, with sums of its own
                (folder / seconds).unlink(missing_ok=True)
        done = MigrationProgress(done.done + 1, done.total, done.rows + rows, done.what)
        if progress is not None:
            progress(done)
    return done

