"""Signed invite tokens: what a link carries, so the server can tell a link it made from one
that was altered or made up.

A token is ``base64url(claims) "." base64url(HMAC-SHA256(secret, claims))``; the claims are
the invite's id, its project, its expiry and a random nonce. The signature is checked (in
constant time) before anything else is read, so a forged token costs no database query. The
nonce is also stored with the invite: a token signed for an invite id that was deleted and
later reused (a project deleted, a new one made) does not open the new invite.

The secret is 32 random bytes in the data folder, readable by its owner only (mode 0600),
made once: whoever holds it can make links to every project, so it never leaves the server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from shortory_core.remote.refusals import RemoteRefused

SECRET_NAME = "remote-secret.key"
SECRET_BYTES = 32
MAX_TOKEN_CHARS = 512
NOT_OURS = "This link is not valid: it was changed or was not made by this server."


@dataclass(frozen=True)
class TokenClaims:
    """What a token says; trusted only once its signature is checked (``read_token``)."""

    invite_id: int
    project_id: int
    expires_at: float
    nonce: str


def server_secret(folder: Path) -> bytes:
    """The data folder's signing secret, made on first use. Written to a private temporary
    file and linked into place, so two processes starting at once agree on one secret and
    neither ever reads a half-written one."""
    path = folder / SECRET_NAME
    if not path.exists():
        temp = folder / f".{SECRET_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_bytes(SECRET_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temp.unlink()
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)  # copied with looser permissions: nobody else may read it
    secret = path.read_bytes()
    if len(secret) != SECRET_BYTES:
        raise RemoteRefused(f"The link secret {path} is damaged; delete it to make a new "
                            "one (links made before stop working).", 500)
    return secret


def make_token(secret: bytes, claims: TokenClaims) -> str:
    body = _b64(json.dumps({"i": claims.invite_id, "p": claims.project_id,
                            "e": round(claims.expires_at), "n": claims.nonce},
                           separators=(",", ":")).encode())
    return f"{body}.{_b64(_sign(secret, body))}"


def read_token(secret: bytes, token: str, now: float | None = None) -> TokenClaims:
    """The claims of a token this server signed and that has not expired, else
    ``RemoteRefused`` (401 for a forged or garbled token, 403 for an expired one)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise RemoteRefused(NOT_OURS, 401)
    body, mac = token.split(".")
    try:
        given = _unb64(mac)
        valid = hmac.compare_digest(given, _sign(secret, body))
        claims = json.loads(_unb64(body)) if valid else None
    except (ValueError, binascii.Error):
        raise RemoteRefused(NOT_OURS, 401) from None
    if not isinstance(claims, dict) or not _claims_typed(claims):
        raise RemoteRefused(NOT_OURS, 401)
    read = TokenClaims(claims["i"], claims["p"], float(claims["e"]), claims["n"])
    if read.expires_at <= (time.time() if now is None else now):
        raise RemoteRefused("This link has expired. Ask whoever sent it for a new one.", 403)
    return read


def _claims_typed(claims: dict) -> bool:
    return (all(type(claims.get(k)) is int for k in ("i", "p", "e"))
            and isinstance(claims.get("n"), str))


def _sign(secret: bytes, body: str) -> bytes:
    return hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Strict base64url without padding: any other character is a garbled token."""
    if not text.isascii():
        raise ValueError("not ascii")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
