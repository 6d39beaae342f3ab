"""The project store: one SQLite database plus a media folder beside it.

Why SQLite: it ships with Python (nothing to install or run), it is safe with several writers
from several processes (WAL journal + busy timeout + ``BEGIN IMMEDIATE``), and a refresh, a
second browser tab or a killed server loses nothing that was committed. DuckDB reads faster in
bulk but allows one writing process at a time, which two app sessions would break.

Every public method opens its own short connection, so a ``Store`` may be shared by Streamlit's
script threads and by background workers without a lock of ours.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, astuple, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from shortory_core.config import data_dir
from shortory_core.errors import StoreError, storage_faults
from shortory_core.names import normalise_name
from shortory_core.records import (
    Chapter,
    ClipRecord,
    ClipStatus,
    Comment,
    CommentColumns,
    CommentImport,
    CommentReader,
    CommentRow,
    HeatPoint,
    MentionSet,
    ProfileSummary,
    Project,
    ProjectDraft,
    ProjectSummary,
    ReactionSession,
    SessionKind,
    SessionStatus,
    VideoInfo,
)
from shortory_core.store.comment_ids import KnownIds
from shortory_core.store.comment_stream import write_while_reading
from shortory_core.store.jobs import JobRequest, JobTable
from shortory_core.store.sample_files import (
    SAMPLES_FOLDER,
    SamplePart,
    SessionFigures,
    as_samples,
    compact_key,
    describe_part,
    folder_in_project,
    read_part,
    read_parts,
    sample_table,
    seq_key,
    session_folder,
    write_part,
)
from shortory_core.store.schema import LATEST_VERSION, MIGRATIONS
from shortory_core.store.stored_comments import (
    COMMENTS_FOLDER,
    ImportWriter,
    most_liked,
    read_comments,
)

if TYPE_CHECKING:
    from shortory_core.vision.profiles import Profile

DB_NAME = "shortory.sqlite3"
BUSY_TIMEOUT_S = 30.0


class Store:
    """Projects, videos, comments, reactions, clips and jobs of one data folder."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else data_dir()
        self.db_path = self.root / DB_NAME
        self.media_root = self.root / "media"
        with storage_faults(self.root):
            self.root.mkdir(parents=True, exist_ok=True)
            self.media_root.mkdir(exist_ok=True)
        self.migrate()
        self.jobs = JobTable(self.transaction, self.reading)

    # -- connections -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        with storage_faults(self.root):
            conn = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @contextmanager
    def transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """A connection inside one transaction: all of it is committed, or none of it.

        ``IMMEDIATE`` takes the write lock up front, so two writers queue instead of failing
        half-way with ``database is locked``. A failure is reported as itself: when SQLite
        has already rolled back (a full disk does that), the rollback's own complaint ("no
        transaction is active") is not allowed to hide it.
        """
        conn = self._connect()
        try:
            with storage_faults(self.root):
                conn.execute(f"BEGIN {mode}")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        with suppress(sqlite3.Error):
                            conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        finally:
            conn.close()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            with storage_faults(self.root):
                yield conn
        finally:
            conn.close()

    def migrate(self, target: int = LATEST_VERSION) -> None:
        """Bring the database up to ``target``; safe when several processes start at once."""
        with self.transaction("EXCLUSIVE") as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > LATEST_VERSION:
                raise StoreError(
                    f"{self.db_path} was written by a newer Shortory (schema {version}, this "
                    f"one knows {LATEST_VERSION}). Upgrade Shortory or point SHORTORY_HOME "
                    "elsewhere."
                )
            for number in range(version, target):
                for statement in _split_sql(MIGRATIONS[number]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")

    # -- projects ----------------------------------------------------------------------------

    def create_project(self, name: str, *, is_demo: bool = False) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO projects (name, created_at, is_demo) VALUES (?, ?, ?)",
                (project_name(name), time.time(), int(is_demo)),
            )
            return int(cur.lastrowid)

    def commit_project(self, draft: ProjectDraft) -> int:
        """Create a complete project in one transaction; returns its id.

        The draft's files were made in a staging folder inside the data folder. That folder is
        renamed to the project's media folder inside the transaction, so the project becomes
        visible with all of its files, or (a failure, a kill) not at all. A rename that
        happened before a kill leaves a media folder with no project row, which recovery
        removes at the next start.
        """
        target: Path | None = None
        try:
            with self.transaction() as conn:
                cur = conn.execute(
                    "INSERT INTO projects (name, created_at, is_demo) VALUES (?, ?, ?)",
                    (project_name(draft.name), time.time(), int(draft.is_demo)))
                project_id = int(cur.lastrowid)
                folder = f"project-{project_id}"
                if draft.video is not None:
                    _upsert_video(conn, project_id, replace(
                        draft.video, path=f"{folder}/{draft.video.path}"))
                if draft.comment_reader is not None:
                    added, report, mentions = _import_file(conn, project_id, draft.folder,
                                                           draft.comment_reader)
                    _save_if_whole(conn, project_id, mentions, added)
                    draft.imports.append(report | {"added": added})
                elif draft.comments or draft.imports:
                    reports = draft.imports or [{"file": "comments fetched with the video"}]
                    added = _add_comments(conn, project_id, draft.folder, draft.comments,
                                          reports[0])
                    _save_if_whole(conn, project_id, draft.mentions, added)
                for session in draft.sessions:
                    session_id = _insert_session(
                        conn, project_id, session.viewer, session.kind,
                        source_path=f"{folder}/{session.source_path}",
                        time_offset=session.time_offset, meta=session.meta)
                    if len(session.samples):  # written into the folder that becomes the project's
                        part = write_part(folder_in_project(draft.folder, session_id),
                                          "analysis", as_samples(session.samples, session_id))
                        record_parts_on(conn, session_id, [part])
                    conn.execute("UPDATE reaction_sessions SET status = ?, ended_at = ? "
                                 "WHERE id = ?", (session.status, time.time(), session_id))
                target = self.media_root / folder
                if target.exists():  # left by an id whose creation was rolled back
                    shutil.rmtree(target)
                os.rename(draft.folder, target)
        except BaseException:
            if target is not None and target.exists() and not draft.folder.exists():
                os.rename(target, draft.folder)  # not committed: the files go back
            for rolled_back in (SAMPLES_FOLDER, COMMENTS_FOLDER):  # their ids were rolled back
                shutil.rmtree(draft.folder / rolled_back, ignore_errors=True)
            raise
        return project_id

    def get_project(self, project_id: int) -> Project | None:
        with self.reading() as conn:
            row = conn.execute("SELECT * FROM projects WHERE id = ?", (project_id,)).fetchone()
        return _project(row) if row else None

    def demo_project_id(self) -> int | None:
        with self.reading() as conn:
            row = conn.execute(
                "SELECT id FROM projects WHERE is_demo = 1 ORDER BY id LIMIT 1"
            ).fetchone()
        return int(row[0]) if row else None

    def delete_project(self, project_id: int) -> None:
        """Delete a project with everything it holds: rows (by cascade), then its media folder
        (a folder left by a failure here is removed by the next start's recovery)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM projects WHERE id = ?", (project_id,))
        shutil.rmtree(self.media_root / f"project-{int(project_id)}", ignore_errors=True)

    def rename_project(self, project_id: int, name: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE projects SET name = ? WHERE id = ?",
                         (project_name(name), project_id))

    def projects_named(self, name: str) -> list[int]:
        """The ids of the projects with exactly this name, oldest first (without the counts
        ``list_projects`` gathers over every sample)."""
        with self.reading() as conn:
            rows = conn.execute("SELECT id FROM projects WHERE name = ? ORDER BY id",
                                (name,)).fetchall()
        return [int(r["id"]) for r in rows]

    def list_projects(self) -> list[ProjectSummary]:
        """Every project with its counts: the demo first, then the newest."""
        with self.reading() as conn:
            rows = conn.execute(
                """
                SELECT p.*,
                  (SELECT COALESCE(SUM(i.comments), 0) FROM comment_imports i
                      WHERE i.project_id = p.id AND i.active) AS n_comments,
                  (SELECT COUNT(*) FROM reaction_sessions s WHERE s.project_id = p.id)
                      AS n_sessions,
                  (SELECT COALESCE(SUM(r.rows), 0) FROM sample_parts r JOIN reaction_sessions s
                      ON r.session_id = s.id WHERE s.project_id = p.id) AS n_samples,
                  (SELECT COUNT(*) FROM clips k WHERE k.project_id = p.id
                      AND k.status = ?) AS n_clips
                FROM projects p ORDER BY p.is_demo DESC, p.created_at DESC, p.id DESC
                """, (ClipStatus.DONE,)
            ).fetchall()
            videos = {
                int(r["project_id"]): _video(r) for r in conn.execute("SELECT * FROM videos")
            }
        return [
            ProjectSummary(
                project=_project(r),
                video=videos.get(int(r["id"])),
                comments=int(r["n_comments"]),
                sessions=int(r["n_sessions"]),
                samples=int(r["n_samples"]),
                clips=int(r["n_clips"]),
            )
            for r in rows
        ]

    def project_media_dir(self, project_id: int) -> Path:
        """The folder for a project's files, named by its id (never by an untrusted title)."""
        path = self.media_root / f"project-{int(project_id)}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def media_path(self, relative: str) -> Path:
        return self.media_root / relative

    def relative_media_path(self, path: Path) -> str:
        return path.resolve().relative_to(self.media_root.resolve()).as_posix()

    # -- videos ------------------------------------------------------------------------------

    def set_preview(self, project_id: int, preview: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE videos SET preview = ? WHERE project_id = ?",
                         (preview, project_id))

    def get_video(self, project_id: int) -> VideoInfo | None:
        with self.reading() as conn:
            row = conn.execute(
                "SELECT * FROM videos WHERE project_id = ?", (project_id,)
            ).fetchone()
        return _video(row) if row else None

    # -- comments ----------------------------------------------------------------------------

    def add_comments(self, project_id: int, comments: Iterable[Comment] | CommentColumns, *,
                     report: dict | None = None) -> int:
        """Insert comments as one import, with its report (``projects.import_record``; a
        plain one without), in one transaction; a comment id seen before is skipped. Returns
        how many were new, so re-importing adds nothing."""
        with self._comment_files(project_id) as (conn, folder):
            return _add_comments(conn, project_id, folder, comments,
                                 report or {"file": "comments"})

    def add_comment_file(self, project_id: int, read: CommentReader) -> dict:
        """Add a comment file's comments as one import, inserted as ``read`` reads them
        (``comment_stream``), in one transaction; returns its record with how many comments
        were new (``added``)."""
        with self._comment_files(project_id) as (conn, folder):
            added, report, _ = _import_file(conn, project_id, folder, read)
        return report | {"added": added}

    @contextmanager
    def _comment_files(self, project_id: int) -> Iterator[tuple[sqlite3.Connection, Path]]:
        """A transaction that writes comment files into the project's folder: a file whose
        import row is not committed (the transaction failed, the commit too) is removed."""
        folder = self.project_media_dir(project_id)
        before = set((folder / COMMENTS_FOLDER).glob("import-*"))
        try:
            with self.transaction() as conn:
                yield conn, folder
        except BaseException:
            for path in set((folder / COMMENTS_FOLDER).glob("import-*")) - before:
                path.unlink(missing_ok=True)
            raise

    def comment_imports(self, project_id: int) -> list[CommentImport]:
        """The project's imported comment files, newest first, with how many comments each
        holds."""
        with self.reading() as conn:
            rows = conn.execute("SELECT * FROM comment_imports WHERE project_id = ? "
                                "ORDER BY id DESC", (project_id,)).fetchall()
        return [CommentImport(float(r["created_at"]), json.loads(r["report"]), int(r["id"]),
                              bool(r["active"]), int(r["comments"])) for r in rows]

    def set_import_active(self, import_id: int, active: bool) -> int:
        """Switch an imported file's comments on or off (they stay stored); returns its
        project's id. The project's stored time references go with the change (rebuilt from
        the comments that count on first use)."""
        with self.transaction() as conn:
            project_id = _import_project(conn, import_id)
            conn.execute("UPDATE comment_imports SET active = ? WHERE id = ?",
                         (int(active), import_id))
            conn.execute("DELETE FROM mention_sets WHERE project_id = ?", (project_id,))
            return project_id

    def delete_import(self, import_id: int) -> int:
        """Delete an imported file with every comment it added (by cascade) and the project's
        stored time references (rebuilt on first use); returns its project's id."""
        with self.transaction() as conn:
            project_id = _import_project(conn, import_id)
            file = conn.execute("DELETE FROM comment_imports WHERE id = ? RETURNING file",
                                (import_id,)).fetchone()[0]
            conn.execute("DELETE FROM mention_sets WHERE project_id = ?", (project_id,))
        if file:
            (self.media_root / f"project-{int(project_id)}" / file).unlink(missing_ok=True)
        return project_id

    def comment_count(self, project_id: int) -> int:
        """How many of the project's comments count (those of files switched on)."""
        return self.comments_key(project_id)[0]

    def comments_key(self, project_id: int) -> tuple[int, tuple[int, ...]]:
        """What the comments that count depend on: how many there are and which imported
        files are on. Pages key what they derive from the comments by it."""
        with self.reading() as conn:
            ids = tuple(int(r[0]) for r in conn.execute(
                "SELECT id FROM comment_imports WHERE project_id = ? AND active ORDER BY id",
                (project_id,)))
            return _active_count(conn, project_id), ids

    def comment_columns(self, project_id: int) -> CommentColumns:
        """Every comment that counts, as columns, import by import in file order: read from
        each import's file, or from the rows of an import made before files (without one
        ``Comment`` per comment either way)."""
        folder = self.media_root / f"project-{int(project_id)}"
        tables = []
        with self.reading() as conn:
            for import_id, file in _active_imports(conn, project_id):
                if file:
                    tables.append(read_comments(folder, file))
                    continue
                tables.append(CommentColumns.from_rows(_stored_rows(conn, import_id)).table())
        if not tables:
            return CommentColumns.of([])
        return CommentColumns(pa.concat_tables(tables))

    def top_comments(self, project_id: int, limit: int) -> list[Comment]:
        """The ``limit`` most-liked comments that count: of each import's file its most
        liked, and of older imports' rows those an index gives (a million comments are not
        sorted for a page)."""
        folder = self.media_root / f"project-{int(project_id)}"
        with self.reading() as conn:
            found = [_comment(r) for r in conn.execute(
                f"SELECT * FROM comments WHERE project_id = ? AND {ACTIVE} "
                "ORDER BY likes DESC LIMIT ?", (project_id, project_id, limit))]
            files = [file for _, file in _active_imports(conn, project_id) if file]
        for file in files:
            found += [Comment(**row) for row in most_liked(folder, file, limit).to_pylist()]
        return sorted(found, key=lambda c: -c.likes)[:limit]

    def save_mentions(self, project_id: int, mentions: MentionSet) -> bool:
        """Keep a project's extracted time references, unless comments were added since they
        were extracted (then they are already out of date); returns whether they were kept."""
        with self.transaction() as conn:
            if _active_count(conn, project_id) != mentions.comments:
                return False
            _save_mentions(conn, project_id, mentions)
            return True

    def mentions(self, project_id: int) -> MentionSet | None:
        """The project's stored time references, or ``None`` when there are none or they no
        longer match its comments."""
        with self.reading() as conn:
            row = conn.execute("SELECT comments, rules, refs, quoted FROM mention_sets "
                               "WHERE project_id = ?", (project_id,)).fetchone()
            now = _active_count(conn, project_id) if row is not None else None
        if row is None or now != row["comments"]:
            return None
        return MentionSet(int(row["comments"]), row["rules"], bytes(row["refs"]),
                          bytes(row["quoted"]))

    # -- reaction sessions -------------------------------------------------------------------

    def create_session(
        self,
        project_id: int,
        viewer: str,
        kind: SessionKind,
        *,
        source_path: str = "",
        time_offset: float = 0.0,
        meta: dict | None = None,
        work_key: str | None = None,
        job: JobRequest | None = None,
    ) -> int:
        """A new session's id; with a ``work_key``, the id of the project's session of that
        key, made only if there is none (the store's unique index decides, so two processes
        asking at once get one session). A ``job`` (its analysis) is added in the same
        transaction when the session is new: a session never exists without its job."""
        with self.transaction() as conn:
            session_id, new = _keyed_session(
                conn, project_id, viewer, kind, source_path=source_path,
                time_offset=time_offset, meta=meta, work_key=work_key)
            if new and job is not None:
                job.add_on(conn, session_id, "session_id")
            return session_id

    def add_recording(self, project_id: int, viewer: str, upload: Path, suffix: str, *,
                      time_offset: float, meta: dict | None = None,
                      job: JobRequest | None = None) -> tuple[int, int | None]:
        """A new ``recording`` session holding the written file ``upload``, which becomes
        the session's file (named by the session's id, never by the upload's name) in the
        transaction that creates the session, with the ``job`` that will analyse it: a
        session never exists without its file, nor without its job. ``upload`` lies in the
        project's media folder, where the file stays. Returns (session id, job id)."""
        with self.transaction() as conn:
            session_id = _insert_session(conn, project_id, viewer, SessionKind.RECORDING,
                                         time_offset=time_offset, meta=meta)
            job_id = job.add_on(conn, session_id, "session_id") if job is not None else None
            target = upload.with_name(f"session-{session_id}{suffix}")
            conn.execute("UPDATE reaction_sessions SET source_path = ? WHERE id = ?",
                         (self.relative_media_path(target), session_id))
            os.replace(upload, target)
        return session_id, job_id

    def sessions(self, project_id: int) -> list[ReactionSession]:
        with self.reading() as conn:
            rows = conn.execute(
                """
                SELECT s.*, (SELECT COALESCE(SUM(r.rows), 0) FROM sample_parts r
                             WHERE r.session_id = s.id) AS n_samples
                FROM reaction_sessions s WHERE s.project_id = ? ORDER BY s.id
                """,
                (project_id,),
            ).fetchall()
        return [_session(r) for r in rows]

    def set_session_status(self, session_id: int, status: SessionStatus, *,
                           ended: bool = False) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE reaction_sessions SET status = ?, ended_at = CASE WHEN ? THEN ? "
                "ELSE ended_at END WHERE id = ?",
                (status, int(ended), time.time(), session_id),
            )

    def touch_session(self, session_id: int) -> None:
        """Note that a live session's viewer is still there (``meta.heartbeat``, wall time)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE reaction_sessions SET meta = json_set(meta, '$.heartbeat', ?) "
                "WHERE id = ?", (time.time(), session_id))

    def add_samples(self, session_id: int, samples: Iterable[dict], *,
                    prefix: str = "part") -> int:
        """Write samples (dicts keyed by ``SAMPLE_COLUMNS``) as one part keyed by their first
        ``seq`` (``seq_key``): the same batch written again replaces it. Returns the count."""
        table = sample_table(session_id, samples)
        if len(table):
            self.write_samples(session_id, seq_key(prefix, table["seq"][0].as_py()), table)
        return len(table)

    def samples(self, session_id: int) -> pa.Table:
        """A session's samples (``SAMPLE_SCHEMA``, by ``seq``), read from its parts; a
        ``StoreError`` naming the session when a part is missing or damaged, or when the
        session's samples still wait in the old table (``samples migrate``)."""
        with self.reading() as conn:
            _refuse_unmigrated(conn, [session_id])
        return read_parts(session_id, self.sample_part_paths([session_id]))

    def sample_folder(self, session_id: int) -> Path:
        """Where a session's Parquet parts are written (``sample_files.session_folder``)."""
        with self.reading() as conn:
            row = conn.execute("SELECT project_id FROM reaction_sessions WHERE id = ?",
                               (session_id,)).fetchone()
        if row is None:
            raise StoreError(f"No reaction session {session_id}.")
        return session_folder(self.media_root, int(row[0]), session_id)

    def write_samples(self, session_id: int, key: str, table: pa.Table, *,
                      replace: bool = False) -> SamplePart:
        """Write a session's samples as the part ``key`` and record it: a retry with the same
        key replaces the part (never doubles it); ``replace`` drops the session's other parts
        in the same transaction (a re-analysis). A full disk (or any storage fault) is a
        ``StoreError`` naming the session; its parts written before still count."""
        part = self.write_part_file(session_id, key, table)
        self.record_sample_parts(session_id, [part], replace=replace)
        return part

    def write_part_file(self, session_id: int, key: str, table: pa.Table) -> SamplePart:
        """Write the part ``key`` without recording it: for a writer that records it on a
        transaction of its own (``record_parts_on``). A storage fault names the session."""
        folder = self.sample_folder(session_id)
        try:
            with storage_faults(self.root):
                return write_part(folder, key, as_samples(table, session_id))
        except StoreError as exc:
            raise StoreError(f"Samples of session {session_id} were not saved: {exc}") from exc

    def replace_samples(self, session_id: int, table: pa.Table) -> None:
        """All of a session's samples at once (an analysis): the part ``analysis``, and the
        session's other parts stop counting in the same transaction."""
        if len(table):
            self.write_samples(session_id, "analysis", table, replace=True)
        else:
            self.record_sample_parts(session_id, [], replace=True)

    def compact_samples(self, session_id: int) -> SamplePart | None:
        """The session's parts as one file (a live session's hundreds of flushes): written
        under ``compact_key``, then the parts it holds stop counting in one transaction.
        Parts recorded meanwhile by a writer still at work are kept as they are."""
        parts = self.sample_parts(session_id)
        if len(parts) < 2:
            return None
        folder = self.sample_folder(session_id)
        table = read_parts(session_id, [folder / p.name for p in parts])
        part = self.write_part_file(session_id, compact_key(parts), table)
        self.record_sample_parts(session_id, [part], drop=[p.name for p in parts])
        return part

    def idle_fragmented_sessions(self, idle_before: float) -> list[int]:
        """Sessions of several parts none of which was written since ``idle_before``: a
        live or remote viewing left open (a closed tab) that no stop will compact."""
        with self.reading() as conn:
            return [r[0] for r in conn.execute(
                "SELECT session_id FROM sample_parts GROUP BY session_id "
                "HAVING COUNT(*) > 1 AND MAX(written_at) < ? ORDER BY session_id",
                (idle_before,))]

    def sample_parts(self, session_id: int) -> list[SamplePart]:
        """The parts that count for a session, in seq order."""
        with self.reading() as conn:
            rows = conn.execute(f"SELECT {_PART_FIELDS} FROM sample_parts "
                                "WHERE session_id = ? ORDER BY first_seq",
                                (session_id,)).fetchall()
        return [SamplePart(*r) for r in rows]

    def session_figures(self, session_ids: Iterable[int]) -> dict[int, SessionFigures]:
        """Each session's figures for its verdict, summed over its parts' rows (sessions
        without samples are absent). Parts recorded before parts kept figures are described
        from their files first, once (a missing or damaged one is a ``StoreError``)."""
        ids = [int(i) for i in session_ids]
        if unfilled := self._parts_where(ids, "p.paused IS NULL"):
            self._fill_figures(unfilled)
        with self.reading() as conn:
            _want(conn, ids)
            rows = conn.execute(
                "SELECT session_id, SUM(rows), "
                "COALESCE(MAX(source_to) - MIN(source_from), 0), SUM(rows) - SUM(paused), "
                "SUM(face_playing), SUM(paused), MIN(counted_from), MAX(counted_to) "
                "FROM sample_parts WHERE session_id IN (SELECT id FROM wanted) "
                "GROUP BY session_id").fetchall()
        return {int(r[0]): SessionFigures(int(r[1]), float(r[2]), int(r[3]), float(r[4]),
                                          int(r[5]), r[6], r[7]) for r in rows}

    def _fill_figures(self, parts: list[tuple[int, Path]]) -> None:
        """Describe parts recorded without figures from their files (session, path), and
        keep the figures."""
        filled = []
        for session_id, path in parts:
            part = describe_part(path.name, read_part(session_id, path))
            filled.append((part.source_from, part.source_to, part.paused, part.face_playing,
                           part.counted_from, part.counted_to, session_id, path.name))
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE sample_parts SET source_from = ?, source_to = ?, paused = ?, "
                "face_playing = ?, counted_from = ?, counted_to = ? "
                "WHERE session_id = ? AND name = ?", filled)

    def record_sample_parts(self, session_id: int, parts: list[SamplePart], *,
                            replace: bool = False, drop: Iterable[str] = ()) -> None:
        """Count written parts (a row each); ``replace``: the session's other parts stop
        counting in the same transaction (``drop``: those named), and their files are
        removed after it commits."""
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM reaction_sessions WHERE id = ?",
                            (session_id,)).fetchone() is None:
                raise StoreError(f"No reaction session {session_id}.")
            dropped = record_parts_on(conn, session_id, parts, replace=replace, drop=drop)
        self.remove_parts(session_id, dropped)

    def remove_parts(self, session_id: int, names: list[str]) -> None:
        """Remove the files that no longer count (parts whose rows are gone, and sums)."""
        if names:
            folder = self.sample_folder(session_id)
            for name in names:
                (folder / name).unlink(missing_ok=True)

    def sample_part_paths(self, session_ids: Iterable[int], start: float | None = None,
                          end: float | None = None) -> list[Path]:
        """The Parquet files holding the samples of ``session_ids``, limited to the parts
        that may hold video times within [``start``, ``end``]: what DuckDB is given to read."""
        return [path for _, path in self._parts_where(
            session_ids, "(? IS NULL OR p.end_time IS NULL OR p.end_time >= ?) "
            "AND (? IS NULL OR p.start_time IS NULL OR p.start_time <= ?)",
            (start, start, end, end))]

    def sample_seconds_paths(self, session_ids: Iterable[int]) -> list[Path] | None:
        """The per-second sums of the parts of ``session_ids`` (``sample_seconds``), or
        ``None`` when a part has none (written before sums were kept): its samples are then
        binned as they are."""
        found = self._parts_where(session_ids, "1", file="seconds")
        paths = [path for _, path in found]
        return None if None in paths else paths

    def _parts_where(self, session_ids: Iterable[int], condition: str, params: tuple = (), *,
                     file: str = "name") -> list[tuple[int, Path | None]]:
        """(session, file) of the parts of ``session_ids`` that meet ``condition`` (SQL on
        ``sample_parts p``), in session and seq order; ``file``: the part itself (``name``)
        or its sums (``seconds``, None where there are none)."""
        with self.reading() as conn:
            _want(conn, session_ids)
            rows = conn.execute(
                f"SELECT s.project_id, p.session_id, p.{file} FROM sample_parts p "
                "JOIN reaction_sessions s ON s.id = p.session_id "
                f"WHERE p.session_id IN (SELECT id FROM wanted) AND {condition} "
                "ORDER BY p.session_id, p.first_seq", params).fetchall()
        return [(int(r[1]), session_folder(self.media_root, r[0], r[1], r[2]) if r[2] else None)
                for r in rows]

    def delete_session(self, session_id: int) -> None:
        """Delete a reaction session, its samples and its recording (the files after the
        row's transaction commits: a failure before leaves the session whole)."""
        with self.transaction() as conn:
            row = conn.execute("DELETE FROM reaction_sessions WHERE id = ? RETURNING "
                               "project_id, source_path", (session_id,)).fetchone()
        if row is not None:
            self.remove_sample_folder(row["project_id"], session_id)
        if row is not None and row["source_path"]:
            path = self.media_path(row["source_path"])
            if path.is_file():
                path.unlink()

    def remove_sample_folder(self, project_id: int, session_id: int) -> None:
        """Remove a deleted session's samples (after its row's transaction committed; a
        folder a failure leaves counts for nothing and goes with its project)."""
        shutil.rmtree(session_folder(self.media_root, project_id, session_id),
                      ignore_errors=True)

    def update_session(self, session_id: int, *, viewer: str | None = None,
                       **meta: object) -> None:
        """Rename a session's viewer and/or set keys of its ``meta`` (``None`` removes one):
        its panel group, whether the panel includes it."""
        with self.transaction() as conn:
            row = conn.execute("SELECT meta FROM reaction_sessions WHERE id = ?",
                               (session_id,)).fetchone()
            if row is None:
                raise StoreError(f"No reaction session {session_id}.")
            merged = json.loads(row["meta"]) | meta
            merged = {k: v for k, v in merged.items() if v is not None}
            conn.execute("UPDATE reaction_sessions SET meta = ?, viewer = COALESCE(?, viewer) "
                         "WHERE id = ?", (json.dumps(merged), viewer and normalise_name(
                             viewer, "A viewer's name"), session_id))

    def session(self, session_id: int) -> ReactionSession | None:
        with self.reading() as conn:
            row = conn.execute(
                "SELECT s.*, (SELECT COALESCE(SUM(r.rows), 0) FROM sample_parts r "
                "WHERE r.session_id = s.id) AS n_samples FROM reaction_sessions s WHERE s.id = ?",
                (session_id,)).fetchone()
        return _session(row) if row else None

    # -- page settings -----------------------------------------------------------------------

    def page_settings(self, project_id: int, page: str) -> dict:
        """What a page's controls were last set to for this project (empty: the defaults)."""
        with self.reading() as conn:
            row = conn.execute("SELECT data FROM page_settings WHERE project_id = ? AND "
                               "page = ?", (project_id, page)).fetchone()
        return json.loads(row["data"]) if row else {}

    def save_page_settings(self, project_id: int, page: str, data: dict) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO page_settings (project_id, page, data) "
                         "VALUES (?, ?, ?)", (project_id, page, json.dumps(data)))

    # -- viewer profiles ---------------------------------------------------------------------

    def save_profile(self, profile: Profile) -> None:
        """Keep ``profile`` for its viewer and model, replacing an older one."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO viewer_profiles (viewer, model, data, "
                         "created_at) VALUES (?, ?, ?, ?)",
                         (normalise_name(profile.name, "A viewer's name"), profile.model,
                          profile.to_json(), time.time()))

    def profile(self, viewer: str, model: str) -> Profile | None:
        from shortory_core.vision.profiles import Profile  # the vision stack, only when asked

        with self.reading() as conn:
            row = conn.execute("SELECT data FROM viewer_profiles WHERE viewer = ? AND "
                               "model = ?", (viewer, model)).fetchone()
        return Profile.from_json(viewer, model, row["data"]) if row else None

    def profiles(self) -> list[ProfileSummary]:
        """Every stored profile, as lists show it (without its prototypes)."""
        with self.reading() as conn:
            rows = conn.execute("SELECT viewer, model, data, created_at FROM viewer_profiles "
                                "ORDER BY viewer, model").fetchall()
        return [ProfileSummary(r["viewer"], r["model"], float(r["created_at"]),
                               json.loads(r["data"])["counts"]) for r in rows]

    def delete_profile(self, viewer: str, model: str | None = None) -> int:
        """Forget a viewer's profile for one model, or for every model; returns how many
        there were."""
        with self.transaction() as conn:
            return conn.execute("DELETE FROM viewer_profiles WHERE viewer = ? AND "
                                "(? IS NULL OR model = ?)", (viewer, model, model)).rowcount

    # -- clips -------------------------------------------------------------------------------

    def add_clip(self, project_id: int, kind: str, start: float, end: float, *,
                 score: float = 0.0, label: str = "", mode: str = "exact",
                 vertical: bool = False, meta: dict | None = None) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO clips (project_id, kind, start_time, end_time, score, label, mode, "
                "vertical, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (project_id, kind, start, end, score, label, mode, int(vertical),
                 json.dumps(meta or {}), time.time()),
            )
            return int(cur.lastrowid)

    def update_clip(self, clip_id: int, *, status: ClipStatus, path: str = "", error: str = "",
                    progress: float | None = None) -> None:
        with self.transaction() as conn:
            meta = json.loads(conn.execute("SELECT meta FROM clips WHERE id = ?",
                                           (clip_id,)).fetchone()[0])
            if progress is not None:
                meta["progress"] = progress
            conn.execute(
                "UPDATE clips SET status = ?, path = ?, error = ?, meta = ? WHERE id = ?",
                (status, path, error, json.dumps(meta), clip_id),
            )

    def cut_clip(self, clip_id: int, start: float, end: float, meta: dict) -> None:
        """Set where a clip is cut once its render has chosen the edges (snapped to a pause or
        a scene cut), and add ``meta`` (why each edge moved) to what the clip records."""
        with self.transaction() as conn:
            stored = json.loads(conn.execute("SELECT meta FROM clips WHERE id = ?",
                                             (clip_id,)).fetchone()[0])
            conn.execute("UPDATE clips SET start_time = ?, end_time = ?, meta = ? WHERE id = ?",
                         (start, end, json.dumps(stored | meta), clip_id))

    def delete_clip(self, clip_id: int) -> None:
        """Delete a clip, its file and the files beside it (its captions: same name, other
        extension)."""
        with self.transaction() as conn:
            row = conn.execute("DELETE FROM clips WHERE id = ? RETURNING path",
                               (clip_id,)).fetchone()
        if row is not None and row["path"]:
            video = self.media_path(row["path"])
            for path in (video, *video.parent.glob(f"{video.stem}.*")):
                path.unlink(missing_ok=True)

    def clip(self, clip_id: int) -> ClipRecord | None:
        with self.reading() as conn:
            row = conn.execute("SELECT * FROM clips WHERE id = ?", (clip_id,)).fetchone()
        return _clip(row) if row else None

    def clips(self, project_id: int, kind: str | None = None) -> list[ClipRecord]:
        query = "SELECT * FROM clips WHERE project_id = ?"
        args: tuple = (project_id,)
        if kind is not None:
            query, args = query + " AND kind = ?", (project_id, kind)
        with self.reading() as conn:
            rows = conn.execute(query + " ORDER BY score DESC, id", args).fetchall()
        return [_clip(r) for r in rows]


def project_name(name: str) -> str:
    """A project's name as stored (``names.normalise_name``); blank is "Untitled"."""
    return normalise_name(name if name.strip() else "Untitled", "A project's name")


