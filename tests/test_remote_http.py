"""The remote panel's HTTP routes, called as a viewer's browser calls them (Starlette's
TestClient, in process): every refusal answers JSON with its reason and stores nothing, and
the video is served only for a valid link, in ranges."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from shortory_core.remote.http import remote_routes
from shortory_core.remote.invites import create_invite, revoke_invite
from shortory_core.remote.viewer_sessions import ViewerSession, start_viewing
from shortory_core.store import Store
from tests.remote_helpers import BAD_BATCHES, batch, demo_store, sample

SAMPLES = "/remote/api/samples"


@pytest.fixture
def panel_store(demo_home: Path, tmp_path: Path) -> Store:
    return demo_store(demo_home, tmp_path)


@pytest.fixture
def client(panel_store: Store) -> TestClient:
    return TestClient(Starlette(routes=remote_routes(panel_store)))


def viewer(store: Store, name: str = "Ann", project_id: int | None = None) -> ViewerSession:
    project_id = store.demo_project_id() if project_id is None else project_id
    return start_viewing(store, create_invite(store, project_id, viewer=name), "")


def post(client: TestClient, path: str, key: str | None, body: object) -> tuple[int, dict]:
    """POST ``body`` as a browser does (JSON text; NaN written as JSON cannot hold it)."""
    response = client.post(path, content=json.dumps(body).encode(),
                           headers={"Content-Type": "application/json"}
                           | ({"X-Shortory-Session": key} if key is not None else {}))
    assert response.headers["content-type"] == "application/json"
    return response.status_code, response.json()


def test_a_viewer_posts_resends_finishes_and_is_refused_after(client: TestClient,
                                                              panel_store: Store) -> None:
    ann = viewer(panel_store)
    assert post(client, SAMPLES, ann.key, batch(range(10))) == (
        200, {"stored": 10, "duplicates": 0})
    assert post(client, SAMPLES, ann.key, batch(range(10))) == (
        200, {"stored": 0, "duplicates": 10})  # a replayed batch is stored once
    assert post(client, SAMPLES, ann.key, batch(range(10, 12))) == (
        200, {"stored": 2, "duplicates": 0})
    assert post(client, "/remote/api/finish", ann.key, {}) == (200, {"samples": 12})
    status, body = post(client, SAMPLES, ann.key, batch(range(12, 14)))
    assert status == 409 and "finished" in body["error"]
    assert len(panel_store.samples(ann.session_id).to_pylist()) == 12


@pytest.mark.parametrize("name", BAD_BATCHES)
def test_every_bad_batch_is_refused_with_its_reason(client: TestClient, panel_store: Store,
                                                    name: str) -> None:
    payload, status, reason = BAD_BATCHES[name]
    ann = viewer(panel_store)
    if name == "too many samples":  # src may be 600 s only in a session that old
        with panel_store.transaction() as conn:
            conn.execute("UPDATE reaction_sessions SET started_at = started_at - 700")
    answer = post(client, SAMPLES, ann.key, payload)
    assert answer[0] == status and reason in answer[1]["error"], answer
    assert panel_store.samples(ann.session_id).to_pylist() == []


def test_a_batch_whose_last_sample_is_bad_stores_none(client: TestClient,
                                                      panel_store: Store) -> None:
    ann = viewer(panel_store)
    payload = {"seq0": 0, "samples": [*(sample(s) for s in range(9)), sample(9, t=999.0)]}
    status, body = post(client, SAMPLES, ann.key, payload)
    assert status == 400 and "past the video's end" in body["error"]
    assert panel_store.samples(ann.session_id).to_pylist() == []


@pytest.mark.parametrize(("body", "status", "reason"), [
    (b"{not json", 400, "not JSON"),
    (b"x" * (300 * 1024), 413, "at most 256 KiB"),
    (b'{"seq0": 0, "samples": [' + b" " * (260 * 1024) + b"]}", 413, "at most 256 KiB"),
])
def test_a_body_that_is_no_batch_is_refused_before_it_is_read_whole(
        client: TestClient, panel_store: Store, body: bytes, status: int, reason: str) -> None:
    ann = viewer(panel_store)
    response = client.post(SAMPLES, content=body, headers={"X-Shortory-Session": ann.key})
    assert response.status_code == status and reason in response.json()["error"]


def test_keys_that_open_nothing(client: TestClient, panel_store: Store) -> None:
    ann = viewer(panel_store)
    for key in (None, "", "forged-key-" * 3, ann.key + "x"):
        status, body = post(client, SAMPLES, key, batch(range(3)))
        assert status == 401 and "error" in body, (key, body)
    assert panel_store.samples(ann.session_id).to_pylist() == []


def test_a_revoked_link_stops_the_batches(client: TestClient, panel_store: Store) -> None:
    invite = create_invite(panel_store, panel_store.demo_project_id(), viewer="Ann")
    ann = start_viewing(panel_store, invite, "")
    post(client, SAMPLES, ann.key, batch(range(3)))
    revoke_invite(panel_store, invite.id)
    status, body = post(client, SAMPLES, ann.key, batch(range(3, 6)))
    assert status == 403 and "revoked" in body["error"]
    assert len(panel_store.samples(ann.session_id).to_pylist()) == 3


def test_withdrawing_deletes_the_session(client: TestClient, panel_store: Store) -> None:
    ann = viewer(panel_store)
    post(client, SAMPLES, ann.key, batch(range(5)))
    assert post(client, "/remote/api/withdraw", ann.key, {}) == (200, {"withdrawn": True})
    assert panel_store.session(ann.session_id) is None
    assert post(client, "/remote/api/withdraw", ann.key, {})[0] == 401
    assert post(client, SAMPLES, ann.key, batch(range(5, 8)))[0] == 401


def test_the_video_is_served_in_ranges_for_a_valid_link_only(client: TestClient,
                                                             panel_store: Store) -> None:
    project_a = panel_store.demo_project_id()
    invite = create_invite(panel_store, project_a, viewer="Ann")
    original = panel_store.media_path(panel_store.get_video(project_a).path).read_bytes()
    whole = client.get(f"/remote/video/{invite.token}")
    assert whole.status_code == 200 and whole.content == original
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get(f"/remote/video/{invite.token}", headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206 and part.content == original[100:1124]
    assert part.headers["content-range"] == f"bytes 100-1123/{len(original)}"

    for token in ("nonsense", invite.token[:-3] + "AAA", "shortory.sqlite3"):
        refused = client.get(f"/remote/video/{token}")
        assert refused.status_code == 401 and "not valid" in refused.json()["error"]
    traversal = client.get("/remote/video/..%2F..%2Fshortory.sqlite3")
    assert traversal.status_code == 404 and b"SQLite" not in traversal.content
    revoke_invite(panel_store, invite.id)
    refused = client.get(f"/remote/video/{invite.token}")
    assert refused.status_code == 403 and "withdrawn" in refused.json()["error"]


def test_a_link_plays_its_own_project_s_video_and_prefers_the_preview(
        client: TestClient, panel_store: Store, tmp_path: Path) -> None:
    project_a = panel_store.demo_project_id()
    project_b = panel_store.create_project("B")
    folder = panel_store.project_media_dir(project_b)
    shutil.copy(panel_store.media_path(panel_store.get_video(project_a).path),
                folder / "b.mp4")
    with (folder / "b.mp4").open("ab") as grown:
        grown.write(b"B's own bytes")  # so the two files differ
    with panel_store.transaction() as conn:
        conn.execute("INSERT INTO videos (project_id, path, duration) VALUES (?, ?, 120)",
                     (project_b, f"project-{project_b}/b.mp4"))
    link_a = create_invite(panel_store, project_a, viewer="Ann")
    link_b = create_invite(panel_store, project_b, viewer="Bob")
    served_b = client.get(f"/remote/video/{link_b.token}").content
    assert served_b.endswith(b"B's own bytes")
    assert not client.get(f"/remote/video/{link_a.token}").content.endswith(b"B's own bytes")

    (folder / "preview.mp4").write_bytes(b"a small preview")
    panel_store.set_preview(project_b, f"project-{project_b}/preview.mp4")
    assert client.get(f"/remote/video/{link_b.token}").content == b"a small preview"


def test_a_beacon_carries_the_key_in_its_body(client: TestClient, panel_store: Store) -> None:
    """``navigator.sendBeacon`` cannot set headers: its key comes in the body (text/plain,
    as a beacon of a string sends it), and only there."""
    ann = viewer(panel_store)
    beacon = json.dumps(batch(range(4)) | {"session": ann.key})
    answer = client.post(SAMPLES, content=beacon, headers={"Content-Type": "text/plain"})
    assert (answer.status_code, answer.json()) == (200, {"stored": 4, "duplicates": 0})
    finished = client.post("/remote/api/finish", content=json.dumps({"session": ann.key}))
    assert finished.json() == {"samples": 4}
    bob = viewer(panel_store, "Bob")
    assert post(client, SAMPLES, None, batch(range(2)) | {"session": 42})[0] == 401
    assert panel_store.samples(bob.session_id).to_pylist() == []
