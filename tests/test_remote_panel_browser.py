"""The whole remote flow in real Chromium, as ``scripts/start.sh`` serves the app with an
analyst's password: a viewer opens an invite link with a real face in the fake camera, agrees,
passes the camera check, calibrates and watches to the end while their own browser reads the
face; an analyst in a second browser is refused without the password, then signs in and sees
the viewer arrive; the server holds the samples once each, on the video's own time."""

from __future__ import annotations

from pathlib import Path

import pytest

from shortory_core.bench.browser import camera_file, missing_tools
from shortory_core.demo import ASSETS
from shortory_core.demo.video import write_demo_video
from shortory_core.projects import import_files
from shortory_core.remote.invites import create_invite, list_invites
from shortory_core.store import Store
from tests.browser import running_app, screenshot, settled
from tests.test_viewer_camera import open_page
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))]
PASSWORD = "a long study passphrase"
VIDEO_S = 8.0


def test_a_remote_viewer_watches_by_link_and_the_analyst_sees_them_arrive(
        tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    home = tmp_path / "home"
    store = Store(home)
    video = write_demo_video(tmp_path / "study.mp4", duration=VIDEO_S)
    work = store.root / "staging" / "study"
    work.mkdir(parents=True)
    project_id = import_files(store, video, name="Study", work=work).project_id
    invite = create_invite(store, project_id, viewer="Anna", group="A")
    face = camera_file(ASSETS / "reaction_smile_man.mp4", tmp_path / "face.y4m")

    with (running_app(home, env={"SHORTORY_ANALYST_PASSWORD": PASSWORD}) as url,
          sync_playwright() as playwright):
        browser, viewer = open_page(playwright, f"{url}/join?invite={invite.token}", face)
        try:
            viewer.get_by_text("You are invited to watch a video").wait_for()
            viewer.get_by_text("No video and no picture of you leaves your computer").wait_for()
            settled(viewer)  # the whole page drawn: then what is absent is absent
            assert viewer.locator('[data-testid="stSidebar"]').count() == 0
            screenshot(viewer, "remote-consent")
            viewer.get_by_role("button", name="Continue").click()
            viewer.get_by_text("Tick the box to agree").wait_for()  # no consent, no camera
            viewer.get_by_text("I have read this and agree to take part").click()
            viewer.get_by_role("button", name="Continue").click()

            viewer.get_by_text("Your face is clearly seen").wait_for()
            expect(viewer.get_by_role("button", name="Continue")).to_be_enabled(timeout=60_000)
            screenshot(viewer, "remote-camera-check")
            viewer.get_by_role("button", name="Continue").click()
            viewer.get_by_text("Calibration (optional)").wait_for()
            viewer.get_by_role("button", name="Calibrate").click()
            viewer.get_by_text("Calibrated: your expressions are now read").wait_for()
            assert store.sessions(project_id) == []  # nothing kept before the video starts
            viewer.get_by_role("button", name="Start the video").click()

            viewer.get_by_text("Your camera is on and read in this browser only").wait_for()
            wait_until(lambda: any(s.n_samples for s in store.sessions(project_id)),
                       "the first samples to arrive", 120, every=0.3)
            screenshot(viewer, "remote-watching")
            analyst = browser.new_context().new_page()  # a second person, no camera asked
            analyst.goto(f"{url}/viewer-panel?project={project_id}")
            analyst.get_by_text("Shortory · sign in").wait_for()
            settled(analyst)
            assert analyst.get_by_text("Invite viewers", exact=True).count() == 0  # refused
            analyst.get_by_label("Analyst password").fill(PASSWORD)
            analyst.get_by_role("button", name="Sign in").click()
            analyst.get_by_text("Invite viewers", exact=True).wait_for()
            analyst.get_by_text("Watching now: Anna").wait_for()  # the live list
            screenshot(analyst, "remote-analyst-live")

            viewer.get_by_text("Thank you!").wait_for(timeout=180_000)
            screenshot(viewer, "remote-thanks")
        finally:
            browser.close()

    (session,) = store.sessions(project_id)
    assert session.viewer == "Anna" and session.meta["group"] == "A"
    assert session.ended_at is not None
    (status,) = list_invites(store, project_id)
    assert status.state == "done" and status.samples == session.n_samples
    assert status.invite.opened_at is not None
    samples = store.samples(session.id).to_pylist()
    assert len(samples) == len({s["seq"] for s in samples}) >= 3 * VIDEO_S  # once each
    shown = [s["video_time"] for s in samples if not s["paused"]]
    assert shown == sorted(shown) and shown[0] < 1.0 and VIDEO_S - 1.0 < shown[-1] <= VIDEO_S
    faces = [s for s in samples if s["face_found"]]
    assert len(faces) >= 0.9 * len(samples)
    assert all(abs(sum(s[e] for e in ("happy", "sad", "angry", "neutral", "surprise")) - 1)
               < 1e-3 for s in faces)
