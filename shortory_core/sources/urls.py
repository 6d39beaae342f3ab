"""Checking URLs before anything is fetched."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from shortory_core.errors import NetworkUnavailable, SourceError
from shortory_core.sources.egress import ALLOW_LOCAL_ENV, Policy, Refused, address_problem
from shortory_core.untrusted import for_terminal

IMPORT_HINT = "Import the video file and a comment dump instead (Projects → Import files)."


MAX_URL = 2048
MAX_HOST = 253


def validate_url(url: str, policy: Policy | None = None) -> str:
    """The URL stripped of blanks, or ``SourceError`` saying what is wrong with it.

    Only http(s) with a well-formed host and port passes (``file://``, ``ftp://``, bare paths
    and ``javascript:`` never reach yt-dlp, which would open local files for them). A host
    written as a local address, or named ``localhost``, is refused here already; names that
    resolve to one are refused by the fetch's ``EgressGuard``, redirects included.
    """
    policy = policy or Policy.from_env()
    cleaned = (url or "").strip()
    shown = for_terminal(cleaned[:120])
    if len(cleaned) > MAX_URL or any(c.isspace() or not c.isprintable() for c in cleaned):
        raise SourceError(f"Not a usable web address: {shown!r} (too long, or it has spaces "
                          "or control characters).")
    try:
        parts = urlsplit(cleaned)
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # "http://[::1/", a port of 99999
        raise SourceError(f"Not a usable web address: {shown!r} ({exc}).") from None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        raise SourceError(
            f"Not a web address: {shown!r}. Paste an http(s) link such as "
            "https://www.youtube.com/watch?v=…"
        )
    if parts.username or parts.password:
        raise SourceError(f"Not a usable web address: {shown!r} (it carries a user name or "
                          "password; remove them).")
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise SourceError(f"Not a usable web address: {shown!r} (its host name is not "
                          "valid).") from None
    if len(ascii_host) > MAX_HOST or any(len(label) > 63 for label in ascii_host.split(".")):
        raise SourceError(f"Not a usable web address: {shown!r} (its host name is too long).")
    if not policy.allow_local:
        problem = _local_host(ascii_host)
        if problem and (ascii_host, port or 0) not in policy.trusted:
            raise SourceError(f"Refused {shown!r}: {problem}. Shortory fetches only from the "
                              f"public internet (set {ALLOW_LOCAL_ENV}=1 to allow local "
                              "addresses).")
    return cleaned


def _local_host(host: str) -> str | None:
    """Why a host as written is local (an address literal or a local-only name), else None."""
    try:
        return address_problem(host)
    except ValueError:
        pass
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith((".localhost", ".local", ".internal")):
        return f"{host} is a local name"
    return None


def youtube_video_id(url: str) -> str | None:
    """The 11-character id of a YouTube watch/short/embed/youtu.be link, else ``None``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    candidate = ""
    if host == "youtu.be":
        candidate = parts.path.strip("/").split("/")[0]
    elif host in {"youtube.com", "music.youtube.com", "youtube-nocookie.com"}:
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        segments = [s for s in parts.path.split("/") if s]
        if segments[:1] == ["watch"]:
            candidate = query.get("v", "")
        elif len(segments) >= 2 and segments[0] in {"shorts", "embed", "live", "v"}:
            candidate = segments[1]
    valid = len(candidate) == 11 and all(c.isalnum() or c in "-_" for c in candidate)
    return candidate if valid else None


def ensure_reachable(url: str, timeout: float = 4.0, policy: Policy | None = None) -> None:
    """Fail fast, with advice, when the URL's host cannot be reached at all (or is refused by
    ``policy``: only an address it allows is connected to).

    yt-dlp and youtube-comment-downloader retry for minutes on a dead network; one TCP connect
    with a short timeout tells the user at once.
    """
    policy = policy or Policy.from_env()
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = policy.check(parts.hostname or "", port)
    except Refused as exc:
        if "cannot be resolved" not in str(exc):
            raise SourceError(f"Refused {url[:120]!r}: {exc}.") from None
        raise NetworkUnavailable(f"Cannot reach {parts.hostname} ({exc}). Check the network "
                                 f"connection. {IMPORT_HINT}") from None
    try:
        socket.create_connection((address, port), timeout=timeout).close()
    except OSError as exc:
        raise NetworkUnavailable(
            f"Cannot reach {parts.hostname} ({exc.__class__.__name__}: {exc}). "
            f"Check the network connection. {IMPORT_HINT}"
        ) from exc
