"""Media addressed by URL, so that a machine other than the one holding the store can read it.

A batch names recordings by path or URL. Paths become ``file://`` URLs (absolute, so a worker
on the same shared filesystem finds them). Object storage (``s3://``, ``gs://``, ``az://``…)
is read through fsspec, which needs its extra (``requirements-ray.txt``) and the scheme's own
package (``s3fs``, ``gcsfs``…) on every machine that reads them. ``http(s)://`` is fetched
through the egress guard (``egress.py``), like every other download: no local address,
redirects included. Any other scheme (``ftp://``, ``sftp://``, ``smb://``…) would reach hosts
the guard cannot check, so it is refused. A remote file is copied to a temporary file first,
because decoding seeks back and forth.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlparse

from shortory_core.errors import SourceError

LOCAL_SCHEMES = ("", "file")
WEB_SCHEMES = ("http", "https")
STORAGE_SCHEMES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl",
                   "memory")  # memory://: fsspec's in-process store, no network
COPY_CHUNK = 8 * 1024 * 1024


def media_url(spec: str, base: Path) -> str:
    """A manifest's path or URL as a URL; a relative path is taken from ``base``.
    ``ValueError`` for a scheme Shortory does not read (see the module docstring)."""
    scheme = urlparse(spec).scheme.lower()
    if scheme and len(scheme) > 1:  # "C:" is a drive, not a scheme
        if scheme not in ("file", *WEB_SCHEMES, *STORAGE_SCHEMES):
            raise ValueError(
                f"{scheme}:// recordings are not read: give a path, a file://, http(s):// or "
                f"object storage URL ({', '.join(s + '://' for s in STORAGE_SCHEMES[:5])}…)")
        return spec
    path = Path(spec).expanduser()
    return (path if path.is_absolute() else base / path).resolve().as_uri()


def shared_folder(spec: str) -> str:
    """Where Ray's workers reach the data folder's ``media/`` (``batch --media-url``): an
    absolute path on a shared filesystem, a ``file://`` URL or object storage. ``ValueError``
    for anything a worker cannot write to (a relative path means nothing on another machine;
    http(s) is read-only here)."""
    scheme = urlparse(spec).scheme.lower()
    if scheme in ("file", *STORAGE_SCHEMES):
        return spec
    if (scheme and len(scheme) > 1) or not Path(spec).expanduser().is_absolute():
        raise ValueError(f"{spec!r}: give an absolute path on a shared filesystem, "
                         "a file:// URL or an object storage URL (s3://, gs://, az://…)")
    return Path(spec).expanduser().as_uri()


def local_path(url: str) -> Path | None:
    """The file a ``file://`` URL (or a plain path) names; ``None`` for a remote URL."""
    parsed = urlparse(url)
    if parsed.scheme not in LOCAL_SCHEMES and len(parsed.scheme) > 1:
        return None
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(url)


def check_remote(url: str) -> None:
    """Refuse, before any work is made for it, a remote URL that could never be read: a
    scheme Shortory does not read, or an http(s) host the egress guard would refuse (the
    guard checks again when the file is fetched, so a DNS answer that changes meanwhile is
    still caught)."""
    from shortory_core.sources.egress import Policy, Refused

    try:
        media_url(url, Path("."))
    except ValueError as exc:
        raise SourceError(str(exc)) from exc
    parts = urlparse(url)
    if parts.scheme.lower() in WEB_SCHEMES:
        try:
            Policy.from_env().check(parts.hostname or "",
                                    parts.port or (443 if parts.scheme == "https" else 80))
        except (Refused, ValueError) as exc:
            raise SourceError(f"Cannot read {url}: {exc}") from exc


@contextmanager
def readable_media(url: str) -> Iterator[Path]:
    """A local file holding the media at ``url``: the file itself when local, else a
    temporary copy that is removed afterwards."""
    path = local_path(url)
    if path is not None:
        if not path.is_file():
            raise SourceError(f"No media at {path}.")
        yield path
        return
    check_remote(url)  # a URL stored before its scheme was refused
    suffix = Path(urlparse(url).path).suffix or ".mp4"
    with tempfile.NamedTemporaryFile(suffix=suffix, prefix="shortory-media-") as copy:
        if urlparse(url).scheme.lower() in WEB_SCHEMES:
            _download(url, copy)
        else:
            _copy_from_storage(url, copy)
        copy.flush()
        yield Path(copy.name)


def _download(url: str, out: BinaryIO) -> None:
    """``url`` into ``out`` through the egress guard's proxy, redirects included."""
    import requests

    from shortory_core.sources.egress import EgressGuard, Policy

    policy = Policy.from_env()
    with EgressGuard(policy) as guard:
        try:
            with requests.get(url, stream=True, timeout=policy.stall_s,
                              proxies={"http": guard.url, "https": guard.url}) as response:
                response.raise_for_status()
                for chunk in response.iter_content(COPY_CHUNK):
                    out.write(chunk)
        except requests.RequestException as exc:
            raise SourceError(f"Cannot read {url}: {guard.problem or exc}") from exc


def _copy_from_storage(url: str, out: BinaryIO) -> None:
    """An object store's file into ``out`` through fsspec."""
    try:
        import fsspec
    except ImportError as exc:
        raise SourceError(f"{url} needs fsspec: pip install -r requirements-ray.txt (and the "
                          "package for its scheme, such as s3fs or gcsfs).") from exc
    try:
        with fsspec.open(url, "rb") as remote:
            shutil.copyfileobj(remote, out, COPY_CHUNK)
    except (ImportError, ValueError, OSError) as exc:  # no package for the scheme, a
        raise SourceError(f"Cannot read {url}: {exc}") from exc  # bad URL, no such file
