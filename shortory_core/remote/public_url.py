"""The address invite links start with: where viewers reach this app, which the app itself
cannot always know (behind a reverse proxy it sees only its own loopback address).

``SHORTORY_PUBLIC_URL`` says it when set (``https://panel.example.org``, a path prefix
allowed); otherwise the address the analyst's browser used is the best guess, and a loopback
one is flagged, since such a link opens only on this very computer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from shortory_core.access.exposure import is_loopback
from shortory_core.errors import ShortoryError

PUBLIC_URL_ENV = "SHORTORY_PUBLIC_URL"


@dataclass(frozen=True)
class PublicUrl:
    base: str  # no trailing slash
    local_only: bool  # a loopback address: the link works on this computer only
    from_setting: bool


def public_base_url(page_url: str | None, environ: Mapping[str, str] | None = None
                    ) -> PublicUrl:
    """The base of invite links, from ``SHORTORY_PUBLIC_URL`` or else ``page_url``."""
    environ = os.environ if environ is None else environ
    setting = str(environ.get(PUBLIC_URL_ENV, "")).strip()
    if setting:
        return PublicUrl(_base(setting, f"{PUBLIC_URL_ENV}={setting!r}"),
                         _is_loopback(setting), True)
    if not page_url:
        return PublicUrl("http://127.0.0.1:8501", True, False)
    parts = urlsplit(page_url)
    base = f"{parts.scheme}://{parts.netloc}"
    return PublicUrl(_base(base, "the page's address"), _is_loopback(base), False)


def _base(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ShortoryError(f"{what} is not an http(s) address such as "
                            "https://panel.example.org")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _is_loopback(url: str) -> bool:
    return is_loopback(urlsplit(url).hostname)
