"""One identity per unit of work: a manifest row's session is found again by what the row says
(project, recording, viewer, offset, group), repeated rows are merged and said to be, a resumed
run maps each row to its own session, and two runs of one manifest at once do each piece of
work once (the store's unique keys decide, not a check before an insert)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shortory_core.batch.manifest import read_manifest
from shortory_core.batch.runner import BatchRun
from shortory_core.kinds import job_service
from shortory_core.records import SessionStatus
from shortory_core.store import Store
from tests.conftest import FACE_CLIPS

ROOT = Path(__file__).resolve().parents[1]
SMILE = FACE_CLIPS / "reaction_smile_man.mp4"
GLASSES = FACE_CLIPS / "reaction_webcam_glasses.mp4"


def manifest(folder: Path, rows: list[str]) -> Path:
    path = folder / "manifest.csv"
    path.write_text("project,video,recording,viewer,offset,group\n" + "\n".join(rows) + "\n")
    return path


def batch(home: Path, path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                             "batch", str(path), "--json"], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finished(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out)


def analyses_that_ran(store: Store) -> list[int]:
    """The sessions whose recording was read, one entry per analysis that read it."""
    return sorted(j.params["session_id"] for j in store.jobs.listing(kinds=("analyse",),
                                                                      limit=10_000)
                  if j.status == "done" and not j.message.startswith("Analysed already"))


def test_repeated_rows_are_one_session_and_a_resume_finds_each_rows_own(
        demo_home: Path, tmp_path: Path) -> None:
    video = Store(demo_home).get_video(Store(demo_home).demo_project_id())
    source = Store(demo_home).media_path(video.path)
    path = manifest(tmp_path, [f"Show,{source},{SMILE},Ada,0,A"] * 5 + [
        f"Show,,{SMILE},Bo,0,A",  # the same file, another viewer: another session
        f"Show,,{SMILE},Ada,0:05,A",  # the same viewer from 5 s: another session
    ])
    home = tmp_path / "home"
    store = Store(home)
    steps = BatchRun(store, read_manifest(path)).run()
    merged = [(s.rows, s.detail) for s in steps if s.status == "merged"]
    assert merged == [(str(row), "repeats row 2: one session") for row in (3, 4, 5, 6)]
    [project] = store.list_projects()
    sessions = store.sessions(project.project.id)
    assert [(s.viewer, s.time_offset) for s in sessions] == [("Ada", 0), ("Bo", 0), ("Ada", 5)]
    assert all(s.status == SessionStatus.ANALYSED and s.n_samples for s in sessions)

    # As a kill leaves it: the second session's analysis never finished, its samples gone.
    store.replace_samples(sessions[1].id, [])
    store.set_session_status(sessions[1].id, SessionStatus.INTERRUPTED)
    before = analyses_that_ran(store)
    again = BatchRun(store, read_manifest(path)).run()
    assert analyses_that_ran(store) == sorted([*before, sessions[1].id])  # that one alone
    status = {s.step + " " + s.rows: s.status for s in again if s.step.startswith("analyse")}
    assert status == {"analyse Ada 2": "skipped", "analyse Bo 7": "done",
                      "analyse Ada 8": "skipped"}
    after = store.sessions(project.project.id)
    assert [s.id for s in after] == [s.id for s in sessions]  # no session made, none lost
    assert all(s.status == SessionStatus.ANALYSED and s.n_samples for s in after)


def test_a_thousand_rows_each_keep_their_own_session_across_runs(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    project_id = store.create_project("Panel")
    rows = [f"{project_id},,{GLASSES},Viewer {k % 250},{k // 250},{'AB'[k % 2]}"
            for k in range(1000)]
    rows += rows[:10]  # ten repeated at the end
    path = manifest(tmp_path, rows)
    parsed = read_manifest(path)
    assert parsed.recordings == 1000 and parsed.repeats == 10 and not parsed.problems
    [entry] = parsed.projects
    first = BatchRun(store, parsed).sessions_to_analyse(entry, project_id)
    assert len({p.session_id for p in first}) == 1000  # a session per distinct row
    for pending in first[::3]:  # an earlier run analysed a third of them
        store.add_samples(pending.session_id, [{"seq": 0, "video_time": 0.0,
                                                "source_time": 0.0, "face_found": 0,
                                                "n_faces": 0}])
        store.set_session_status(pending.session_id, SessionStatus.ANALYSED)
    second = BatchRun(store, read_manifest(path)).sessions_to_analyse(entry, project_id)
    expected = {p.entry.row: p.session_id for k, p in enumerate(first) if k % 3}
    assert {p.entry.row: p.session_id for p in second} == expected
    assert len(store.sessions(project_id)) == 1000


def test_two_runs_of_one_manifest_at_once_do_each_piece_of_work_once(
        demo_home: Path, tmp_path: Path) -> None:
    store = Store(demo_home)
    source = store.media_path(store.get_video(store.demo_project_id()).path)
    path = manifest(tmp_path, [f"Show,{source},{SMILE},Ada,0,A", f"Show,,{GLASSES},Bo,0,B",
                               f"Show,,{SMILE},Cy,3,B"])
    home = tmp_path / "home"
    Store(home)  # the data folder exists before both start, as on a shared machine
    one, two = batch(home, path), batch(home, path)
    reports = [finished(one), finished(two)]
    store = Store(home)
    [project] = store.list_projects()
    sessions = store.sessions(project.project.id)
    assert sorted(s.viewer for s in sessions) == ["Ada", "Bo", "Cy"]
    assert all(s.status == SessionStatus.ANALYSED and s.n_samples for s in sessions)
    assert analyses_that_ran(store) == sorted(s.id for s in sessions)  # each read once
    projects = [s for r in reports for s in r["steps"] if s["step"] == "project"]
    assert sorted(s["status"] for s in projects) == ["done", "skipped"]
    # the two reports together claim each analysis once; the other run says it waited
    analysed = [s for r in reports for s in r["steps"] if s["step"].startswith("analyse")]
    assert sorted(s["status"] for s in analysed) == ["done"] * 3 + ["skipped"] * 3, analysed


def test_a_claimed_piece_of_work_is_handed_to_whoever_asks_while_it_runs(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    session = store.create_session(store.create_project("p"), "Ada", "recording")
    first, second = job_service(store, workers=False), job_service(store, workers=False)
    try:
        job = first.submit("analyse", {"session_id": session}, subject_id=session)
        assert second.submit("analyse", {"session_id": session}, subject_id=session) == job
        assert second.submit("evaluate", {"folder": "x"}) != job  # no subject, no claim
        first.cancel(job)
        assert second.submit("analyse", {"session_id": session}, subject_id=session) != job
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("scheme", ["ftp", "http"])
def test_a_batch_recording_never_reaches_a_local_address(tmp_path: Path, scheme: str) -> None:
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    path = manifest(tmp_path, [f"Show,{SMILE},{scheme}://127.0.0.1:{port}/x.mp4,Ada,0,A"])
    report = finished_with_failures(batch(tmp_path / "home", path))
    [step] = [s for s in report["steps"] if s["step"].startswith(("analyse", "manifest"))]
    assert step["status"] == "failed" and step["project"] == "Show"
    assert ("ftp:// recordings are not read" if scheme == "ftp"
            else "127.0.0.1 is a loopback address") in step["detail"], step
    with pytest.raises(TimeoutError):
        listener.accept()  # nobody ever connected
    listener.close()
    # the row's video still made its project; the refused recording made no session
    store = Store(tmp_path / "home")
    [project] = store.list_projects()
    assert project.project.name == "Show" and store.sessions(project.project.id) == []
    assert not store.jobs.listing(kinds=("analyse",))


def finished_with_failures(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 3, err[-3000:]
    return json.loads(out)


def test_a_name_that_several_projects_share_is_refused_with_their_ids(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    ids = [store.create_project("Show") for _ in range(2)]
    path = manifest(tmp_path, [f"Show,,{SMILE},Ada,0,A"])
    [step] = BatchRun(store, read_manifest(path)).run()
    assert step.status == "failed" and step.detail == (
        f"2 projects have this name (ids {ids[0]}, {ids[1]}): give the id")
    assert all(not store.sessions(i) for i in ids)  # neither was guessed at


def test_a_recording_past_the_videos_end_is_refused_or_said_to_run_over(
        demo_home: Path, tmp_path: Path) -> None:
    store = Store(demo_home)
    source = store.media_path(store.get_video(store.demo_project_id()).path)  # 2:00 long
    path = manifest(tmp_path, [f"Show,{source},{SMILE},Ada,2:30,A",
                               f"Show,,{SMILE},Bo,1:59,A"])  # 3.1 s long
    home = Store(tmp_path / "home")
    steps = {s.step: s for s in BatchRun(home, read_manifest(path)).run()}
    assert steps["analyse Ada"].status == "failed"
    assert steps["analyse Ada"].detail == "offset 2:30 is past the video's end (2:00)"
    assert steps["analyse Bo"].status == "done"
    assert "s run past the video's end" in steps["analyse Bo"].detail
    [project] = home.list_projects()
    assert [s.viewer for s in home.sessions(project.project.id)] == ["Bo"]  # none for Ada


def test_a_batch_session_is_never_without_its_job(tmp_path: Path) -> None:
    """Made together in one transaction: a kill right after finds each session with a job
    that recovery settles, and the next command shows it interrupted, not pending."""
    store = Store(tmp_path / "home")
    project_id = store.create_project("Panel")
    path = manifest(tmp_path, [f"{project_id},,{GLASSES},V{k},0,A" for k in range(3)])
    [entry] = read_manifest(path).projects
    service = job_service(store, workers=False)  # queues nothing: as if killed right away
    try:
        made = BatchRun(store, read_manifest(path)).sessions_to_analyse(entry, project_id,
                                                                       service)
    finally:
        service.close()
    jobs = store.jobs.listing(kinds=("analyse",))
    assert sorted(j.subject_id for j in jobs) == sorted(p.session_id for p in made)
    assert all(j.status == "queued" and j.project_id == project_id for j in jobs)
    again = BatchRun(store, read_manifest(path)).sessions_to_analyse(entry, project_id)
    assert [p.session_id for p in again] == [p.session_id for p in made]
    assert len(store.jobs.listing(kinds=("analyse",))) == 3  # found again, nothing added
