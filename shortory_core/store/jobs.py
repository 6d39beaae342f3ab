"""The ``jobs`` table: every read and write of it, so that the service, recovery and the pages
agree on what each status means (``records.JobStatus``).

It is reached as ``Store.jobs``. A status written here is always a ``JobStatus`` member, bound
as a parameter; the only SQL literals are built from the enum.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from shortory_core.owner import Owner
from shortory_core.records import Job, JobStatus

Connect = Callable[[], AbstractContextManager[sqlite3.Connection]]

ACTIVE_SQL = f"('{JobStatus.QUEUED}', '{JobStatus.RUNNING}')"
RETRYABLE_SQL = "(" + ", ".join(f"'{s}'" for s in JobStatus if s.retryable) + ")"


@dataclass(frozen=True)
class JobRequest:
    """A job to add in the same transaction as the subject it works on (``Store.add_recording``):
    the subject never exists without its job. ``claim_subject``: the job claims its subject
    (``JobKind.one_per_subject``)."""

    kind: str
    params: dict[str, Any]
    owner: Owner
    project_id: int | None = None
    claim_subject: bool = False

    def add_on(self, conn: sqlite3.Connection, subject_id: int, key: str) -> int:
        """Insert it on an open transaction, for subject ``subject_id`` (also its ``key``
        parameter); returns the job's id."""
        job_id, _ = insert_job(conn, self.kind, self.params | {key: subject_id}, self.owner,
                               project_id=self.project_id, subject_id=subject_id,
                               claim=f"{self.kind}:{subject_id}" if self.claim_subject
                               else None)
        return job_id


def insert_job(conn: sqlite3.Connection, kind: str, params: dict[str, Any], owner: Owner, *,
               project_id: int | None, subject_id: int | None, claim: str | None
               ) -> tuple[int, bool]:
    """Queue a job on an open transaction: (its id, ``True``), or, when an active job already
    holds ``claim``, (that job's id, ``False``) and nothing is added."""
    now = time.time()
    cur = conn.execute(
        "INSERT INTO jobs (kind, project_id, subject_id, params, owner_host, owner_pid, "
        "owner_start, heartbeat, created_at, claim) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (kind, project_id, subject_id, json.dumps(params), owner.host, owner.pid,
         owner.start, now, now, claim))
    if cur.rowcount == 1:
        return int(cur.lastrowid), True
    row = conn.execute(f"SELECT id FROM jobs WHERE claim = ? AND status IN {ACTIVE_SQL}",
                       (claim,)).fetchone()
    return int(row[0]), False


