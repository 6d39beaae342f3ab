"""A remote viewer's session: one watching of an invite's video, as an ordinary live reaction
session (``kind = 'live'``, ``meta.remote`` naming the invite) plus a session key.

The key is random, returned once to the viewer's browser and stored only as its SHA-256: it is
what every batch, the finish and the withdrawal carry, and a leaked database does not let
anyone post as a viewer. A session that was started and never finished (a closed tab) is
"partial" once it has been quiet for ``WATCHING_S``: its samples stay, marked so. Withdrawing
deletes the session and every sample of it; the invite only counts that it happened.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass, replace
from typing import Literal

from shortory_core.names import InvalidName, normalise_name
from shortory_core.records import ReactionSession, SessionKind, SessionStatus
from shortory_core.remote.invites import WATCHING_S, Invite, usable
from shortory_core.remote.refusals import RemoteRefused
from shortory_core.store import Store

# After an invite expires, a session started before may still post this long, so a viewer who
# opened the link just before it expired is not cut off mid-video.
SESSION_GRACE_S = 6 * 3600.0
MAX_SESSIONS = {"personal": 20, "open": 5000}  # starts per invite: a shared link is bounded
UNKNOWN_KEY = "This viewing session is unknown: it was withdrawn, or never started here."

SessionState = Literal["watching", "done", "partial"]


@dataclass(frozen=True)
class ViewerSession:
    """A started viewing. ``key`` is the only copy of the session key: hand it to the
    viewer's browser (header ``X-Shortory-Session``), never store it."""

    session_id: int
    key: str
    invite_id: int
    project_id: int
    viewer: str
    group: str
    duration: float


@dataclass(frozen=True)
class SessionGrant:
    """What a session key opens, read in the transaction that uses it."""

    session_id: int
    project_id: int
    invite_id: int
    started_at: float
    finished_at: float | None
    duration: float
    revoked_at: float | None
    expires_at: float


@dataclass(frozen=True)
class RemoteSession:
    """A remote session as the analyst's list shows it."""

    session: ReactionSession
    invite_id: int
    state: SessionState
    last_seen: float


def start_viewing(store: Store, invite: Invite, viewer_name: str) -> ViewerSession:
    """Start a viewing of ``invite`` (checked again: it may have been revoked or expired
    since it was opened). A personal invite's own name is kept; an open link's viewer is
    ``viewer_name`` as typed."""
    try:
        name = invite.viewer or normalise_name(viewer_name, "Your name")
    except InvalidName as exc:
        raise RemoteRefused(str(exc), 400) from None
    key = secrets.token_urlsafe(32)
    group = {"group": invite.group} if invite.group else {}
    meta = group | {"remote": {"invite": invite.id, "group": invite.group}}
    now = time.time()
    with store.transaction() as conn:
        row = conn.execute("SELECT i.revoked_at, i.expires_at, v.duration, (SELECT COUNT(*) "
                           "FROM remote_sessions r WHERE r.invite_id = i.id) AS started "
                           "FROM remote_invites i JOIN videos v ON v.project_id = i.project_id "
                           "WHERE i.id = ?", (invite.id,)).fetchone()
        if row is None:
            raise RemoteRefused("This link's project or video was deleted.", 410)
        usable(replace(invite, revoked_at=row["revoked_at"]), now)
        if row["started"] >= MAX_SESSIONS["personal" if invite.viewer else "open"]:
            raise RemoteRefused("This link has been used as often as it may be. Ask whoever "
                                "sent it for a new one.", 429)
        session_id = int(conn.execute(
            "INSERT INTO reaction_sessions (project_id, viewer, kind, status, started_at, meta)"
            " VALUES (?, ?, ?, ?, ?, ?)", (invite.project_id, name, SessionKind.LIVE,
                                           SessionStatus.LIVE, now, json.dumps(meta))
        ).lastrowid)
        conn.execute("INSERT INTO remote_sessions (session_id, invite_id, key_hash, last_seen) "
                     "VALUES (?, ?, ?, ?)", (session_id, invite.id, key_hash(key), now))
    return ViewerSession(session_id, key, invite.id, invite.project_id, name, invite.group,
                         float(row["duration"]))


