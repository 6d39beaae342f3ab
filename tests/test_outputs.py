"""Files the user names for Shortory to write: never one of the inputs nor a project's stored
media, an existing file replaced only with ``--force`` and then atomically, and a killed render
leaves neither a running ffmpeg nor half-made files behind.

Everything runs the real CLI (``main`` in this process, or ``python -m shortory_core`` where a
process is killed) on the real demo assets and the real ffmpeg.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shortory_core.sources.video_file import probe_video
from shortory_core.store import Store
from tests.test_bad_input import Outcome, assert_refused, run
from tests.test_jobs import ffmpeg_children
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "shortory_core" / "demo" / "assets"


@pytest.fixture
def video(tmp_path: Path) -> Path:
    """A private copy of a real 3 s webcam recording (512×512, no sound)."""
    return Path(shutil.copy(ASSETS / "reaction_smile_man.mp4", tmp_path / "v.mp4"))


def render(home: Path, source: Path | str, out: Path | str, *flags: str,
           capsys: pytest.CaptureFixture[str]) -> Outcome:
    return run(["--data-dir", str(home), "render", str(source), "--span", "1", "3", "--no-snap",
                "--out", str(out), *flags], capsys)


def same_file_as(video: Path, how: str) -> Path:
    """A name for ``video`` itself: the path, a relative path, a hard link, a symlink, or the
    path through a symlinked folder."""
    if how == "relative":
        return Path(os.path.relpath(video))
    if how == "hard link":
        os.link(video, video.with_name("hard.mp4"))
        return video.with_name("hard.mp4")
    if how == "symlink":
        video.with_name("soft.mp4").symlink_to(video)
        return video.with_name("soft.mp4")
    if how == "symlinked folder":
        (video.parent / "alias").symlink_to(video.parent, target_is_directory=True)
        return video.parent / "alias" / video.name
    return video


@pytest.mark.parametrize("flags", [(), ("--copy",), ("--force",), ("--copy", "--force")])
@pytest.mark.parametrize("how", ["same path", "relative", "hard link", "symlink",
                                 "symlinked folder"])
def test_a_render_over_its_own_input_is_refused(how: str, flags: tuple[str, ...],
                                                video: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = video.read_bytes()
    outcome = render(tmp_path / "home", video, same_file_as(video, how), *flags, capsys=capsys)
    assert_refused(outcome, "is the video it reads")
    assert video.read_bytes() == before
    assert not list(tmp_path.glob(".shortory-*")) and not list(tmp_path.glob("*.part"))


def test_a_render_never_writes_over_a_projects_stored_video(video: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    home = tmp_path / "home"
    assert run(["--data-dir", str(home), "import", str(video)], capsys).code == 0
    store = Store(home)
    stored = store.media_path(store.get_video(1).path)
    before = stored.read_bytes()
    other = shutil.copy(ASSETS / "reaction_expressions_woman.mp4", tmp_path / "other.mp4")
    os.link(stored, tmp_path / "linked.mp4")
    (tmp_path / "pointer.mp4").symlink_to(stored)

    for flags in ((), ("--copy",), ("--force",)):
        assert_refused(render(home, stored, stored, *flags, capsys=capsys), "is the video")
        for target in (stored, stored.with_name("new.mp4"), tmp_path / "pointer.mp4"):
            assert_refused(render(home, other, target, "--force", *flags, capsys=capsys),
                           "data folder")
    assert_refused(render(home, other, tmp_path / "linked.mp4", "--force", capsys=capsys),
                   "a project's stored media")

    assert stored.read_bytes() == before
    assert probe_video(stored).duration == pytest.approx(3.12, abs=0.05)
    projects = json.loads(run(["--data-dir", str(home), "projects", "--json"], capsys).out)
    assert projects["projects"][0]["duration"] == pytest.approx(probe_video(stored).duration)
    assert not (stored.parent / "new.mp4").exists()


def test_an_existing_clip_is_replaced_only_with_force_and_then_atomically(
        video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home, out = tmp_path / "home", tmp_path / "clip.mp4"
    out.write_bytes(b"the user's own file")
    os.link(out, tmp_path / "kept.mp4")  # sees the old file's bytes unless they are rewritten

    assert_refused(render(home, video, out, capsys=capsys), "--force")
    assert out.read_bytes() == b"the user's own file"

    outcome = render(home, video, out, "--force", capsys=capsys)
    assert outcome.code == 0, outcome.err
    assert probe_video(out).duration == pytest.approx(2.0, abs=0.1)
    assert (tmp_path / "kept.mp4").read_bytes() == b"the user's own file"  # a new file, renamed
    assert {p.name for p in tmp_path.iterdir()} == {"v.mp4", "clip.mp4", "kept.mp4"}


def test_an_existing_timeline_is_replaced_only_with_force(video: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    out = tmp_path / "timeline.csv"
    out.write_text("mine\n")
    analyse = ["analyze", str(video), "--fps", "1", "--workers", "1", "--out", str(out)]
    assert_refused(run(analyse, capsys), "--force")
    assert out.read_text() == "mine\n"
    outcome = run([*analyse, "--force", "--json"], capsys)
    assert outcome.code == 0, outcome.err
    lines = out.read_text().splitlines()
    assert lines[0].startswith("video_time,") and len(lines) == 1 + json.loads(outcome.out)[
        "samples"] > 1
    assert {p.name for p in tmp_path.iterdir()} == {"v.mp4", "timeline.csv"}


def alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie (one that ended, waiting for its parent's wait)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_kill_9_of_a_render_takes_its_ffmpeg_along_and_the_next_run_cleans_up(
        demo_home: Path, video: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's 120 s video, reframed and captioned: ffmpeg would need several seconds more
    after the kill; it must be gone within two."""
    store = Store(demo_home)
    source = store.media_path(store.get_video(store.demo_project_id()).path)
    folder = tmp_path / "out"
    folder.mkdir()
    clip = folder / "clip.mp4"
    clip.write_bytes(b"an older clip")
    cli = subprocess.Popen(
        [sys.executable, "-m", "shortory_core", "--data-dir", str(tmp_path / "home"), "render",
         str(source), "--span", "0", "120", "--layout", "9:16", "--title",
         "happy · 91 — 1:02 so good", "--no-snap", "--out", str(clip), "--force"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: ffmpeg_children(str(folder)) or cli.poll() is not None,
                   "ffmpeg to start", every=0.02)
        ffmpeg = ffmpeg_children(str(folder))
        assert ffmpeg and cli.poll() is None, "the render ended before it could be killed"
        cli.send_signal(signal.SIGKILL)
        cli.wait()
        killed = time.monotonic()
        wait_until(lambda: not any(alive(pid) for pid in ffmpeg), "ffmpeg to die with the CLI",
                   timeout=10, every=0.02)
        assert time.monotonic() - killed < 2.0
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert clip.read_bytes() == b"an older clip"  # the replacement never happened

    outcome = run(["--data-dir", str(tmp_path / "home"), "render", str(video), "--span", "0",
                   "1", "--title", "next", "--no-snap", "--out", str(folder / "next.mp4")], capsys)
    assert outcome.code == 0, outcome.err
    assert sorted(p.name for p in folder.rglob("*")) == ["clip.mp4", "next.mp4"]
