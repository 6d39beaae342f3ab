"""The job service under failure: jobs that raise, cancels, two processes on one data folder,
and processes killed with SIGKILL in the middle of every kind of work. Real processes, real
ffmpeg, real files; nothing of the service is replaced."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shortory_core.clips.rendering import ClipRequest, queue_clips
from shortory_core.clips.spec import ShortSpec
from shortory_core.errors import ShortoryError
from shortory_core.jobs import Job, JobContext, JobKind, JobService
from shortory_core.kinds import KINDS, job_service
from shortory_core.sources.video_file import probe_video
from shortory_core.store import Store
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]


class Unheard(BaseException):
    """An exception type no code of ours knows about."""


def raising(exc: BaseException) -> Callable[[JobContext], dict]:
    def run(ctx: JobContext) -> dict:
        ctx.progress(0.3, "About to fail")
        raise exc
    return run


def test_a_job_raising_anything_fails_with_its_message_and_the_next_runs(store: Store) -> None:
    failures = {
        "value": ValueError("bad value"), "system": SystemError("tile cannot extend outside"),
        "key": KeyError("missing"), "recursion": RecursionError("too deep"),
        "ours": ShortoryError("The file is not a video. Choose another."),
        "unheard": Unheard("never seen before"),
    }
    kinds = {name: JobKind(name, "lane", raising(exc)) for name, exc in failures.items()}
    kinds["ok"] = JobKind("ok", "lane", lambda ctx: {"summary": "fine", "value": 42})
    service = JobService(store, kinds)
    ids = {name: service.submit(name) for name in failures}
    last = service.submit("ok")
    ended = {name: service.wait(job_id, 30) for name, job_id in ids.items()}
    for name, job in ended.items():
        assert job.status == "failed", name
        assert "\n" not in job.error and len(job.error) <= 500
    assert ended["ours"].error == "The file is not a video. Choose another."
    assert "SystemError: tile cannot extend outside" in ended["system"].error
    assert "Unheard: never seen before" in ended["unheard"].error
    assert "bug in Shortory" in ended["value"].error and "shortory.log" in ended["value"].error
    done = service.wait(last, 30)
    assert done.status == "done" and done.result == {"value": 42} and done.message == "fine"
    log = (store.root / "logs" / "shortory.log").read_text()
    assert "Traceback" in log and "never seen before" in log


@pytest.fixture
def demo_store(demo_home: Path, tmp_path: Path) -> Store:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    return Store(home)


def ffmpeg() -> str:
    from shortory_core.clips.render import ffmpeg_exe

    return ffmpeg_exe()


def test_one_bad_clip_does_not_stop_the_renders_after_it(demo_store: Store, short_video: Path
                                                         ) -> None:
    store = demo_store
    service = job_service(store)
    broken = run_import(store, short_video)
    store.media_path(store.get_video(broken).path).unlink()  # its source is gone: ffmpeg fails
    [bad] = queue_clips(service, broken, "picked", [ClipRequest(
        0.0, 2.0, 1.0, "gone", spec=ShortSpec(layout="9:16", captions="label"),
        title="happy · 90 — a comment")])
    [good] = queue_clips(service, store.demo_project_id(), "picked",
                         [ClipRequest(40.0, 44.0, 1.0, "after")])
    jobs = {j.subject_id: service.wait(j.id, 120)
            for j in store.jobs.listing(kinds=("render",))}
    assert jobs[bad].status == "failed" and jobs[bad].error
    assert store.clip(bad).status == "failed" and store.clip(bad).error == jobs[bad].error
    assert jobs[good].status == "done" and store.clip(good).status == "done"
    assert not list(store.root.rglob("*.part"))


def run_import(store: Store, video: Path, comments: Path | None = None) -> int:
    from tests.conftest import run_job

    job = run_job(store, "import", {"video": str(video),
                                    "comments": str(comments) if comments else None})
    assert job.status == "done", job.error
    return int(job.result["project_id"])


def ffmpeg_children(marker: str) -> list[int]:
    """ffmpeg processes whose command line mentions ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if "ffmpeg" in command and marker in command and state != "Z":
                found.append(int(entry.name))
    return found


