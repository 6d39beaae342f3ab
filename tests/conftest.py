"""Shared fixtures: a fresh data folder per test, and real media made once per run."""

from __future__ import annotations

import shutil
from pathlib import Path

import aiortc  # noqa: F401  (before TensorFlow: see below)
import pytest

from shortory_core.demo.video import write_demo_video
from shortory_core.jobs import Job
from shortory_core.kinds import job_service
from shortory_core.records import Comment
from shortory_core.store import Store

# aiortc's SRTP binding (pylibsrtp) links the system OpenSSL; TensorFlow, which the conversion
# tests import, carries its own BoringSSL. Loaded in the other order, one process segfaults on
# import. The app never imports TensorFlow; the test process loads aiortc first.

# Everything a test reads is inside the repository: a fresh clone must pass on its own.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FACE_CLIPS = Path(__file__).resolve().parents[1] / "shortory_core" / "demo" / "assets"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


@pytest.fixture(scope="session")
def short_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 3-second H.264 + AAC mp4 (the demo renderer, cut short)."""
    return write_demo_video(tmp_path_factory.mktemp("media") / "short.mp4", duration=3.0)


SPEECH = FIXTURES / "speech"
TALK_CUT_S = 21.5  # where ``talk_video`` cuts from one person to the other


@pytest.fixture(scope="session")
def talk_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 60 s talk: a person's face (the demo's woman, looped) until ``TALK_CUT_S``, then a
    hard cut to another person (the webcam recording), 1280×720 at 25 fps, H.264 with a
    keyframe every 2 s; the sound is real speech (``fixtures/speech/multilingual.mp3``: the
    MIT license read in English, then in German)."""
    from shortory_core.clips.render import ffmpeg_exe, path_arg, run_ffmpeg

    out = tmp_path_factory.mktemp("talk") / "talk.mp4"
    frame = ("scale=1280:720:force_original_aspect_ratio=decrease,"
             "pad=1280:720:(ow-iw)/2:(oh-ih)/2,fps=25")
    return run_ffmpeg([
        ffmpeg_exe(), "-v", "error", "-y",
        "-stream_loop", "-1", "-i", path_arg(FACE_CLIPS / "reaction_expressions_woman.mp4"),
        "-stream_loop", "-1", "-i", path_arg(FACE_CLIPS / "reaction_webcam_glasses.mp4"),
        "-i", path_arg(SPEECH / "multilingual.mp3"),
        "-filter_complex",
        f"[0:v]{frame},trim=0:{TALK_CUT_S},setpts=PTS-STARTPTS[a];"
        f"[1:v]{frame},trim=0:{60 - TALK_CUT_S},setpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=1[v]",
        "-map", "[v]", "-map", "2:a", "-t", "60", "-c:v", "libx264", "-preset", "veryfast",
        "-g", "50", "-crf", "24", "-c:a", "aac", "-progress", "pipe:1", "-nostats",
        "-f", "mp4", path_arg(out.with_name(out.name + ".part"))], out, 60.0,
        what="making the talk fixture")


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the built demo project, built once per test run."""
    from shortory_core.kinds import ensure_demo_project

    root = tmp_path_factory.mktemp("demo-home")
    ensure_demo_project(Store(root))
    return root


@pytest.fixture
def demo_copy(demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo data folder, made the app's data folder; tests may write."""
    copy = tmp_path / "home"
    shutil.copytree(demo_home, copy)
    monkeypatch.setenv("SHORTORY_HOME", str(copy))
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    return copy


def stored_comments(store: Store, project_id: int) -> list[Comment]:
    """A project's comments in import order, read as the app reads them
    (``comment_columns``), one ``Comment`` each for comparing."""
    columns = store.comment_columns(project_id)
    return [Comment(*row) for row in columns.rows()]


def run_job(store: Store, kind: str, params: dict, **where: int) -> Job:
    """Run one job to its end in this thread, exactly as the app's workers run it."""
    service = job_service(store, workers=False)
    try:
        return service.run(service.submit(kind, params, **where))
    finally:
        service.close()
