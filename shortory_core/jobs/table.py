"""The ``jobs`` table: every piece of background work, its progress and its owner.

All reads and writes of the table live here, so the service, recovery and the pages agree on
what each status means:

- ``queued``: waiting for its owner's worker; ``running``: being worked on by its owner;
- ``done`` / ``failed`` / ``cancelled``: ended, by itself, by an error, or on request;
- ``interrupted``: its owner process died before it ended (found by recovery); retry it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from shortory_core.jobs.owner import Owner
from shortory_core.store import Store

ACTIVE = ("queued", "running")
RETRYABLE = ("failed", "cancelled", "interrupted")


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    project_id: int | None
    subject_id: int | None
    params: dict[str, Any]
    status: str
    progress: float
    message: str
    error: str
    result: dict[str, Any]
    owner: Owner
    heartbeat: float
    cancel_requested: bool
    attempts: int
    created_at: float
    started_at: float | None
    ended_at: float | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=int(row["id"]), kind=row["kind"], project_id=row["project_id"],
        subject_id=row["subject_id"], params=json.loads(row["params"]), status=row["status"],
        progress=float(row["progress"]), message=row["message"], error=row["error"],
        result=json.loads(row["result"]),
        owner=Owner(row["owner_host"], int(row["owner_pid"]), row["owner_start"]),
        heartbeat=float(row["heartbeat"]), cancel_requested=bool(row["cancel_requested"]),
        attempts=int(row["attempts"]), created_at=float(row["created_at"]),
        started_at=row["started_at"], ended_at=row["ended_at"],
    )


def insert(store: Store, kind: str, params: dict[str, Any], owner: Owner, *,
           project_id: int | None = None, subject_id: int | None = None) -> int:
    now = time.time()
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO jobs (kind, project_id, subject_id, params, owner_host, owner_pid, "
            "owner_start, heartbeat, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, project_id, subject_id, json.dumps(params), owner.host, owner.pid,
             owner.start, now, now))
        return int(cur.lastrowid)


def get(store: Store, job_id: int) -> Job | None:
    with store.reading() as conn:
        row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return _job(row) if row else None


def listing(store: Store, *, project_id: int | None = None, kinds: tuple[str, ...] = (),
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
    with store.reading() as conn:
        rows = conn.execute(query + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    return [_job(r) for r in rows]


def claim(store: Store, job_id: int) -> bool:
    """Mark a queued job running; ``False`` if it was cancelled (or taken) meanwhile."""
    with store.transaction() as conn:
        cur = conn.execute(
            "UPDATE jobs SET status = 'running', started_at = ?, heartbeat = ? "
            "WHERE id = ? AND status = 'queued'", (time.time(), time.time(), job_id))
        return cur.rowcount == 1


def set_progress(store: Store, job_id: int, progress: float, message: str | None) -> None:
    with store.transaction() as conn:
        conn.execute(
            "UPDATE jobs SET progress = ?, message = COALESCE(?, message), heartbeat = ? "
            "WHERE id = ?", (progress, message, time.time(), job_id))


def finish(store: Store, job_id: int, status: str, *, message: str = "", error: str = "",
           result: dict[str, Any] | None = None) -> None:
    with store.transaction() as conn:
        conn.execute(
            "UPDATE jobs SET status = ?, message = ?, error = ?, result = ?, ended_at = ?, "
            "progress = CASE WHEN ? = 'done' THEN 1.0 ELSE progress END WHERE id = ?",
            (status, message, error, json.dumps(result or {}), time.time(), status, job_id))


def request_cancel(store: Store, job_id: int) -> str | None:
    """Ask a job to stop: a queued one is cancelled at once, a running one by its owner at its
    next check. Returns the status after asking (``None`` for an unknown job)."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE jobs SET status = 'cancelled', ended_at = ?, message = 'Cancelled before "
            "it started.' WHERE id = ? AND status = 'queued'", (time.time(), job_id))
        conn.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running'",
                     (job_id,))
        row = conn.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return row[0] if row else None


def cancel_requested(store: Store, job_ids: list[int]) -> list[int]:
    if not job_ids:
        return []
    with store.reading() as conn:
        rows = conn.execute(
            f"SELECT id FROM jobs WHERE cancel_requested = 1 AND id IN "
            f"({', '.join('?' for _ in job_ids)})", job_ids).fetchall()
    return [int(r[0]) for r in rows]


def beat(store: Store, owner: Owner) -> None:
    """Stamp every active job of ``owner``: it is alive."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE jobs SET heartbeat = ? WHERE owner_host = ? AND owner_pid = ? AND "
            "owner_start = ? AND status IN ('queued', 'running')",
            (time.time(), owner.host, owner.pid, owner.start))


def requeue(store: Store, job_id: int, owner: Owner) -> bool:
    """Queue an ended job again under ``owner`` (a retry); ``False`` unless it could be."""
    with store.transaction() as conn:
        cur = conn.execute(
            "UPDATE jobs SET status = 'queued', progress = 0, message = 'Queued again.', "
            "error = '', result = '{}', cancel_requested = 0, attempts = attempts + 1, "
            "owner_host = ?, owner_pid = ?, owner_start = ?, heartbeat = ?, started_at = NULL, "
            f"ended_at = NULL WHERE id = ? AND status IN {RETRYABLE!r}",
            (owner.host, owner.pid, owner.start, time.time(), job_id))
        return cur.rowcount == 1


def orphaned(conn: sqlite3.Connection, now: float) -> list[Job]:
    """Active jobs whose owner process is gone (read on an open transaction)."""
    rows = conn.execute("SELECT * FROM jobs WHERE status IN ('queued', 'running')").fetchall()
    jobs = [_job(r) for r in rows]
    return [j for j in jobs if not j.owner.is_alive(j.heartbeat, now)]
