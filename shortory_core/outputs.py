"""Files a command writes where the user says (``render --out``, ``analyze --out``).

What the user owns is never overwritten by accident:

- an output is never one of the command's inputs (the same path, a symlink or a hard link to
  it: paths are compared resolved, files by device and inode), nor in the data folder's media
  or work folders: a project's stored media must keep matching what the store says of it;
- an existing file is replaced only when asked (``--force``), and then atomically: the new file
  is made beside it and renamed over it (``os.replace``), so a failure or a kill leaves the old
  file whole, and a hard link to the old file keeps the old bytes;
- the work files (ffmpeg's partial file, a caption image) live in one hidden folder beside the
  output, locked while its run lives. A run killed too hard to clean up (``kill -9``) leaves
  it behind; the next run writing into that folder removes it. Beside, not in the data folder's
  staging: only a rename on the same file system is atomic.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from shortory_core.validate import InvalidValue, output_file

WORK_PREFIX = ".shortory-work-"
# The data folder's own folders: a project's stored media, and the files of work in progress.
# The rest of the data folder may be the user's (``--data-dir .``).
KEPT = ("media", "staging", "uploads")


def output_path(path: Path, suffixes: tuple[str, ...], what: str, *,
                inputs: Mapping[str, Path], data_folder: Path, force: bool) -> Path:
    """``path`` checked for writing before any work starts (see ``validate.output_file``),
    returned absolute; a refusal says why and what to do instead. ``inputs`` are the files
    the command reads, by what the user calls them ("video")."""
    out = output_file(path, suffixes, what)
    target = out.resolve()
    for noun, source in inputs.items():
        if target == Path(source).resolve() or _same_file(out, Path(source)):
            raise InvalidValue(f"{what} {out} is the {noun} it reads ({source}); choose "
                               "another file name.")
    data = Path(data_folder).resolve()
    for kept in (data / name for name in KEPT):
        if target.is_relative_to(kept):
            raise InvalidValue(f"{what} {out} is inside {kept}, where Shortory's data folder "
                               "keeps projects' media and work files; write it somewhere else.")
    if out.exists() or out.is_symlink():
        if not force:
            raise InvalidValue(f"{out} already exists; add --force to replace it.")
        if _stored_media(out, data / "media"):
            raise InvalidValue(f"{what} {out} is a link to a project's stored media in {data}; "
                               "choose another file name.")
    return out


@contextmanager
def written_atomically(out: Path) -> Iterator[Path]:
    """A fresh, locked work folder beside ``out``: what the block leaves in it as ``out.name``
    replaces ``out`` when the block ends without an error. The folder is removed in every
    case, and so are those of dead runs before it (``sweep``)."""
    sweep(out.parent)
    folder, lock = _locked_folder(out.parent)
    try:
        yield folder
        os.replace(folder / out.name, out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(lock)


def sweep(parent: Path) -> None:
    """Remove the work folders in ``parent`` that no live run holds (their lock is free)."""
    for leftover in parent.glob(WORK_PREFIX + "*"):
        try:
            lock = os.open(leftover, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue  # not a folder of ours, or gone already
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            shutil.rmtree(leftover, ignore_errors=True)
        except BlockingIOError:
            continue  # a live run's
        finally:
            os.close(lock)


def _locked_folder(parent: Path) -> tuple[Path, int]:
    """A new work folder and the open descriptor that holds its lock. Another run's ``sweep``
    may take a folder in the instant between its making and its locking; the check after the
    lock sees that (the name no longer leads to the locked folder) and makes another."""
    while True:
        folder = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=parent))
        lock = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(lock, fcntl.LOCK_EX)
        with suppress(FileNotFoundError):
            if os.path.samestat(os.stat(folder), os.fstat(lock)):
                return folder, lock
        os.close(lock)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False  # one of them does not exist: not the same file


def _stored_media(out: Path, media: Path) -> bool:
    """Whether ``out`` is a hard link to a file in the ``media`` folder (only a file with more
    than one link can be; the folder is walked only then)."""
    stat = out.stat()
    if stat.st_nlink < 2 or not media.is_dir():
        return False
    return any(os.path.samestat(stat, stored.stat()) for stored in media.rglob("*")
               if stored.is_file())
