"""``batch MANIFEST``: the manifest, a whole run on the local job service and on a local Ray
(2 CPUs), resuming, a Ray worker killed mid-task and a driver killed mid-run."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from shortory_core.batch.manifest import read_manifest
from shortory_core.batch.runner import BatchOptions, BatchRun
from shortory_core.batch.tasks import ChunkSamples, plan_tasks, run_task, write_task
from shortory_core.bench.vision import loop_recording
from shortory_core.demo.comments import write_demo_comments
from shortory_core.errors import ShortoryError
from shortory_core.reactions.sessions import link_recording
from shortory_core.store import Store
from shortory_core.store.db import DB_NAME
from shortory_core.vision.engine import VisionEngine
from tests.conftest import FACE_CLIPS, run_job
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
CLIPS = {"Ada": "reaction_smile_man.mp4", "Bo": "reaction_expressions_woman.mp4",
         "Cy": "reaction_webcam_glasses.mp4"}


@pytest.fixture(scope="module")
def inputs(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a video, a comment dump and recordings (two of them 40 s long)."""
    folder = tmp_path_factory.mktemp("batch-inputs")
    store = Store(demo_home)
    video = store.media_path(store.get_video(store.demo_project_id()).path)
    (folder / "show.mp4").write_bytes(video.read_bytes())
    write_demo_comments(folder / "comments.json")
    for name in CLIPS.values():
        (folder / name).write_bytes((FACE_CLIPS / name).read_bytes())
    for name in ("long-a.mp4", "long-b.mp4"):
        loop_recording(FACE_CLIPS / CLIPS["Bo"], folder / name, 40.0)
    return folder


def write_manifest(folder: Path, rows: list[str], name: str = "manifest.csv") -> Path:
    path = folder / name
    path.write_text("project,video,comments,recording,viewer,offset,group\n"
                    + "\n".join(rows) + "\n")
    return path


def samples_by_viewer(store: Store, project: str) -> dict[str, list[dict]]:
    [summary] = [s for s in store.list_projects() if s.project.name == project]
    return {s.viewer: store.samples(s.id).drop_columns(["session_id"]).to_pylist()
            for s in store.sessions(summary.project.id)}


