"""Files handed over by a browser, kept on disk until the job that reads them succeeds.

An upload is written in chunks (never held twice in memory) to ``DATA/uploads/<token>/``, under
a name cleaned of any path, so a failed or interrupted job can be retried with the same file.
The job removes the folder when it succeeds; recovery removes folders no job needs any more.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import BinaryIO

from shortory_core.store import Store

UPLOADS = "uploads"
CHUNK = 8 * 1024 * 1024


def uploads_root(store: Store) -> Path:
    return store.root / UPLOADS


def safe_name(name: str) -> str:
    """The file name alone, with only safe characters (the suffix kept for type detection)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\- ]", "_", base).strip(" .")[:120]
    return cleaned or "upload"


def new_upload_dir(store: Store) -> Path:
    folder = uploads_root(store) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return folder


def save_upload(data: BinaryIO, name: str, folder: Path) -> Path:
    """Write ``data`` (a file-like object) to ``folder`` in chunks; returns the file."""
    target = folder / safe_name(name)
    data.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(data, out, CHUNK)
    return target