def _upsert_video(conn: sqlite3.Connection, project_id: int, video: VideoInfo) -> None:
    heatmap = json.dumps([asdict(p) for p in video.heatmap])
    chapters = json.dumps([asdict(c) for c in video.chapters])
    conn.execute(
        """
        INSERT INTO videos (project_id, path, source_url, title, duration, width,
                            height, fps, has_audio, heatmap, chapters)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(project_id) DO UPDATE SET
          path = excluded.path, source_url = excluded.source_url,
          title = excluded.title, duration = excluded.duration,
          width = excluded.width, height = excluded.height, fps = excluded.fps,
          has_audio = excluded.has_audio, heatmap = excluded.heatmap,
          chapters = excluded.chapters
        """,
        (project_id, video.path, video.source_url, video.title, video.duration, video.width,
         video.height, video.fps, int(video.has_audio), heatmap, chapters),
    )


# The comments that count: those of the project's imported files that are switched on.
ACTIVE = ("import_id IN (SELECT id FROM comment_imports WHERE project_id = ? AND active)")


def _stored_rows(conn: sqlite3.Connection, import_id: int) -> Iterator[list[CommentRow]]:
    """The comments of an import made before files, as rows in ``CommentColumns.NAMES``
    order, 50,000 at a time."""
    cursor = conn.execute(f"SELECT {', '.join(CommentColumns.NAMES)} FROM comments "
                          "WHERE import_id = ? ORDER BY rowid", (import_id,))
    cursor.row_factory = None
    while rows := cursor.fetchmany(50_000):
        yield rows


