"""Checking URLs before anything is fetched."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from shortory_core.errors import NetworkUnavailable, SourceError

IMPORT_HINT = "Import the video file and a comment dump instead (Projects → Import files)."


def validate_url(url: str) -> str:
    """Return the URL stripped of blanks, or raise ``SourceError`` if it is not http(s).

    ``file://``, ``ftp://``, bare paths and ``javascript:`` never reach yt-dlp: it would open
    local files for them.
    """
    cleaned = (url or "").strip()
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise SourceError(
            f"Not a web address: {cleaned[:120]!r}. Paste an http(s) link such as "
            "https://www.youtube.com/watch?v=…"
        )
    return cleaned


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


def ensure_reachable(url: str, timeout: float = 4.0) -> None:
    """Fail fast, with advice, when the URL's host cannot be reached at all.

    yt-dlp and youtube-comment-downloader retry for minutes on a dead network; one TCP connect
    with a short timeout tells the user at once.
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as exc:
        raise NetworkUnavailable(
            f"Cannot reach {parts.hostname} ({exc.__class__.__name__}: {exc}). "
            f"Check the network connection. {IMPORT_HINT}"
        ) from exc
