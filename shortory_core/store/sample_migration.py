"""Moving a store's samples out of SQLite rows (``reaction_samples``) into Parquet parts, once.

Stores made before samples became columns keep them as rows. They move session by session:
the rows are written as the part ``migrated``, the file's row count is checked against the
rows, and then ONE transaction records the part and deletes the session's rows. A kill at any
point leaves each session either still in rows (its file, if written, counts for nothing and
is written again) or in its part, never both: the sessions whose rows are still there are
exactly the ones left, so running it again resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow.parquet as pq

from shortory_core.errors import StoreError
from shortory_core.store.db import Store, record_parts_on
from shortory_core.store.sample_files import SAMPLE_COLUMNS, part_name, sample_table

MIGRATED = "migrated"


@dataclass(frozen=True)
class MigrationProgress:
    """How far a migration is: sessions moved of those it found, and rows moved."""

    done: int
    total: int
    rows: int

    def line(self) -> str:
        return f"{self.done}/{self.total} sessions, {self.rows} rows"


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