def _active_imports(conn: sqlite3.Connection, project_id: int) -> list[tuple[int, str | None]]:
    """(id, file) of the project's imports that count, oldest first."""
    return [(int(r[0]), r[1]) for r in conn.execute(
        "SELECT id, file FROM comment_imports WHERE project_id = ? AND active ORDER BY id",
        (project_id,))]


def _active_count(conn: sqlite3.Connection, project_id: int) -> int:
    """How many comments count: what the files switched on added (no scan of the comments)."""
    return int(conn.execute("SELECT COALESCE(SUM(comments), 0) FROM comment_imports WHERE "
                            "project_id = ? AND active", (project_id,)).fetchone()[0])


def _import_project(conn: sqlite3.Connection, import_id: int) -> int:
    row = conn.execute("SELECT project_id FROM comment_imports WHERE id = ?",
                       (import_id,)).fetchone()
    if row is None:
        raise StoreError(f"No comment import {import_id}.")
    return int(row[0])


def _insert_import(conn: sqlite3.Connection, project_id: int, report: dict) -> int:
    """A new import's row on an open transaction; its comments are inserted with its id."""
    return int(conn.execute("INSERT INTO comment_imports (project_id, created_at, report) "
                            "VALUES (?, ?, ?)",
                            (project_id, time.time(), json.dumps(report))).lastrowid)


