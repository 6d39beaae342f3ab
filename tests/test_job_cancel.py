"""``jobs --cancel`` of another process's job says the truth, promptly: "cancelled" once the
job has stopped, never "running" for a cancel that worked."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from shortory_core.cli import CANCEL_WAIT_S, main
from shortory_core.store import Store
from tests.test_jobs import only_job, worker
from tests.waiting import wait_until


@pytest.fixture
def store(demo_home: Path, tmp_path: Path) -> Store:
    """A copy of the demo's data folder (its video is long enough to cancel a render of)."""
    return Store(shutil.copytree(demo_home, tmp_path / "home"))


def test_cancelling_another_process_render_reports_it_cancelled(
        store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    project_id = store.demo_project_id()
    clip = store.add_clip(project_id, "picked", 0.0, 80.0, label="long")
    other = worker(store, "render", {"clip_id": clip, "project_id": project_id})
    wait_until(lambda: (j := only_job(store, "render")) is not None
               and j.status == "running" and j.progress > 0.05, "the other process's render")
    job_id = only_job(store, "render").id
    asked = time.monotonic()
    assert main(["--data-dir", str(store.root), "jobs", "--cancel", str(job_id),
                 "--json"]) == 0
    took = time.monotonic() - asked
    said = json.loads(capsys.readouterr().out)
    assert said["status"] == "cancelled" and store.jobs.get(job_id).status == "cancelled"
    assert took < CANCEL_WAIT_S + 2, took
    other.wait(60)
    assert json.loads(other.stdout.read())["status"] == "cancelled"


def test_cancelling_an_ended_job_says_it_had_ended(store: Store,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    project_id = store.demo_project_id()
    clip = store.add_clip(project_id, "picked", 0.0, 1.0, label="short")
    done = worker(store, "render", {"clip_id": clip, "project_id": project_id})
    assert done.wait(120) == 0
    job_id = only_job(store, "render").id
    assert main(["--data-dir", str(store.root), "jobs", "--cancel", str(job_id)]) == 0
    assert f"Job {job_id}: already done, nothing to cancel." in capsys.readouterr().out
