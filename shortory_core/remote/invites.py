"""Invite links: one per viewer (a name and a panel group) or one open link where each viewer
types a name. A link opens only the viewer's page of its one project, until it expires or the
analyst revokes it.

An invite's state, as the analyst's list shows it, comes from the sessions it started
(``viewer_sessions``): "done" once a viewer finished, "watching" while batches arrive,
"partial" for a viewer who left mid-video (their samples are kept), else "revoked",
"withdrawn" (every viewer withdrew; nothing of theirs is kept), "expired" or "sent". A revoked
link shows "revoked" before anything else: it is the state the analyst chose.
"""

from __future__ import annotations

import math
import secrets
import sqlite3
import time
from dataclasses import dataclass
from typing import Literal

from shortory_core.names import InvalidName, normalise_name
from shortory_core.reactions.uploads import group_tag
from shortory_core.remote.refusals import RemoteRefused
from shortory_core.remote.tokens import (
    NOT_OURS,
    TokenClaims,
    make_token,
    read_token,
    server_secret,
)
from shortory_core.store import Store

DAY_S = 86_400.0
MAX_EXPIRES_DAYS = 365.0
WATCHING_S = 30.0  # a session heard from this recently is being watched; older, it is partial

InviteState = Literal["sent", "opened", "watching", "done", "partial", "withdrawn", "revoked",
                      "expired"]


@dataclass(frozen=True)
class Invite:
    """One link. ``viewer`` is ``None`` for an open link (the viewer types a name)."""

    id: int
    project_id: int
    viewer: str | None
    group: str
    created_at: float
    expires_at: float
    revoked_at: float | None
    token: str
    base_url: str = ""  # the address the link was given out with ("" when none was known)
    opened_at: float | None = None  # when a viewer first opened the link


@dataclass(frozen=True)
class InviteStatus:
    """An invite with what came of it: its sessions (a viewer each), how many finished,
    their samples, how many viewers withdrew and when one was last heard from."""

    invite: Invite
    state: InviteState
    sessions: int
    finished: int
    samples: int
    withdrawn: int
    last_seen: float | None


def create_invite(store: Store, project_id: int, *, viewer: str | None, group: str = "",
                  expires_days: float = 14.0, base_url: str = "") -> Invite:
    """A new link to ``project_id``'s video for ``viewer`` (``None``: an open link)."""
    if not (isinstance(expires_days, int | float) and math.isfinite(expires_days)
            and 0 < expires_days <= MAX_EXPIRES_DAYS):
        raise RemoteRefused(f"An invite expires after more than 0 and at most "
                            f"{MAX_EXPIRES_DAYS:g} days, not {expires_days}.", 400)
    try:
        name = None if viewer is None else normalise_name(viewer, "A viewer's name")
        tag = group_tag(group)
    except (InvalidName, ValueError) as exc:
        raise RemoteRefused(str(exc), 400) from None
    if store.get_project(project_id) is None:
        raise RemoteRefused(f"No project {project_id}.", 404)
    if store.get_video(project_id) is None:
        raise RemoteRefused("This project has no video for viewers to watch; add one first.",
                            409)
    now = time.time()
    nonce = secrets.token_urlsafe(12)
    with store.transaction() as conn:
        invite_id = int(conn.execute(
            "INSERT INTO remote_invites (project_id, viewer, viewer_group, nonce, created_at, "
            "expires_at, base_url) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (project_id, name, tag, nonce, now, round(now + expires_days * DAY_S),
             base_url.rstrip("/"))).lastrowid)
        row = _invite_row(conn, invite_id)
    return _invite(row, server_secret(store.root))


def invite_url(invite: Invite, base_url: str) -> str:
    """The link a viewer opens: ``{base}/join?invite=TOKEN``, on the address the link was
    given out with when it was stored, else on ``base_url`` (``public_url``): a list shows the
    very link that was sent, whichever port or name the list is read from."""
    return f"{(invite.base_url or base_url).rstrip('/')}/join?invite={invite.token}"


def note_opened(store: Store, invite: Invite) -> None:
    """Remember that a viewer opened the link: an invite opened but never watched (a viewer
    stuck at the camera) then reads "opened", not "sent"."""
    if invite.opened_at is None:
        with store.transaction() as conn:
            conn.execute("UPDATE remote_invites SET opened_at = COALESCE(opened_at, ?) "
                         "WHERE id = ?", (time.time(), invite.id))