def _import_file(conn: sqlite3.Connection, project_id: int, folder: Path,
                 read: CommentReader) -> tuple[int, dict, MentionSet | None]:
    """A comment file added as one import on an open transaction, its comments written into
    the import's file in ``folder`` (the project's) as ``read`` hands them over; (how many
    were new, its record, its time references)."""
    writer = _import_writer(conn, project_id, folder, {})
    try:
        added, report, mentions = write_while_reading(read, writer)
    except BaseException:
        writer.abandon()
        raise
    _set_added(conn, writer, added, report)
    return added, report, mentions


def _add_comments(conn: sqlite3.Connection, project_id: int, folder: Path,
                  comments: Iterable[Comment] | CommentColumns, report: dict) -> int:
    """Comments added as one import on an open transaction; returns how many were new."""
    writer = _import_writer(conn, project_id, folder, report)
    try:
        writer.add(CommentColumns.of(comments))
        added = writer.finish()
    except BaseException:
        writer.abandon()
        raise
    _set_added(conn, writer, added)
    return added


def _import_writer(conn: sqlite3.Connection, project_id: int, folder: Path, report: dict
                   ) -> ImportWriter:
    """A new import's row, and what writes its comments: those whose ids the project holds
    already (in any import, counted or not) are skipped, so re-importing adds nothing."""
    import_id = _insert_import(conn, project_id, report)
    ids = [pa.array([r[0] for r in conn.execute(
        "SELECT cid FROM comments WHERE project_id = ?", (project_id,))], pa.string())]
    for (file,) in conn.execute("SELECT file FROM comment_imports WHERE project_id = ? AND "
                                "file IS NOT NULL", (project_id,)):
        ids.append(read_comments(folder, file, ["cid"]).column("cid").combine_chunks())
    return ImportWriter(folder, import_id, KnownIds(pa.concat_arrays(ids)))