def test_cancel_kills_ffmpeg_mid_render_and_leaves_no_file(demo_store: Store) -> None:
    """Cancelled mid-render, ffmpeg is killed rather than left to finish: the render ends
    cancelled short of its end (how soon is the scheduler's business, not asserted here)."""
    store = demo_store
    service = job_service(store)
    [clip_id] = queue_clips(service, store.demo_project_id(), "picked",
                            [ClipRequest(0.0, 80.0, 1.0, "long")])
    [render] = store.jobs.listing(kinds=("render",))
    staging = str(store.root / "staging" / f"job-{render.id}")
    wait_until(lambda: ffmpeg_children(staging) and store.jobs.get(render.id).progress >= 0.1,
               "the render's ffmpeg to get going", timeout=60, every=0.02)
    service.cancel(render.id)
    wait_until(lambda: not ffmpeg_children(staging), "ffmpeg killed after the cancel",
               timeout=30, every=0.01)
    job = service.wait(render.id, 30)
    assert job.status == "cancelled" and job.progress < 1.0
    assert store.clip(clip_id).status == "cancelled"
    assert not Path(staging).exists() and not list(store.root.rglob("*.part"))
    assert not list((store.media_root / f"project-{store.demo_project_id()}" / "clips").glob(
        f"clip-{clip_id}*"))
    assert service.retry(render.id)  # and it can be run again
    assert service.wait(render.id, 120).status == "done"


