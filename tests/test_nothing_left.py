"""Check, then create; and recovery before every read. A ``react`` that cannot work leaves
nothing behind, one killed mid-way leaves a session whose job the next command settles (any
command: ``projects`` alone), and a recording that runs past the video's end is said to."""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shortory_core.demo import DEMO_NAME
from shortory_core.store import Store
from tests.conftest import FACE_CLIPS
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
SMILE = FACE_CLIPS / "reaction_smile_man.mp4"


def shortory(home: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                           *args], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env=os.environ | (env or {}))


def what_is_there(home: Path) -> tuple[list, list, list]:
    """Every session, job and recording file of the data folder."""
    store = Store(home)
    sessions = [s for p in store.list_projects() for s in store.sessions(p.project.id)]
    return (sessions, store.jobs.listing(limit=1000),
            sorted(p.name for p in (home / "media").rglob("reactions/*")))


@pytest.fixture
def home(demo_home: Path, tmp_path: Path) -> Path:
    shutil.copytree(demo_home, tmp_path / "home")
    return tmp_path / "home"


def test_a_react_that_cannot_work_leaves_nothing(home: Path, tmp_path: Path) -> None:
    before = what_is_there(home)
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n")
    refused = shortory(home, "react", DEMO_NAME, str(text), "--viewer", "Ann")
    assert refused.returncode == 2, refused.stderr
    assert "notes.mp4 cannot be analysed" in refused.stderr  # the user's own file, named
    card = json.loads((ROOT / "models/emotion_fer_mini_xception.json").read_text())
    (tmp_path / "junk.onnx").write_bytes(b"")
    (tmp_path / "junk.json").write_text(json.dumps(card | {"file": "junk.onnx",
                                                           "name": "junk"}))
    junk = shortory(home, "react", DEMO_NAME, str(SMILE), "--viewer", "Ann",
                    env={"SHORTORY_EMOTION_MODEL": str(tmp_path / "junk.json")})
    assert junk.returncode == 2 and "Unexpected" not in junk.stderr, junk.stderr
    assert "junk" in junk.stderr
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"project,recording,viewer\n{DEMO_NAME},{SMILE},Ann\n")
    batch = shortory(home, "batch", str(manifest),
                     env={"SHORTORY_EMOTION_MODEL": str(tmp_path / "junk.json")})
    assert batch.returncode == 2 and "junk" in batch.stderr, batch.stderr
    assert what_is_there(home) == before  # no session, no job, no copied file


def test_a_recording_past_the_videos_end_is_said_to(home: Path) -> None:
    store = Store(home)
    end = store.get_video(store.demo_project_id()).duration
    done = shortory(home, "react", DEMO_NAME, str(SMILE), "--viewer", "Late",
                    "--offset", f"{end - 2:g}", "--json")
    assert done.returncode == 0, done.stderr
    assert "past the video's end" in done.stderr and f"from {end - 2:g} s" in done.stderr


def test_a_killed_react_is_settled_by_the_next_command_whatever_it_is(home: Path) -> None:
    long = home.parent / "long.mp4"
    from shortory_core.bench.vision import loop_recording
    loop_recording(SMILE, long, 60.0)
    react = subprocess.Popen([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                              "react", DEMO_NAME, str(long), "--viewer", "Kim"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = Store(home)

    def analysing() -> bool:
        return any(j.kind == "analyse" and j.status == "running" and j.progress > 0
                   for j in store.jobs.listing(limit=5))

    try:
        wait_until(analysing, "react to be analysing", timeout=120, every=0.1)
    finally:
        react.send_signal(signal.SIGKILL)
    react.wait()
    [job] = [j for j in store.jobs.listing(limit=5) if j.kind == "analyse"]
    assert job.status == "running"  # as the kill left it: nobody has settled it yet

    listed = shortory(home, "projects", "--json")  # a command that only reads
    assert listed.returncode == 0, listed.stderr
    after = store.jobs.get(job.id)
    assert after.status == "interrupted" and "stopped before it finished" in after.message
    session = store.session(job.params["session_id"])
    assert session.viewer == "Kim" and session.status == "interrupted"
    retried = shortory(home, "jobs", "--retry", str(job.id), "--json")  # its job can finish it
    assert retried.returncode == 0, retried.stderr
    assert store.session(session.id).status == "analysed"