def _set_added(conn: sqlite3.Connection, writer: ImportWriter, added: int,
               report: dict | None = None) -> None:
    """Keep an import's file and how many of its comments were new to the project (they are
    its own), with its report where it was known only once the file was read."""
    conn.execute("UPDATE comment_imports SET comments = ?, file = ?, report = json_set("
                 "COALESCE(?, report), '$.added', ?) WHERE id = ?",
                 (added, writer.name, None if report is None else json.dumps(report), added,
                  writer.import_id))


def _save_if_whole(conn: sqlite3.Connection, project_id: int, mentions: MentionSet | None,
                   added: int) -> None:
    """Keep a new project's time references when they were taken from exactly the comments
    stored (else they are extracted again on first use)."""
    if mentions is not None and mentions.comments == added:
        _save_mentions(conn, project_id, mentions)


def _save_mentions(conn: sqlite3.Connection, project_id: int, mentions: MentionSet) -> None:
    conn.execute("INSERT OR REPLACE INTO mention_sets (project_id, comments, rules, refs, "
                 "quoted) VALUES (?, ?, ?, ?, ?)", (project_id, mentions.comments,
                                                    mentions.rules, mentions.refs,
                                                    mentions.quoted))


def _comment(row: sqlite3.Row) -> Comment:
    return Comment(cid=row["cid"], text=row["text"], author=row["author"],
                   likes=int(row["likes"]), is_reply=bool(row["is_reply"]),
                   parent_cid=row["parent_cid"], published=row["published"])


