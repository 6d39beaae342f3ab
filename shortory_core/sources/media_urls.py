"""Media addressed by URL, so that a machine other than the one holding the store can read it.

A batch names recordings by path or URL. Paths become ``file://`` URLs (absolute, so a worker
on the same shared filesystem finds them). Other schemes (``s3://``, ``gs://``, ``az://``…) are
read through fsspec, which needs its extra (``requirements-ray.txt``) and the scheme's own
package (``s3fs``, ``gcsfs``…) on every machine that reads them: the file is copied to a
temporary file first, because decoding seeks back and forth.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

from shortory_core.errors import SourceError

LOCAL_SCHEMES = ("", "file")
COPY_CHUNK = 8 * 1024 * 1024


def media_url(spec: str, base: Path) -> str:
    """A manifest's path or URL as a URL; a relative path is taken from ``base``."""
    scheme = urlparse(spec).scheme
    if scheme and len(scheme) > 1:  # "C:" is a drive, not a scheme
        return spec
    path = Path(spec).expanduser()
    return (path if path.is_absolute() else base / path).resolve().as_uri()


def local_path(url: str) -> Path | None:
    """The file a ``file://`` URL (or a plain path) names; ``None`` for a remote URL."""
    parsed = urlparse(url)
    if parsed.scheme not in LOCAL_SCHEMES and len(parsed.scheme) > 1:
        return None
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(url)


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
    try:
        import fsspec
    except ImportError as exc:
        raise SourceError(f"{url} needs fsspec: pip install -r requirements-ray.txt (and the "
                          "package for its scheme, such as s3fs or gcsfs).") from exc
    suffix = Path(urlparse(url).path).suffix or ".mp4"
    with tempfile.NamedTemporaryFile(suffix=suffix, prefix="shortory-media-") as copy:
        try:
            with fsspec.open(url, "rb") as remote:
                shutil.copyfileobj(remote, copy, COPY_CHUNK)
        except (ImportError, ValueError, OSError) as exc:  # no package for the scheme, a
            raise SourceError(f"Cannot read {url}: {exc}") from exc  # bad URL, no such file
        copy.flush()
        yield Path(copy.name)
