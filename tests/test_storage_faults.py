"""A data folder that cannot be written, a full disk, a damaged database: one clear message
naming the folder and what to do, in the store, the CLI and the app, and nothing half-made.

The faults are real SQLite ones: the database opened read-only (what a read-only folder or
mount gives), a database that may not grow (``max_page_count``: SQLite's own "database or
disk is full", the error a full disk raises), and a file written to /dev/full.
"""

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.errors import StoreError
from shortory_core.records import Comment, ProjectDraft
from shortory_core.store import Store
from shortory_core.store import db as store_db

ROOT = Path(__file__).resolve().parents[1]
real_connect = sqlite3.connect


def read_only(path: object, *args: object, **kwargs: object) -> sqlite3.Connection:
    return real_connect(f"file:{path}?mode=ro", *args, uri=True, **kwargs)


def no_room(path: object, *args: object, **kwargs: object) -> sqlite3.Connection:
    conn = real_connect(path, *args, **kwargs)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    return conn


def test_a_read_only_data_folder_is_one_clear_error(store: Store,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_db.sqlite3, "connect", read_only)
    with pytest.raises(StoreError, match="cannot be written") as refused:
        store.create_project("nope")
    assert str(store.root) in str(refused.value) and "SHORTORY_HOME" in str(refused.value)
    with pytest.raises(StoreError, match="cannot be written"):
        Store(store.root.parent / "fresh")


@pytest.mark.parametrize("full", ["database", "comments file"])
def test_a_full_disk_says_so_and_commits_nothing(store: Store, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 full: str) -> None:
    """The database may not grow (its import report is long), or the comments' file is
    /dev/full, which takes no byte ("No space left on device")."""
    staging = store.root / "staging" / "job-1"
    staging.mkdir(parents=True)
    (staging / "video.mp4").write_bytes(b"x")
    draft = ProjectDraft("big", staging, comments=[
        Comment(f"c{i}", "0:01 " + "long text " * 50) for i in range(5000)],
        imports=[{"file": "big.csv", "problems": [f"line {i}: " + "odd " * 20
                                                  for i in range(2000)]}])
    if full == "database":
        monkeypatch.setattr(store_db.sqlite3, "connect", no_room)
    else:
        (staging / "comments").mkdir()
        (staging / "comments" / "import-1.parquet.part").symlink_to("/dev/full")
    with pytest.raises(StoreError, match="is full") as refused:
        store.commit_project(draft)
    assert "no transaction is active" not in str(refused.value)
    assert str(store.root / "media") in str(refused.value)
    monkeypatch.setattr(store_db.sqlite3, "connect", real_connect)
    assert store.list_projects() == []
    assert (staging / "video.mp4").is_file()  # the files went back to staging
    assert not (staging / "comments").exists()
    assert not any(store.media_root.iterdir())


def test_a_damaged_database_is_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "shortory.sqlite3").write_bytes(b"this is not a database, it is a text file " * 200)
    with pytest.raises(StoreError, match="damaged or not a Shortory database"):
        Store(home)


def test_the_app_starts_and_shows_the_reason(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTORY_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(store_db.sqlite3, "connect", read_only)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert any("cannot be written" in e.value for e in app.error)


def test_the_cli_exits_2_with_one_line_when_the_folder_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    done = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir",
                           str(blocker / "data"), "projects"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "is a file, not a folder" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(blocker),
                           "projects"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and str(blocker) in done.stderr, done.stderr
    assert "is a file, not a folder" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders; the "
                    "read-only database tests above cover this fault as any user")
def test_the_cli_on_a_read_only_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Store(home)
    for path in (home, home / "media"):
        path.chmod(0o555)
    (home / "shortory.sqlite3").chmod(0o444)
    try:
        done = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                               "projects"], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
    finally:
        for path in (home, home / "media"):
            path.chmod(0o755)
    assert done.returncode == 2 and "cannot be written" in done.stderr


# -- real faults: a full tmpfs and a read-only bind mount (root only) ------------------------

S = [sys.executable, "-m", "shortory_core", "--data-dir"]
VIDEO = ROOT / "shortory_core/demo/assets/reaction_expressions_woman.mp4"


def mounted(args: list[str]) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> object:
    """A 3 MB tmpfs: a disk that can be filled to the last byte."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or not mounted(["-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)]):
        pytest.skip("mounting a tmpfs needs root")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def cli(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*S, str(home), *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def assert_one_line(done: subprocess.CompletedProcess[str], says: str, home: Path) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), done.stderr
    assert says in done.stderr and str(home) in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "Logging error" not in done.stderr


def test_a_full_disk_is_one_line_naming_the_data_folder(small_disk: Path,
                                                        tmp_path: Path) -> None:
    home = small_disk / "home"
    assert cli(home, "projects").returncode == 0
    # Unbuffered: a buffered file would still hold the last block and raise again on close.
    with (small_disk / "filler").open("wb", buffering=0) as filler, pytest.raises(OSError):
        while True:  # until the disk is full
            filler.write(b"\0" * 65536)
    faces = tmp_path / "faces"
    for command in (["projects"], ["jobs"], ["import", str(VIDEO)],
                    ["profile", "create", "Ada", str(faces)]):
        assert_one_line(cli(home, *command), "is full", home)


@contextmanager
def read_only_mount(folder: Path) -> Iterator[None]:
    """``folder`` mounted read-only over itself for the block (root only; skips otherwise)."""
    if os.geteuid() != 0 or not mounted(["--bind", "-o", "ro", str(folder), str(folder)]):
        pytest.skip("a read-only bind mount needs root")
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_media_folder_is_one_line_naming_the_data_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli(home, "import", str(VIDEO), "--name", "ro").returncode == 0
    with read_only_mount(home / "media"):
        done = cli(home, "react", "1", str(VIDEO), "--viewer", "Bo")
    assert_one_line(done, "cannot be written", home)


def test_an_unwritable_log_prints_no_traceback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli(home, "import", str(VIDEO), "--name", "log").returncode == 0
    with read_only_mount(home / "logs"):
        done = cli(home, "react", "1", str(ROOT / "README.md"), "--viewer", "Bo")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr


def test_a_database_that_is_a_folder_is_named_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "shortory.sqlite3").mkdir(parents=True)
    done = cli(home, "projects")
    assert_one_line(done, "is a folder", home)
    assert "read-only" not in done.stderr