def record_parts_on(conn: sqlite3.Connection, session_id: int, parts: list[SamplePart], *,
                  replace: bool = False, drop: Iterable[str] = ()) -> list[str]:
    """Record written parts on an open transaction; ``replace`` first drops every other part
    of the session, ``drop`` those named. Returns the names of the files that stopped
    counting (the dropped parts and their sums, and the sums of a part written again under
    its name): they go once the transaction commits."""
    names = [p.name for p in parts]
    marks = ", ".join("?" * len(names))
    if replace:
        dropped = conn.execute(
            f"DELETE FROM sample_parts WHERE session_id = ? AND name NOT IN ({marks}) "
            "RETURNING name, seconds", (session_id, *names)).fetchall()
    else:
        gone = [n for n in drop if n not in names]
        dropped = conn.execute(
            f"DELETE FROM sample_parts WHERE session_id = ? AND name IN "
            f"({', '.join('?' * len(gone))}) RETURNING name, seconds",
            (session_id, *gone)).fetchall()
    written = {p.seconds for p in parts}
    superseded = [r[0] for r in conn.execute(
        f"SELECT seconds FROM sample_parts WHERE session_id = ? AND name IN ({marks})",
        (session_id, *names)) if r[0] not in written]
    conn.executemany(
        f"INSERT OR REPLACE INTO sample_parts (session_id, written_at, {_PART_FIELDS}) "
        f"VALUES (?, ?{', ?' * len(fields(SamplePart))})",
        [(session_id, time.time(), *astuple(p)) for p in parts])
    return [name for row in dropped for name in row if name] + [s for s in superseded if s]