class JobTable:
    """The jobs of one data folder, through the store's own connections."""

    def __init__(self, transaction: Connect, reading: Connect) -> None:
        self._transaction = transaction
        self._reading = reading

    def add(self, kind: str, params: dict[str, Any], owner: Owner, *,
            project_id: int | None = None, subject_id: int | None = None,
            claim: str | None = None) -> tuple[int, bool]:
        """Queue a job owned by ``owner``: (its id, ``True``). With a ``claim`` that an active
        job (of any process) already holds: (that job's id, ``False``), and nothing is added;
        the store's unique index decides, so two processes asking at once get one job."""
        with self._transaction() as conn:
            return insert_job(conn, kind, params, owner, project_id=project_id,
                              subject_id=subject_id, claim=claim)

    def get(self, job_id: int) -> Job | None:
        with self._reading() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def listing(self, *, project_id: int | None = None, kinds: tuple[str, ...] = (),
                subject_id: int | None = None, limit: int = 50) -> list[Job]:
        """The newest jobs first, optionally of one project, some kinds, or one subject."""
        query, args = "SELECT * FROM jobs WHERE 1", []
        if project_id is not None:
            query += " AND project_id = ?"
            args.append(project_id)
        if kinds:
            query += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            args += list(kinds)
        if subject_id is not None:
            query += " AND subject_id = ?"
            args.append(subject_id)
        with self._reading() as conn:
            rows = conn.execute(query + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [_job(r) for r in rows]

    def claim(self, job_id: int) -> bool:
        """Mark a queued job running; ``False`` if it was cancelled (or taken) meanwhile."""
        with self._transaction() as conn:
            cur = conn.execute(
                "UPDATE jobs SET status = ?, started_at = ?, heartbeat = ? "
                "WHERE id = ? AND status = ?",
                (JobStatus.RUNNING, time.time(), time.time(), job_id, JobStatus.QUEUED))
            return cur.rowcount == 1

    def set_progress(self, job_id: int, progress: float, message: str | None) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE jobs SET progress = ?, message = COALESCE(?, message), heartbeat = ? "
                "WHERE id = ?", (progress, message, time.time(), job_id))

    def finish(self, job_id: int, status: JobStatus, *, message: str = "", error: str = "",
               result: dict[str, Any] | None = None) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE jobs SET status = ?, message = ?, error = ?, result = ?, ended_at = ?, "
                "progress = CASE WHEN ? THEN 1.0 ELSE progress END WHERE id = ?",
                (status, message, error, json.dumps(result or {}), time.time(),
                 status == JobStatus.DONE, job_id))

    def request_cancel(self, job_id: int) -> JobStatus | None:
        """Ask a job to stop: a queued one is cancelled at once, a running one by its owner
        at its next check. Returns the status after asking (``None`` for an unknown job)."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE jobs SET status = ?, ended_at = ?, message = 'Cancelled before it "
                "started.' WHERE id = ? AND status = ?",
                (JobStatus.CANCELLED, time.time(), job_id, JobStatus.QUEUED))
            conn.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status = ?",
                         (job_id, JobStatus.RUNNING))
            row = conn.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return JobStatus(row[0]) if row else None

    def cancel_requested(self, job_ids: list[int]) -> list[int]:
        """Which of ``job_ids`` were asked to stop (by any process)."""
        if not job_ids:
            return []
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT id FROM jobs WHERE cancel_requested = 1 AND id IN "
                f"({', '.join('?' for _ in job_ids)})", job_ids).fetchall()
        return [int(r[0]) for r in rows]

    def beat(self, owner: Owner) -> None:
        """Stamp every active job of ``owner``: it is alive."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE jobs SET heartbeat = ? WHERE owner_host = ? AND owner_pid = ? AND "
                f"owner_start = ? AND status IN {ACTIVE_SQL}",
                (time.time(), owner.host, owner.pid, owner.start))

    def requeue(self, job_id: int, owner: Owner) -> bool:
        """Queue an ended job again under ``owner`` (a retry); ``False`` unless it could be
        (another active job holds its claim: the same work is under way)."""
        with self._transaction() as conn:
            if conn.execute(
                    f"SELECT 1 FROM jobs AS other JOIN jobs AS this ON other.claim = this.claim "
                    f"WHERE this.id = ? AND other.id != this.id AND other.status IN {ACTIVE_SQL}",
                    (job_id,)).fetchone():
                return False
            cur = conn.execute(
                "UPDATE jobs SET status = ?, progress = 0, message = 'Queued again.', "
                "error = '', result = '{}', cancel_requested = 0, attempts = attempts + 1, "
                "owner_host = ?, owner_pid = ?, owner_start = ?, heartbeat = ?, "
                f"started_at = NULL, ended_at = NULL WHERE id = ? AND status IN {RETRYABLE_SQL}",
                (JobStatus.QUEUED, owner.host, owner.pid, owner.start, time.time(), job_id))
            return cur.rowcount == 1

    def orphans(self) -> bool:
        """Whether any active job's owner process is gone (a read: the pages ask on every
        run, and recovery's write transaction is taken only when there is work for it)."""
        now = time.time()
        with self._reading() as conn:
            rows = conn.execute(f"SELECT * FROM jobs WHERE status IN {ACTIVE_SQL}").fetchall()
        return any(not j.owner.is_alive(j.heartbeat, now) for j in map(_job, rows))

    def interrupt_orphans(self, message: Callable[[Job], str],
                          sweep: Callable[[JobsLeft], None]) -> list[Job]:
        """Mark the active jobs whose owner process is gone ``interrupted`` (with
        ``message(job)``) and hand ``sweep`` what is left, all in one write transaction: while
        it holds the lock no import is half-way between its files and its rows, so ``sweep``
        may remove what no row names. Returns the jobs it interrupted."""
        now = time.time()
        with self._transaction() as conn:
            rows = conn.execute(f"SELECT * FROM jobs WHERE status IN {ACTIVE_SQL}").fetchall()
            dead = [j for j in map(_job, rows) if not j.owner.is_alive(j.heartbeat, now)]
            for job in dead:
                conn.execute("UPDATE jobs SET status = ?, ended_at = ?, message = ? "
                             "WHERE id = ?", (JobStatus.INTERRUPTED, now, message(job), job.id))
            sweep(JobsLeft(conn))
        return dead


class JobsLeft:
    """What recovery's sweep asks of the store, read on recovery's own transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def active(self) -> set[int]:
        """The ids of the jobs still queued or running."""
        return {int(r[0]) for r in self._conn.execute(
            f"SELECT id FROM jobs WHERE status IN {ACTIVE_SQL}")}

    def kept_uploads(self) -> set[str]:
        """The upload folders a job may still need (a retry reads its upload again)."""
        return {str(r[0]) for r in self._conn.execute(
            "SELECT json_extract(params, '$.upload_dir') FROM jobs WHERE status NOT IN (?, ?) "
            "AND json_extract(params, '$.upload_dir') IS NOT NULL",
            (JobStatus.DONE, JobStatus.CANCELLED))}

    def projects(self) -> set[int]:
        """The ids of every project that exists."""
        return {int(r[0]) for r in self._conn.execute("SELECT id FROM projects")}

    def comment_files(self) -> set[str]:
        """The comment files an import names, as ``project-<id>/<file>`` under media."""
        return {f"project-{r[0]}/{r[1]}" for r in self._conn.execute(
            "SELECT project_id, file FROM comment_imports WHERE file IS NOT NULL")}


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=int(row["id"]), kind=row["kind"], project_id=row["project_id"],
        subject_id=row["subject_id"], params=json.loads(row["params"]),
        status=JobStatus(row["status"]), progress=float(row["progress"]),
        message=row["message"], error=row["error"], result=json.loads(row["result"]),
        owner=Owner(row["owner_host"], int(row["owner_pid"]), row["owner_start"]),
        heartbeat=float(row["heartbeat"]), cancel_requested=bool(row["cancel_requested"]),
        attempts=int(row["attempts"]), created_at=float(row["created_at"]),
        started_at=row["started_at"], ended_at=row["ended_at"],
    )