def open_invite(store: Store, token: str, *, grace_s: float = 0.0) -> Invite:
    """The invite a link's token opens, or ``RemoteRefused`` saying why not: forged or
    unknown (401), expired or revoked (403). ``grace_s``: accept a link expired this
    recently (the video of a viewing begun in time goes on loading)."""
    now = time.time() - grace_s
    claims = read_token(server_secret(store.root), token, now)
    with store.reading() as conn:
        row = _invite_row(conn, claims.invite_id)
    if row is None or not _same(row, claims):
        raise RemoteRefused(NOT_OURS, 401)
    invite = _invite(row, server_secret(store.root))
    usable(invite, now)
    return invite


def usable(invite: Invite, now: float | None = None) -> None:
    """``RemoteRefused`` (403) when the invite was revoked or has expired."""
    if invite.revoked_at is not None:
        raise RemoteRefused("This link was withdrawn by whoever sent it: it no longer opens "
                            "the video.", 403)
    if invite.expires_at <= (time.time() if now is None else now):
        raise RemoteRefused("This link has expired. Ask whoever sent it for a new one.", 403)


def revoke_invite(store: Store, invite_id: int, *, project_id: int | None = None) -> Invite:
    """Stop a link from opening the video or taking samples (what it already collected
    stays); revoking twice keeps the first time. ``project_id``: refuse another project's."""
    with store.transaction() as conn:
        conn.execute("UPDATE remote_invites SET revoked_at = COALESCE(revoked_at, ?) "
                     "WHERE id = ? AND (? IS NULL OR project_id = ?)",
                     (time.time(), invite_id, project_id, project_id))
        row = _invite_row(conn, invite_id)
    if row is None or (project_id is not None and row["project_id"] != project_id):
        raise RemoteRefused(f"No invite {invite_id}"
                            + (f" in project {project_id}." if project_id else "."), 404)
    return _invite(row, server_secret(store.root))


def list_invites(store: Store, project_id: int, now: float | None = None
                 ) -> list[InviteStatus]:
    """The project's invites, newest first, each with its state."""
    now = time.time() if now is None else now
    with store.reading() as conn:
        rows = conn.execute(
            """
            SELECT i.*, COUNT(r.session_id) AS n_sessions,
                   COUNT(r.finished_at) AS n_finished, MAX(r.last_seen) AS last_seen,
                   MAX(CASE WHEN r.finished_at IS NULL THEN r.last_seen END) AS open_seen,
                   (SELECT COALESCE(SUM(s.rows), 0) FROM sample_parts s JOIN remote_sessions q
                      ON s.session_id = q.session_id WHERE q.invite_id = i.id) AS n_samples
            FROM remote_invites i LEFT JOIN remote_sessions r ON r.invite_id = i.id
            WHERE i.project_id = ? GROUP BY i.id ORDER BY i.id DESC
            """, (project_id,)).fetchall()
    secret = server_secret(store.root)
    return [InviteStatus(_invite(r, secret), _state(r, now), int(r["n_sessions"]),
                         int(r["n_finished"]), int(r["n_samples"]), int(r["withdrawn"]),
                         r["last_seen"]) for r in rows]


def _state(row: sqlite3.Row, now: float) -> InviteState:
    if row["revoked_at"] is not None:
        return "revoked"
    if row["n_finished"]:
        return "done"
    if row["open_seen"] is not None:
        return "watching" if now - row["open_seen"] < WATCHING_S else "partial"
    if row["withdrawn"]:
        return "withdrawn"
    if row["expires_at"] <= now:
        return "expired"
    return "opened" if row["opened_at"] is not None else "sent"


def _invite_row(conn: sqlite3.Connection, invite_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM remote_invites WHERE id = ?", (invite_id,)).fetchone()


def _same(row: sqlite3.Row, claims: TokenClaims) -> bool:
    """Whether a verified token names this very invite (its project, expiry and nonce too)."""
    return (row["project_id"] == claims.project_id and row["expires_at"] == claims.expires_at
            and secrets.compare_digest(row["nonce"], claims.nonce))


def _invite(row: sqlite3.Row, secret: bytes) -> Invite:
    claims = TokenClaims(int(row["id"]), int(row["project_id"]), float(row["expires_at"]),
                         row["nonce"])
    return Invite(id=claims.invite_id, project_id=claims.project_id, viewer=row["viewer"],
                  group=row["viewer_group"], created_at=float(row["created_at"]),
                  expires_at=claims.expires_at, revoked_at=row["revoked_at"],
                  token=make_token(secret, claims), base_url=row["base_url"],
                  opened_at=row["opened_at"])