#: ``sample_parts``' columns in ``SamplePart``'s field order.
_PART_FIELDS = ", ".join(f.name for f in fields(SamplePart))


def _want(conn: sqlite3.Connection, session_ids: Iterable[int]) -> None:
    """Fill the temporary table ``wanted`` with ``session_ids`` (a join, not thousands of
    bound parameters)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM wanted")
    conn.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", [(int(i),) for i in session_ids])


def _refuse_unmigrated(conn: sqlite3.Connection, session_ids: Iterable[int]) -> None:
    """A session whose samples are still rows of the old table is not read as empty."""
    if conn.execute("SELECT 1 FROM reaction_samples LIMIT 1").fetchone() is None:
        return  # every store made or migrated since: nothing to look up per session
    left = next((i for i in session_ids if conn.execute(
        "SELECT 1 FROM reaction_samples WHERE session_id = ? LIMIT 1", (i,)).fetchone()), None)
    if left is not None:
        raise StoreError(f"The samples of session {left} are still in the old format. Run "
                         "`python -m shortory_core samples migrate` (or open the app, which "
                         "moves them) and try again.")


def _insert_session(conn: sqlite3.Connection, project_id: int, viewer: str, kind: SessionKind,
                    *, source_path: str = "", time_offset: float = 0.0,
                    meta: dict | None = None) -> int:
    """Add a session on an open transaction, to commit it with whatever comes with it."""
    return _keyed_session(conn, project_id, viewer, kind, source_path=source_path,
                          time_offset=time_offset, meta=meta, work_key=None)[0]


def _keyed_session(conn: sqlite3.Connection, project_id: int, viewer: str, kind: SessionKind,
                   *, source_path: str, time_offset: float, meta: dict | None,
                   work_key: str | None) -> tuple[int, bool]:
    """(id, ``True``) of a session added on an open transaction, or (id, ``False``) of the
    project's session that already has ``work_key``."""
    cur = conn.execute(
        """
        INSERT INTO reaction_sessions (project_id, viewer, kind, source_path, time_offset,
                                       status, started_at, meta, work_key)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
        """,
        (project_id, normalise_name(viewer, "A viewer's name"), kind, source_path,
         time_offset, SessionStatus.PENDING, time.time(), json.dumps(meta or {}), work_key),
    )
    if cur.rowcount == 1:
        return int(cur.lastrowid), True
    return int(conn.execute("SELECT id FROM reaction_sessions WHERE project_id = ? AND "
                            "work_key = ?", (project_id, work_key)).fetchone()[0]), False


