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
from collections.abc import Callable
from pathlib import Path

from shortory_core.store import Store
from tests.browser import browser_page, fake_camera_args, running_app, screenshot, settled
from tests.waiting import wait_until

COMPONENT = 'iframe[title="streamlit_webrtc.component.webrtc_streamer"]'
POSITION = re.compile(r"^(\d+):(\d\d) / \d+:\d\d · (playing|paused)$")


def shown(page) -> tuple[float, str]:
    """The video position and state the page reports (``m:ss / m:ss · state``)."""
    text = page.get_by_text(POSITION).first.inner_text()
    minutes, seconds, state = POSITION.match(text.strip()).groups()
    return int(minutes) * 60 + int(seconds), state


def shown_position(page) -> float:
    return shown(page)[0]


def wait_shown(page, condition: Callable[[float, str], bool], what: str) -> float:
    """Wait until the position and state the page shows (redrawn once a second) meet
    ``condition``; returns the position."""
    return wait_until(lambda: now if condition(*(now := shown(page))) else None,
                      f"the page to show {what}", timeout=90, every=0.2)[0]


def saved_samples(page) -> int:
    """The Samples figure of the live panel: samples written to the store so far."""
    return int(page.get_by_test_id("stMetric").filter(has_text="Samples").get_by_test_id(
        "stMetricValue").inner_text())


def wait_played(store: Store, since: float, seconds: float, what: str) -> None:
    """Wait until the store holds the camera seen over ``seconds`` of the video playing from
    ``since`` on. A busy machine can stall the camera for a while: the page's clock runs on
    meanwhile, so only the samples say that the stretch the test reads is there."""
    [session] = [s for s in store.sessions(1) if s.kind == "live"]

    def played() -> bool:
        times = [r["video_time"] for r in store.samples(session.id).to_pylist()
                 if not r["paused"] and r["video_time"] >= since]
        return len(times) > 15 and max(times) >= since + seconds

    wait_until(played, what, every=0.25)


def connect(page) -> None:
    """Press Start and wait until the player shows the server's stream and the page has seen
    it play (its "Press Start to connect" hint is gone: from then on it holds the connection
    itself and reconnects one that drops). Before that, streamlit-webrtc 0.79 sometimes
    resets a just-connected stream and shows Start again: then press it again, as a viewer
    would."""
    frame = page.frame_locator(COMPONENT)
    start = frame.get_by_role("button", name="Start")
    video = frame.locator("video").first
    hint = page.get_by_text("The browser asks for the camera", exact=False)

    def held() -> bool:
        if start.count() and start.is_enabled():
            start.click()
            start.wait_for(state="detached")
            return False
        return not hint.count() and video.count() > 0 and video.evaluate(
            "v => v.videoWidth > 0 && v.readyState >= 2")

    wait_until(held, "the WebRTC stream to play, held by the page", every=0.25)
    settled(page)  # the run that hid the hint has ended: no stale copies of the buttons left


def plays_by_itself(page) -> float:
    """The position the page shows once it is 2 s past where it was just after connecting,
    with no button pressed: Start alone plays."""
    start = shown_position(page)
    return wait_shown(page, lambda at, state: at >= start + 2,
                      f"the video moving on from {start} s after connecting")


def stop_buttons(page) -> int:
    """Every stop control on the page, the stream component's own included, once the
    component has hidden its Start/Stop (the page holds the stream on after connecting)."""
    name = re.compile("stop", re.IGNORECASE)
    component = page.frame_locator(COMPONENT).get_by_role("button", name=name)
    component.first.wait_for(state="detached")
    return component.count() + page.get_by_role("button", name=name).count()


def calibrate(page) -> list[str]:
    """Follow guided calibration to its end; returns the prompts the page showed."""
    page.get_by_role("button", name="Calibrate to my face").click()
    seen: list[str] = []

    def calibrated() -> bool:
        prompt = page.locator("strong").filter(has_text=re.compile(
            r"^(Rest your face|Smile|Look surprised)"))
        # all_inner_texts reads what is there now: a prompt the page just replaced is not
        # waited for (inner_text would wait a minute for an element that is gone).
        texts = prompt.all_inner_texts()
        if texts and (text := texts[0]) not in seen:
            seen.append(text)
            if len(seen) == 2:
                screenshot(page, "calibrate-prompt")
        return page.get_by_text("Calibrated: your profile is saved").count() > 0

    wait_until(calibrated, "calibration to finish", timeout=90, every=0.2)
    screenshot(page, "calibrated")
    return seen


def main(home: Path, camera: Path, out: Path) -> None:
    env = {"SHORTORY_WEBRTC_LOOPBACK": "1"}
    report: dict = {}
    store = Store(home)
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
        wait_played(store, 0.0, 4.0, "the camera seen over 4 s of the video playing")
        report["player"] = page.frame_locator(COMPONENT).locator("video").first.evaluate(
            """video => ({time: video.currentTime, paused: video.paused,
                         width: video.videoWidth,
                         audio: video.srcObject ? video.srcObject.getAudioTracks().length : 0,
                         video: video.srcObject ? video.srcObject.getVideoTracks().length : 0})""")
        page.get_by_role("button", name="⏸ Pause").click()
        report["paused_at"] = wait_shown(page, lambda at, state: state == "paused", "paused")
        before = saved_samples(page)  # then the camera is seen a while during the pause
        wait_until(lambda: saved_samples(page) >= before + 20, "20 samples saved while paused",
                   timeout=90, every=0.2)
        report["paused_still"] = shown_position(page)

        page.get_by_label("Go to").fill("1:30")
        page.get_by_role("button", name="Go", exact=True).click()
        report["seeked_to"] = wait_shown(page, lambda at, state: at == 90, "1:30")
        page.get_by_role("button", name="▶ Play").click()
        wait_played(store, 90.0, 4.0, "the camera seen over 4 s of playing from 1:30")
        report["shown_end"] = shown_position(page)
        caption = page.get_by_text(re.compile(r"^Analysing [\d.]+ frames/s")).first.inner_text()
        report["analysed_fps"] = float(caption.split()[1])
        screenshot(page, "watch")
        page.get_by_role("button", name="■ Stop").click()
        page.get_by_text("Session saved").wait_for(timeout=90_000)
        report["saved"] = page.get_by_text("Session saved").first.inner_text()
    out.write_text(json.dumps(report))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