def worker(store: Store, kind: str, params: dict) -> subprocess.Popen:
    """A separate process running one job in its foreground (tests/job_worker.py)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.job_worker", str(store.root), kind, json.dumps(params)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def only_job(store: Store, kind: str) -> Job | None:
    jobs = store.jobs.listing(kinds=(kind,))
    return jobs[0] if jobs else None


def test_two_processes_render_at_once_and_neither_fails_the_other(demo_store: Store) -> None:
    store = demo_store
    project_id = store.demo_project_id()
    theirs = store.add_clip(project_id, "picked", 0.0, 40.0, label="theirs")
    other = worker(store, "render", {"clip_id": theirs, "project_id": project_id})
    wait_until(lambda: (j := only_job(store, "render")) is not None and j.status == "running"
               and j.progress > 0.05, "the other process's render", every=0.005)
    service = job_service(store)  # starting here runs recovery on the shared folder
    assert only_job(store, "render").status == "running"
    [mine] = queue_clips(service, project_id, "picked", [ClipRequest(50.0, 60.0, 1.0, "mine")])
    assert other.wait(120) == 0, other.stderr.read()
    jobs = {j.subject_id: service.wait(j.id, 120) for j in store.jobs.listing(kinds=("render",))}
    assert jobs[theirs].status == "done" and jobs[mine].status == "done"
    assert store.clip(theirs).status == "done" and store.clip(mine).status == "done"
    assert job_service(store) and store.clip(theirs).status == "done"  # a third start too


@pytest.fixture
def slow_site(tmp_path: Path, short_video: Path, monkeypatch: pytest.MonkeyPatch
              ) -> Iterator[str]:
    """A loopback web server that sends a video slowly (64 KB every 50 ms); local URLs are
    allowed (the job's worker reads the setting from the environment)."""
    monkeypatch.setenv("SHORTORY_ALLOW_LOCAL_URLS", "1")
    site = tmp_path / "site"
    site.mkdir()
    big = site / "big.mp4"
    shutil.copyfile(short_video, big)
    with big.open("ab") as out:
        out.write(b"\0" * 4_000_000)  # trailing padding players ignore; makes it slow to send

    class Slow(http.server.SimpleHTTPRequestHandler):
        def copyfile(self, source, outputfile) -> None:
            while chunk := source.read(65536):
                outputfile.write(chunk)
                time.sleep(0.05)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Slow, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/big.mp4"
    server.shutdown()


def big_import_inputs(tmp_path: Path, short_video: Path) -> tuple[Path, Path]:
    """A 300 MB video (real frames, then padding) and 200,000 comments."""
    video = tmp_path / "big.mp4"
    shutil.copyfile(short_video, video)
    with video.open("ab") as out:
        for _ in range(30):
            out.write(b"\0" * 10_000_000)
    comments = tmp_path / "comments.jsonl"
    with comments.open("w") as out:
        for i in range(200_000):
            out.write(json.dumps({"cid": f"c{i}", "text": f"{i % 60}:{i % 60:02d} wow",
                                  "author": f"@v{i}", "votes": "3"}) + "\n")
    return video, comments


def assert_clean(store: Store) -> None:
    """After a crash and a restart: an intact database, no staging or partial files."""
    with store.reading() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    staging = store.root / "staging"
    assert not staging.exists() or not list(staging.iterdir())
    assert not list(store.root.rglob("*.part"))
    for folder in store.media_root.glob("project-*"):
        assert store.get_project(int(folder.name.split("-")[1])) is not None, folder


def killed(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


@pytest.mark.parametrize("moment", ["Copying the video", "Saving the project"])
def test_an_import_killed_midway_leaves_nothing_and_retries(
        moment: str, store: Store, tmp_path: Path, short_video: Path) -> None:
    video, comments = big_import_inputs(tmp_path, short_video)
    process = subprocess.Popen(
        [sys.executable, "-m", "shortory_core", "--data-dir", str(store.root), "import",
         str(video), "--comments", str(comments)], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: (j := only_job(store, "import")) is not None and j.message == moment,
               moment, every=0.005)
    killed(process)
    assert store.list_projects() == []  # nothing visible, even before any restart
    assert only_job(store, "import").status == "running"  # as the kill left it
    listed = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir",
                             str(store.root), "projects", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and json.loads(listed.stdout) == {"projects": []}
    job = only_job(store, "import")  # a command that only reads settled it, and swept
    assert job.status == "interrupted" and "retry" in job.message
    assert_clean(store)
    service = job_service(store)
    assert service.retry(job.id)
    job = service.wait(job.id, 300)
    assert job.status == "done", job.error
    [summary] = store.list_projects()
    assert summary.comments == 200_000
    assert store.media_path(summary.video.path).stat().st_size == video.stat().st_size
    assert_clean(store)


def killed_midway(store: Store, kind: str, params: dict, past: float,
                  until: float = 1.0) -> tuple[JobService, Job]:
    """Run one job in its own process, SIGKILL it once its progress is past ``past`` (and
    below ``until``), start a service here as the next start would; the job as it is now."""
    process = worker(store, kind, params)
    wait_until(lambda: (j := only_job(store, kind)) is not None and past < j.progress < until,
               f"the {kind} job to get going", every=0.005)
    killed(process)
    service = job_service(store)
    job = only_job(store, kind)
    assert job is not None and job.status == "interrupted"
    return service, job


def test_a_render_killed_midway_is_interrupted_and_retries(demo_store: Store) -> None:
    store = demo_store
    clip_id = store.add_clip(store.demo_project_id(), "picked", 0.0, 60.0, label="long")
    service, job = killed_midway(store, "render", {"clip_id": clip_id}, 0.2)
    clip = store.clip(clip_id)
    assert clip.status == "failed" and "interrupted" in clip.error and not clip.path
    assert_clean(store)
    assert service.retry(job.id) and service.wait(job.id, 180).status == "done"
    assert probe_video(store.media_path(store.clip(clip_id).path)).duration == \
        pytest.approx(60.0, abs=0.1)


def test_an_analysis_killed_midway_is_interrupted_and_retries(demo_store: Store) -> None:
    store = demo_store
    session = store.sessions(store.demo_project_id())[0]
    before = store.samples(session.id).to_pylist()
    service, job = killed_midway(store, "analyse",
                                 {"session_id": session.id, "iris": False, "fps": 15}, 0.2)
    assert store.session(session.id).status == "interrupted"
    assert store.samples(session.id).to_pylist() == before  # the earlier samples are kept
    assert_clean(store)
    assert service.retry(job.id)
    assert service.wait(job.id, 180).status == "done"
    assert store.session(session.id).status == "analysed"
    assert len(store.samples(session.id).to_pylist()) > len(before)  # 15 samples/s instead of 5


def test_a_fetch_killed_midway_leaves_nothing_and_retries(slow_site: str, store: Store
                                                         ) -> None:
    service, job = killed_midway(store, "fetch", {"url": slow_site}, 0.1, 0.6)
    assert store.list_projects() == []
    assert_clean(store)
    assert service.retry(job.id)
    job = service.wait(job.id, 180)
    assert job.status == "done", job.error
    assert [s.video.duration for s in store.list_projects()] == [pytest.approx(3.0, abs=0.1)]
    assert_clean(store)


def test_recovery_never_touches_a_live_process_jobs(store: Store) -> None:
    """A job whose owner runs (this process) survives any number of starts; one whose owner
    pid is dead, or reused by another process, is interrupted."""
    kinds = {"wait": JobKind("wait", "lane", lambda ctx: {})}
    ours = JobService(store, kinds, workers=False)
    alive = ours.submit("wait")
    for _ in range(3):
        JobService(store, kinds, workers=False).close()
    assert store.jobs.get(alive).status == "queued"
    dead = ours.submit("wait")
    reused = ours.submit("wait")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    with store.transaction() as conn:
        conn.execute("UPDATE jobs SET owner_pid = ? WHERE id = ?", (int(gone), dead))
        conn.execute("UPDATE jobs SET owner_start = '1' WHERE id = ?", (reused,))
    JobService(store, kinds, workers=False).close()
    assert store.jobs.get(alive).status == "queued"
    assert store.jobs.get(dead).status == "interrupted"
    assert store.jobs.get(reused).status == "interrupted"
    assert os.getpid() != int(gone)


def test_the_registry_knows_every_kind_the_pages_submit() -> None:
    pages = "".join(p.read_text() for p in (ROOT / "pages").glob("*.py"))
    for kind in ("fetch", "import", "comments", "analyse", "demo"):
        assert f'"{kind}"' in pages and kind in KINDS
    assert "render" in KINDS


def test_cancelling_a_queued_render_settles_its_clip_at_once(demo_store: Store) -> None:
    service = job_service(demo_store, workers=False)  # nothing will ever run it
    [clip_id] = queue_clips(service, demo_store.demo_project_id(), "picked",
                            [ClipRequest(1.0, 3.0, 1.0, "never")])
    [render] = demo_store.jobs.listing(kinds=("render",))
    assert service.cancel(render.id) == "cancelled"
    assert demo_store.clip(clip_id).status == "cancelled"
    assert service.run(render.id).status == "cancelled"  # a worker reaching it skips it


def test_recovery_keeps_an_upload_being_written_and_removes_a_dead_ones(store: Store) -> None:
    """Another process starting must not delete an upload this process is still writing."""
    from shortory_core.owner import Owner

    folder = store.project_media_dir(store.create_project("p")) / "reactions"
    folder.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    writing = folder / f"upload-{Owner.current().tag()}-a1.mp4.part"
    abandoned = folder / f"upload-{gone}-123-b2.mp4.part"
    old_render = folder / "clip-3.mp4.part"
    for part in (writing, abandoned, old_render):
        part.write_bytes(b"partial")
    JobService(store, {}, workers=False).close()
    assert writing.exists() and not abandoned.exists() and not old_render.exists()


def test_recovery_removes_a_comment_file_no_import_names(store: Store) -> None:
    """A kill between a comment file's rename and its import's commit leaves a file no row
    names: the next start removes it, and keeps every file an import names."""
    from shortory_core.records import Comment

    project_id = store.create_project("p")
    store.add_comments(project_id, [Comment("a", "0:10 yes")], report={"file": "a.csv"})
    comments = store.project_media_dir(project_id) / "comments"
    [kept] = comments.iterdir()
    orphan = comments / "import-99.parquet"
    shutil.copy(kept, orphan)
    JobService(store, {}, workers=False).close()
    assert kept.exists() and not orphan.exists()
    assert store.comment_count(project_id) == 1 and len(store.comment_columns(project_id)) == 1