def _session(row: sqlite3.Row) -> ReactionSession:
    return ReactionSession(
        id=int(row["id"]), project_id=int(row["project_id"]), viewer=row["viewer"],
        kind=SessionKind(row["kind"]), source_path=row["source_path"],
        time_offset=float(row["time_offset"]), status=SessionStatus(row["status"]),
        started_at=float(row["started_at"]), ended_at=row["ended_at"],
        meta=json.loads(row["meta"]), n_samples=int(row["n_samples"]),
        work_key=row["work_key"])


def _clip(row: sqlite3.Row) -> ClipRecord:
    meta = json.loads(row["meta"])
    return ClipRecord(
        id=int(row["id"]), project_id=int(row["project_id"]), kind=row["kind"],
        start=row["start_time"], end=row["end_time"], score=row["score"], label=row["label"],
        mode=row["mode"], status=ClipStatus(row["status"]), path=row["path"],
        error=row["error"],
        progress=float(meta.get("progress", 0.0)), created_at=row["created_at"],
        vertical=bool(row["vertical"]), meta=meta,
    )


def _split_sql(script: str) -> list[str]:
    """Statements of a migration; each runs inside the migration's one transaction."""
    return [s.strip() for s in script.split(";") if s.strip()]


def _project(row: sqlite3.Row) -> Project:
    return Project(
        id=int(row["id"]), name=row["name"], created_at=float(row["created_at"]),
        is_demo=bool(row["is_demo"]),
    )


def _video(row: sqlite3.Row) -> VideoInfo:
    return VideoInfo(
        path=row["path"], duration=float(row["duration"]), width=int(row["width"]),
        height=int(row["height"]), fps=float(row["fps"]), has_audio=bool(row["has_audio"]),
        title=row["title"], source_url=row["source_url"],
        heatmap=[HeatPoint(**p) for p in json.loads(row["heatmap"])],
        chapters=[Chapter(**c) for c in json.loads(row["chapters"])],
        preview=row["preview"],
    )
