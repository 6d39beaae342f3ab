"""A viewer's live session in a real browser, run inside a network namespace with only ``lo``.

    unshare -n sh -c 'ip link set lo up && python -m tests.live_watch_e2e HOME CAMERA.y4m OUT'

Starts the app on 127.0.0.1 (WebRTC on loopback only), opens Chromium with a fake camera that
plays CAMERA.y4m, starts a watch session, connects (which plays), pauses, seeks, plays again
and stops.
It writes what it did (and when, on the video clock the page shows) to OUT as JSON; the test
then checks the store against it. Exits non-zero on any failure.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from tests.browser import browser_page, fake_camera_args, running_app, screenshot

COMPONENT = 'iframe[title="streamlit_webrtc.component.webrtc_streamer"]'


def shown_position(page) -> float:
    """The video position the page reports (``m:ss / m:ss · state``)."""
    text = page.get_by_text(re.compile(r"^\d+:\d\d / \d+:\d\d · ")).first.inner_text()
    minutes, seconds = text.split(" / ")[0].split(":")
    return int(minutes) * 60 + int(seconds)


def connect(page) -> None:
    """Press Start once and wait until the player shows the server's stream. The page then
    holds the connection itself (it reconnects one that drops), so Start is never pressed
    again, though streamlit-webrtc 0.79 sometimes drops a connection right after making it."""
    frame = page.frame_locator(COMPONENT)
    frame.get_by_role("button", name="Start").click()
    video = frame.locator("video").first
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if video.count() and video.evaluate("v => v.videoWidth > 0 && v.readyState >= 2"):
            page.wait_for_timeout(2000)  # still up after the reruns that connecting causes
            if video.evaluate("v => v.videoWidth > 0"):
                return
        page.wait_for_timeout(250)
    raise RuntimeError("the WebRTC stream did not start")


def plays_by_itself(page) -> float:
    """The position the page shows once it is 2 s past where it was just after connecting,
    with no button pressed: Start alone plays."""
    start = shown_position(page)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (position := shown_position(page)) >= start + 2:
            return position
        page.wait_for_timeout(250)
    raise RuntimeError(f"the video stood still at {start} s after connecting")


def stop_buttons(page) -> int:
    """Every stop control on the page, the stream component's own included, once the
    component has hidden its Start/Stop (the page holds the stream on after connecting)."""
    name = re.compile("stop", re.IGNORECASE)
    component = page.frame_locator(COMPONENT).get_by_role("button", name=name)
    deadline = time.monotonic() + 30
    while component.count() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    return component.count() + page.get_by_role("button", name=name).count()


def calibrate(page) -> list[str]:
    """Follow guided calibration to its end; returns the prompts the page showed."""
    page.get_by_role("button", name="Calibrate to my face").click()
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        prompt = page.locator("strong").filter(has_text=re.compile(
            r"^(Rest your face|Smile|Look surprised)"))
        if prompt.count() and (text := prompt.first.inner_text()) not in seen:
            seen.append(text)
            if len(seen) == 2:
                screenshot(page, "calibrate-prompt")
        if page.get_by_text("Calibrated: your profile is saved").count():
            screenshot(page, "calibrated")
            return seen
        page.wait_for_timeout(200)
    raise RuntimeError(f"calibration did not finish (prompts seen: {seen})")


def main(home: Path, camera: Path, out: Path) -> None:
    env = {"SHORTORY_WEBRTC_LOOPBACK": "1"}
    report: dict = {}
    with running_app(home, env=env) as url, \
            browser_page(fake_camera_args(camera), camera=True) as page:
        page.set_viewport_size({"width": 1400, "height": 1300})
        page.goto(url)
        page.get_by_text("Demo: the Shortory show · demo").wait_for(timeout=90_000)
        page.goto(f"{url}/live?project=1")
        page.get_by_label("Your name").fill("Ada")
        page.get_by_role("button", name="Start watching").click()
        page.locator(COMPONENT).wait_for(timeout=60_000)
        connect(page)
        report["connected_at"] = time.time()
        report["played_to"] = plays_by_itself(page)
        report["stop_buttons"] = stop_buttons(page)
        report["prompts"] = calibrate(page)
        page.wait_for_timeout(6000)
        report["player"] = page.frame_locator(COMPONENT).locator("video").first.evaluate(
            """video => ({time: video.currentTime, paused: video.paused,
                         width: video.videoWidth,
                         audio: video.srcObject ? video.srcObject.getAudioTracks().length : 0,
                         video: video.srcObject ? video.srcObject.getVideoTracks().length : 0})""")
        page.get_by_role("button", name="⏸ Pause").click()
        page.wait_for_timeout(1500)
        report["paused_at"] = shown_position(page)
        page.wait_for_timeout(3000)
        report["paused_still"] = shown_position(page)

        page.get_by_label("Go to").fill("1:30")
        page.get_by_role("button", name="Go", exact=True).click()
        page.wait_for_timeout(1500)
        report["seeked_to"] = shown_position(page)
        page.get_by_role("button", name="▶ Play").click()
        page.wait_for_timeout(5000)
        caption = page.get_by_text(re.compile(r"^Analysing [\d.]+ frames/s")).first.inner_text()
        report["analysed_fps"] = float(caption.split()[1])
        report["shown_end"] = shown_position(page)
        screenshot(page, "watch")
        page.get_by_role("button", name="■ Stop").click()
        page.get_by_text("Session saved").wait_for(timeout=30_000)
        report["saved"] = page.get_by_text("Session saved").first.inner_text()
    out.write_text(json.dumps(report))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
