"""The viewer's camera component in a real Chromium whose fake camera shows a real face: the
camera check passes, calibration returns faces ``calibrate_guided`` fits a profile from, and
watching plays the video, stamps samples with its time, resends what the server refused and
posts 'finish' at the end. A denied camera is said plainly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from shortory_core.bench.browser import CHROMIUM, camera_file, missing_tools
from shortory_core.demo import ASSETS
from shortory_core.remote.calibration import calibration_from_browser
from tests.browser import CHROMIUM_ARGS, _free_port
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("home")
    port = _free_port()
    log = (home / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "tests/viewer_camera_asgi.py",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "SHORTORY_HOME": str(home)})
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, (home / "streamlit.log").read_text()
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    wait_until(healthy, "the test app to start", 90, every=0.3)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture(scope="module")
def face(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return camera_file(ASSETS / "reaction_expressions_woman.mp4",
                       tmp_path_factory.mktemp("camera") / "face.y4m")


def state_of(page, key: str, timeout_s: float = 120) -> dict:
    """The component's state once it holds ``key`` (the page prints it after each run)."""
    text = page.get_by_text("STATE {", exact=False).filter(has_text=f'"{key}"')
    text.wait_for(timeout=timeout_s * 1000)
    return json.loads(text.inner_text().removeprefix("STATE "))


def open_page(playwright, url: str, camera: Path | None, allow: bool = True):
    """Chromium on ``url`` with ``camera`` (.y4m) as its only camera (none when ``None``),
    which the page may use when ``allow`` (else the browser refuses it, as a viewer can)."""
    args = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
    if camera:
        args += ["--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-video-capture={camera}"]
    if allow:
        args.append("--use-fake-ui-for-media-stream")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    page = browser.new_context(permissions=["camera"] if allow else []).new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    return browser, page


def test_camera_check_calibration_and_watching(app: str, face: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_page(playwright, f"{app}/?mode=check", face)
        try:
            check = state_of(page, "check")["check"]
            assert check["ok"] and check["face"] and check["light"] == "ok", check

            page.goto(f"{app}/?mode=calibrate")
            calibration = state_of(page, "calibration")["calibration"]
            prompted = calibration["prompts"]
            assert set(prompted) == {"neutral", "happy"}
            assert all(sum(f["face"] for f in frames) >= 3 for frames in prompted.values())
            fitted = calibration_from_browser(prompted, "viewer", "model")
            assert fitted.profile is not None and fitted.frames >= 3

            page.goto(f"{app}/?mode=watch")  # the 3.1 s clip
            watched = state_of(page, "ended")
            assert watched["ended"] is True and watched["sent"] > 0
            received = received_by(app)
        finally:
            browser.close()
    assert any(b["key"] == "KEY" for b in received["refused"]), "resending went untested"
    rows = [row for b in received["stored"] if b["key"] == "KEY" for row in b["samples"]]
    assert sorted(r["seq"] for r in rows) == list(range(len(rows)))  # resent, none lost, no double
    assert watched["sent"] == len(rows)
    assert received["finish"] == ["KEY"]
    shown = [r["t"] for r in sorted(rows, key=lambda r: r["seq"]) if not r["paused"]]
    assert shown == sorted(shown) and 0 <= shown[0] < 1.0 and 2.5 < shown[-1] <= 3.2
    faces = [r for r in rows if r["face"]]
    assert len(faces) >= 0.9 * len(rows), (len(faces), len(rows))
    assert all(abs(sum(r["emo"]) - 1) < 1e-3 and 0 <= r["att"] <= 1 for r in faces)


def received_by(app: str) -> dict:
    with urllib.request.urlopen(f"{app}/test/received") as answer:
        return json.loads(answer.read())


def held_seqs(app: str, store: str) -> set[int]:
    return {r["seq"] for b in received_by(app)[store] if b["key"] == "HOLD"
            for r in b["samples"]}


def test_closing_the_tab_hands_over_what_was_not_sent(app: str, face: Path) -> None:
    """The server refuses every batch while the viewer watches; the tab is closed mid-video
    the moment it accepts again: what the page measured still arrives, none of it twice."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_page(playwright, f"{app}/?mode=watch&session=HOLD&video=LONG", face)
        try:
            measured = wait_until(lambda: held_seqs(app, "refused"),
                                  "the page to try sending samples", 120, every=0.2)
            urllib.request.urlopen(urllib.request.Request(f"{app}/test/release", method="POST"))
            page.close(run_before_unload=True)  # as a viewer closes it: pagehide fires
            wait_until(lambda: held_seqs(app, "stored") >= measured,
                       "the closing tab's samples to arrive", 60, every=0.2)
        finally:
            browser.close()
    stored = [r["seq"] for b in received_by(app)["stored"] if b["key"] == "HOLD"
              for r in b["samples"]]
    assert sorted(stored) == list(range(len(stored)))
    assert "HOLD" not in received_by(app)["finish"]  # closed mid-video: partial, not done


@pytest.mark.parametrize(("camera", "error", "said"), [
    (True, "camera-denied", "The camera was not allowed"),
    (False, "no-camera", "No camera was found"),
])
def test_a_denied_or_missing_camera_is_said_plainly(app: str, face: Path, camera: bool,
                                                    error: str, said: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = open_page(playwright, f"{app}/?mode=check", face if camera else None,
                                  allow=False)
        try:
            assert state_of(page, "error")["error"] == error
            page.get_by_text(said).wait_for()
        finally:
            browser.close()