def batch(home: Path, manifest: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                           "batch", str(manifest), "--json", *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_the_manifest_reads_csv_and_json_alike_and_names_bad_rows(inputs: Path,
                                                                  tmp_path: Path) -> None:
    csv_path = write_manifest(tmp_path, [
        f"Show,{inputs}/show.mp4,{inputs}/comments.json,{inputs}/{CLIPS['Ada']},Ada,2.5,A",
        f"Show,,,{inputs}/{CLIPS['Bo']},,,B",
        f"Show,{inputs}/other.mp4,,,,,",  # a second video for the same project
        f"Show,,,{inputs}/{CLIPS['Cy']},Cy,inf,A",
        ",,,x.mp4,,,",
        "7,,,s3://bucket/viewer.mp4,Di,0,",
        f"Show,,,{inputs}/{CLIPS['Cy']},Cy,1:02:03,A",  # long videos: offsets as h:mm:ss
        "7,,,ftp://127.0.0.1:2121/x.mp4,Ed,0,",  # a host the egress guard cannot check
        f"Show,,,{inputs}/{CLIPS['Cy']}, Cy ,1:02:03.0,A",  # row 8 again, written apart
        f"Show,,,{inputs}/{CLIPS['Cy']},Cy,1:02:03,B",  # another group: another session
        "Show,,,x.mp4,Eve\x1b[2J,,",
    ])
    manifest = read_manifest(csv_path)
    problems = dict(manifest.problems)
    assert problems.pop(4) == "a second video for 'Show' (row 2 gave one)"
    assert problems.pop(5).startswith("offset: 'inf' is not a time: write seconds, m:ss")
    assert problems.pop(6) == "no project"
    assert problems.pop(9).startswith("ftp:// recordings are not read: give a path")
    assert "control character" in problems.pop(12) and not problems
    show, seven = manifest.projects
    assert show.video == (2, f"{inputs}/show.mp4") and show.rows == [2, 3, 5, 8, 10, 11, 12]
    assert [(r.viewer, r.offset, r.group) for r in show.recordings] == [
        ("Ada", 2.5, "A"), ("reaction_expressions_woman", 0.0, "B"), ("Cy", 3723.0, "A"),
        ("Cy", 3723.0, "B")]
    assert show.repeats == [(10, 8)] and manifest.repeats == 1
    assert show.recordings[0].url == (inputs / CLIPS["Ada"]).as_uri()
    assert seven.project_id == 7 and seven.recordings[0].url == "s3://bucket/viewer.mp4"

    as_json = tmp_path / "manifest.json"
    as_json.write_text(json.dumps({"rows": [
        {"project": "Show", "video": "show.mp4", "comments": ["comments.json"],
         "recordings": [{"recording": CLIPS["Ada"], "viewer": "Ada", "offset": 2.5,
                         "group": "A"}, {"recording": CLIPS["Bo"], "group": "B"}]}]}))
    (tmp_path / "show.mp4").write_bytes(b"")  # relative paths are read from its folder
    (tmp_path / "comments.json").write_bytes((inputs / "comments.json").read_bytes())
    again = read_manifest(as_json).projects[0]
    assert [(r.viewer, r.offset, r.group) for r in again.recordings] == [
        (r.viewer, r.offset, r.group) for r in show.recordings[:2]]
    assert again.video == (1, str(tmp_path / "show.mp4"))


@pytest.mark.parametrize("content, why", [
    ("video,recording\nx.mp4,y.mp4\n", "needs a header row with a 'project' column"),
    ("{\"rows\": 3}", "must hold a list of rows"),
    ("[{]", "is not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply to be a manifest"),
    ('[{"project": "Show", "recording": "a.mp4", "offset": NaN}]',
     "NaN is not a value a manifest may hold"),
])
def test_an_unusable_manifest_is_refused_whole(tmp_path: Path, content: str, why: str) -> None:
    path = tmp_path / ("m.json" if content.startswith(("{", "[")) else "m.csv")
    path.write_text(content)
    with pytest.raises(ShortoryError, match=why):
        read_manifest(path)
    binary = tmp_path / "m2.csv"
    binary.write_bytes(b"\xff\xfe\x00\x00garbage\x00\x81")
    with pytest.raises(ShortoryError, match="Cannot read the manifest"):
        read_manifest(binary)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252", "utf-32"])
def test_a_manifest_is_read_in_every_encoding_a_comment_dump_is(tmp_path: Path,
                                                               encoding: str) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes("project,recording,viewer\nCafé,a.mp4,José\n".encode(encoding))
    [project] = read_manifest(path).projects
    assert project.key == "Café" and project.recordings[0].viewer == "José"


def test_a_project_id_past_sqlites_integers_fails_its_row_not_the_batch(tmp_path: Path) -> None:
    manifest = tmp_path / "big.csv"
    manifest.write_text(f"project,recording,viewer\n{10**23},x.mp4,Ann\n", encoding="utf-8")
    done = batch(tmp_path / "home", manifest)
    assert done.returncode == 3, done.stderr  # a failed row, not a bug
    assert "Unexpected" not in done.stderr + done.stdout
    assert "no project of this name" in done.stdout


def test_a_local_batch_runs_every_step_reports_failures_and_a_rerun_skips_it(
        inputs: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    manifest = write_manifest(tmp_path, [
        f"Show,{inputs}/show.mp4,{inputs}/comments.json,{inputs}/{CLIPS['Ada']},Ada,30,A",
        f"Show,,,{inputs}/{CLIPS['Bo']},Bo,60,B",
        f"Show,,,{inputs}/missing.mp4,Cy,0,A",
        f"Empty,,,{inputs}/{CLIPS['Cy']},Cy,0,A",  # no such project, no video to make it
    ])
    first = batch(home, manifest, "--render")
    assert first.returncode == 3, first.stderr  # finished, with failed rows
    steps = json.loads(first.stdout)["steps"]
    status = {(s["project"], s["step"]): s["status"] for s in steps}
    assert status == {("Show", "project"): "done", ("Show", "comments"): "done",
                      ("Show", "analyse Ada"): "done", ("Show", "analyse Bo"): "done",
                      ("Show", "analyse Cy"): "failed", ("Show", "panel"): "done",
                      ("Show", "highlights"): "done", ("Show", "render"): "done",
                      ("Empty", "project"): "failed"}
    store = Store(home)
    [show] = [s for s in store.list_projects() if s.project.name == "Show"]
    assert show.comments > 400 and show.sessions == 2  # the missing recording made none
    sessions = {s.viewer: s for s in store.sessions(show.project.id)}
    assert sessions["Bo"].time_offset == 60 and sessions["Bo"].meta["group"] == "B"
    assert sessions["Bo"].meta["media_url"] == (inputs / CLIPS["Bo"]).as_uri()
    bo = store.samples(sessions["Bo"].id).to_pylist()
    assert bo[0]["video_time"] == 60.0 and [r["seq"] for r in bo] == list(range(len(bo)))
    [highlights] = store.jobs.listing(project_id=show.project.id, kinds=("highlights",))
    assert highlights.result["peaks"]
    clips = store.clips(show.project.id)
    assert clips and all(c.status == "done" for c in clips)
    jobs_before = len(store.jobs.listing(limit=1000))

    second = batch(home, manifest, "--render")
    assert second.returncode == 3
    again = {(s["project"], s["step"]): s["status"] for s in json.loads(second.stdout)["steps"]}
    assert again[("Show", "project")] == again[("Show", "comments")] == "skipped"
    assert again[("Show", "analyse Ada")] == again[("Show", "analyse Bo")] == "skipped"
    assert len(store.sessions(show.project.id)) == 2
    assert store.samples(sessions["Bo"].id).to_pylist() == bo
    assert [c.id for c in store.clips(show.project.id)] == [c.id for c in clips]
    new_kinds = {j.kind for j in store.jobs.listing(limit=1000)[:len(store.jobs.listing(limit=1000))
                                                           - jobs_before]}
    assert new_kinds == {"panel", "highlights"}  # nothing imported, analysed or rendered again


def run_in_process(home: Path, manifest: Path, **options: object) -> list:
    return BatchRun(Store(home), read_manifest(manifest), BatchOptions(**options)).run()


def test_ray_analyses_like_the_local_engine_and_keeps_the_store_single_writer(
        inputs: Path, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, [
        f"Show,{inputs}/show.mp4,,{inputs}/{CLIPS[v]},{v},10,A" for v in CLIPS] + [
        f"Show,,,{inputs}/long-a.mp4,Long,0,B"])
    local = run_in_process(tmp_path / "local", manifest)
    # The workers reach the media folder by URL, as on shared storage: they write the
    # samples through fsspec, and the driver only records the parts.
    shared = (tmp_path / "ray" / "media").as_uri()
    ray = run_in_process(tmp_path / "ray", manifest, engine="ray", workers=2, media_url=shared)
    assert all(s.status == "done" for s in local + ray)
    a = samples_by_viewer(Store(tmp_path / "local"), "Show")
    b = samples_by_viewer(Store(tmp_path / "ray"), "Show")
    assert set(a) == set(b) == {"Ada", "Bo", "Cy", "Long"}
    ray_store = Store(tmp_path / "ray")
    for session in ray_store.sessions(ray_store.list_projects()[-1].project.id):
        written = sorted(p.name for p in ray_store.sample_folder(session.id).iterdir())
        recorded = [*ray_store.sample_part_paths([session.id]),
                    *ray_store.sample_seconds_paths([session.id])]  # each part and its sums
        assert written == sorted(p.name for p in recorded)
        assert written and all(n.startswith("chunk-") for n in written)
    for viewer in a:
        assert [r["seq"] for r in a[viewer]] == [r["seq"] for r in b[viewer]]
        assert [r["video_time"] for r in a[viewer]] == [r["video_time"] for r in b[viewer]]
        assert [r["face_found"] for r in a[viewer]] == [r["face_found"] for r in b[viewer]]
        # The engines split a recording differently (two parts locally, 60 s chunks on Ray),
        # and each part starts its own face tracking, so the face crops differ a little.
        emotions = ("happy", "sad", "angry", "neutral", "surprise")
        gap = np.mean([[abs(x[e] - y[e]) for e in emotions]
                       for x, y in zip(a[viewer], b[viewer], strict=True) if x["face_found"]])
        assert gap < 0.05, viewer


def busy_workers() -> list[int]:
    """Ray titles a worker process ``ray::VisionWorker.analyse`` while it runs that task."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"ray::VisionWorker.analyse" in (
                    proc / "cmdline").read_bytes():
                pids.append(int(proc.name))
        except OSError:  # gone meanwhile
            continue
    return pids


def test_a_ray_worker_killed_mid_task_is_retried_and_nothing_is_lost_or_doubled(
        inputs: Path, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, [
        f"Panel,{inputs}/show.mp4,,{inputs}/long-a.mp4,A1,0,A",
        f"Panel,,,{inputs}/long-b.mp4,B1,0,B",
        f"Panel,,,{inputs}/{CLIPS['Bo']},C1,20,A"])
    run_in_process(tmp_path / "calm", manifest, engine="ray", workers=2)
    killed: list[int] = []

    def kill_one_mid_task() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            if busy := busy_workers():
                time.sleep(0.5)  # well inside the task (40 s of video: a few seconds)
                if busy[0] in busy_workers():  # still on that task: kill it mid-way
                    os.kill(busy[0], signal.SIGKILL)
                    killed.append(busy[0])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_mid_task)
    killer.start()
    steps = run_in_process(tmp_path / "killed", manifest, engine="ray", workers=2)
    killer.join()
    assert killed, "no task was seen running"
    assert all(s.status == "done" for s in steps), steps
    calm = samples_by_viewer(Store(tmp_path / "calm"), "Panel")
    disturbed = samples_by_viewer(Store(tmp_path / "killed"), "Panel")
    assert disturbed == calm  # every sample, once, as an undisturbed run stores it


def test_a_driver_killed_mid_run_resumes_and_stores_each_sample_once(
        inputs: Path, tmp_path: Path) -> None:
    rows = [f"Panel,{inputs}/show.mp4,,{inputs}/long-a.mp4,V0,0,A"] + [
        f"Panel,,,{inputs}/{name},V{k},{k},A"
        for k, name in enumerate(["long-b.mp4", *CLIPS.values()], start=1)]
    manifest = write_manifest(tmp_path, rows)
    home = tmp_path / "home"
    driver = subprocess.Popen([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                               "batch", str(manifest)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)

    def one_analysed() -> bool:
        if not (home / DB_NAME).exists():
            return False
        store = Store(home)
        return any(s.status == "analysed" for p in store.list_projects()
                   for s in store.sessions(p.project.id))

    try:
        wait_until(one_analysed, "the driver to analyse a first recording", timeout=300,
                   every=0.2)
    finally:
        driver.send_signal(signal.SIGKILL)
    driver.wait()
    store = Store(home)
    states = [s.status for p in store.list_projects() for s in store.sessions(p.project.id)]
    assert "analysed" in states and states.count("analysed") < len(rows)  # killed mid-run

    resumed = batch(home, manifest)
    assert resumed.returncode == 0, resumed.stderr
    done = run_in_process(tmp_path / "calm", manifest)
    assert all(s.status == "done" for s in done)
    assert samples_by_viewer(Store(home), "Panel") == samples_by_viewer(
        Store(tmp_path / "calm"), "Panel")


def test_chunks_of_a_long_recording_key_every_sample_once(inputs: Path) -> None:
    url = (inputs / "long-a.mp4").as_uri()
    chunks = plan_tasks(1, url, fps=5.0, offset=3.0, chunk_s=10.0)
    whole = plan_tasks(1, url, fps=5.0, offset=3.0, chunk_s=1000.0)
    assert len(chunks) >= 4 and len(whole) == 1
    engine = VisionEngine(use_iris=False)
    pieces = [run_task(engine, task) for task in chunks]
    seqs = [r["seq"] for rows in pieces for r in rows]
    one = run_task(engine, whole[0])
    assert seqs == [r["seq"] for r in one] == list(range(len(one)))  # no gap, no double
    assert [r["video_time"] for rows in pieces for r in rows] == [r["video_time"] for r in one]
    assert one[0]["video_time"] == 3.0


def test_a_cluster_without_a_media_url_sends_its_samples_to_the_driver(
        inputs: Path, tmp_path: Path) -> None:
    """Workers on other machines cannot write the driver's folder: without --media-url a
    cluster's tasks get no folder and return their samples, which the driver writes."""
    manifest = write_manifest(tmp_path, [f"Show,{inputs}/show.mp4,,{inputs}/long-a.mp4,Ann,0,A"])
    store = Store(tmp_path / "home")
    run = BatchRun(store, read_manifest(manifest), BatchOptions(engine="local"))
    run.run()
    [session] = store.sessions(store.list_projects()[-1].project.id)
    cluster = BatchRun(store, read_manifest(manifest),
                       BatchOptions(engine="ray", address="ray://head:10001"))
    local_ray = BatchRun(store, read_manifest(manifest), BatchOptions(engine="ray"))
    assert cluster._parts_folder(session.id) == ""
    assert local_ray._parts_folder(session.id) == str(store.sample_folder(session.id))
    task = plan_tasks(session.id, (inputs / "long-a.mp4").as_uri(), fps=5.0, offset=0.0,
                      chunk_s=10.0)[1]
    engine = VisionEngine(use_iris=False)
    sent = write_task(engine, task)
    first = round(task.start * task.fps)
    assert isinstance(sent, ChunkSamples) and sent.key == f"chunk-{first:09d}" and first > 0
    written = write_task(engine, replace(task, folder=str(tmp_path / "shared")))
    assert written.name == f"{sent.key}.parquet" and written.rows == len(sent.table)
    seqs = sent.table["seq"].to_pylist()
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) and first <= seqs[0] <= first + 1


def test_a_recording_on_another_filesystem_is_read_through_fsspec(demo_copy: Path) -> None:
    import fsspec

    store = Store(demo_copy)
    with fsspec.open("memory://panel/bo.mp4", "wb") as remote:
        remote.write((FACE_CLIPS / CLIPS["Bo"]).read_bytes())
    session = link_recording(store, store.demo_project_id(), "Bo", "memory://panel/bo.mp4",
                             time_offset=0.0)
    job = run_job(store, "analyse", {"session_id": session, "fps": 5.0})
    assert job.status == "done" and len(store.samples(session).to_pylist()) == 59
    missing = link_recording(store, store.demo_project_id(), "Cy", "nosuchfs://bucket/cy.mp4",
                             time_offset=0.0)
    failed = run_job(store, "analyse", {"session_id": missing, "fps": 5.0})
    assert failed.status == "failed" and "nosuchfs:// recordings are not read" in failed.error
    assert store.session(missing).status == "failed"