def finish_viewing(store: Store, key: str) -> ReactionSession:
    """Mark the session finished (the video ended and the viewer saw the thank-you); a
    second finish changes nothing. Returns the session with its sample count."""
    now = time.time()
    with store.transaction() as conn:
        grant = find_session(conn, key)
        if grant.finished_at is None:
            conn.execute("UPDATE remote_sessions SET finished_at = ?, last_seen = ? "
                         "WHERE session_id = ?", (now, now, grant.session_id))
            conn.execute("UPDATE reaction_sessions SET status = ?, ended_at = ? WHERE id = ?",
                         (SessionStatus.ENDED, now, grant.session_id))
    store.compact_samples(grant.session_id)  # its batches' parts become one file
    session = store.session(grant.session_id)
    assert session is not None  # only a withdrawal deletes it, and that needs this key
    return session


def withdraw(store: Store, key: str) -> None:
    """Delete the viewer's session and every sample of it (finished or not, link revoked or
    not: withdrawing is always possible); the invite counts the withdrawal."""
    with store.transaction() as conn:
        grant = find_session(conn, key)
        conn.execute("UPDATE remote_invites SET withdrawn = withdrawn + 1 WHERE id = ?",
                     (grant.invite_id,))
        conn.execute("DELETE FROM reaction_sessions WHERE id = ?", (grant.session_id,))
    store.remove_sample_folder(grant.project_id, grant.session_id)  # once the row is gone


def remote_sessions(store: Store, project_id: int, now: float | None = None
                    ) -> list[RemoteSession]:
    """The project's remote sessions in the order they started, each with its state."""
    now = time.time() if now is None else now
    with store.reading() as conn:
        rows = conn.execute("SELECT session_id, invite_id, last_seen, finished_at FROM "
                            "remote_sessions r JOIN reaction_sessions s ON s.id = r.session_id "
                            "WHERE s.project_id = ?", (project_id,)).fetchall()
    found = {r["session_id"]: r for r in rows}
    return [RemoteSession(s, found[s.id]["invite_id"],
                          session_state(found[s.id]["finished_at"], found[s.id]["last_seen"],
                                        now), float(found[s.id]["last_seen"]))
            for s in store.sessions(project_id) if s.id in found]


def session_state(finished_at: float | None, last_seen: float, now: float) -> SessionState:
    if finished_at is not None:
        return "done"
    return "watching" if now - last_seen < WATCHING_S else "partial"


def find_session(conn: sqlite3.Connection, key: object) -> SessionGrant:
    """What ``key`` opens, on the caller's connection, or ``RemoteRefused`` (401)."""
    if not isinstance(key, str) or not 20 <= len(key) <= 100:
        raise RemoteRefused(UNKNOWN_KEY, 401)
    row = conn.execute(
        "SELECT r.session_id, s.project_id, r.invite_id, s.started_at, r.finished_at, "
        "v.duration, i.revoked_at, i.expires_at FROM remote_sessions r "
        "JOIN reaction_sessions s ON s.id = r.session_id "
        "JOIN remote_invites i ON i.id = r.invite_id "
        "JOIN videos v ON v.project_id = s.project_id WHERE r.key_hash = ?",
        (key_hash(key),)).fetchone()
    if row is None:
        raise RemoteRefused(UNKNOWN_KEY, 401)
    return SessionGrant(**dict(row))


def key_hash(key: str) -> str:
    """What the store keeps of a session key. A plain SHA-256 suffices: the key is 256 random
    bits, so there is nothing to guess that a slow hash would protect."""
    return hashlib.sha256(key.encode()).hexdigest()
