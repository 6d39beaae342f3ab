"""Running the real app and driving it with Debian's headless Chromium through Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (scripts/test.sh does it)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(data_dir: Path, timeout: float = 90.0, env: dict[str, str] | None = None
                ) -> Iterator[str]:
    """The app started as ``scripts/start.sh`` starts it, on a free loopback port; yields its
    base URL."""
    port = _free_port()
    env = os.environ | {"SHORTORY_HOME": str(data_dir)} | (env or {})
    log = (data_dir / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "scripts/serve.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, f"the app exited; see {data_dir / 'streamlit.log'}"
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, f"the app to start (see {data_dir / 'streamlit.log'})", timeout,
                   every=0.3)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def playwright_disabled_features() -> list[str]:
    """The Chromium features Playwright disables itself. Chromium honours only the last
    ``--disable-features`` flag, so a test that disables one more must repeat Playwright's."""
    import playwright

    bundle = Path(playwright.__file__).parent / "driver/package/lib/coreBundle.js"
    try:
        text = bundle.read_text(encoding="utf-8")
    except OSError:
        return []
    start = text.find("disabledFeatures = ")
    end = text.find("].filter(Boolean)", start)
    if start < 0 or end < 0:
        return []
    block = "\n".join(line.split("//")[0] for line in text[start:end].splitlines())
    return re.findall(r'"([A-Za-z0-9]+)"', block)


def fake_camera_args(y4m: Path) -> list[str]:
    """Chromium with a camera that plays ``y4m``, allowed to use loopback for WebRTC, and
    without mDNS host names (which would join a multicast group)."""
    features = [*playwright_disabled_features(), "WebRtcHideLocalIpsWithMdns"]
    return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={y4m}", "--allow-loopback-in-peer-connection",
            "--autoplay-policy=no-user-gesture-required",
            f"--disable-features={','.join(features)}"]


@contextmanager
def browser_page(extra_args: list[str] | None = None, camera: bool = False
                 ) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=CHROMIUM_ARGS + (extra_args or []))
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                          permissions=["camera"] if camera else [])
            context.set_default_timeout(60_000)  # a busy machine: generous, never a sleep
            yield context.new_page()
        finally:
            browser.close()


def settled(page: object, timeout_ms: float = 90_000) -> None:
    """Wait until the app's script has finished its run: Streamlit marks its root element
    with the run's state. Call it once the page shows what an action led to (a run that has
    not started yet looks finished)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=timeout_ms)


def choose(page: object, label: str, option: str, timeout_ms: float = 90_000) -> None:
    """Pick `option` in the select box labelled `label`. A rerun that lands while the list
    is open closes it again (the box is drawn anew), so the box is opened until the option
    shows and takes the click."""
    box = page.get_by_role("combobox", name=label, exact=True)
    item = page.get_by_role("option", name=option, exact=True)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        settled(page, timeout_ms)
        box.click()
        try:
            item.wait_for(state="visible", timeout=5_000)
            item.click(timeout=5_000)
        except Exception:  # the list closed under a rerun; open it again
            if time.monotonic() > deadline:
                raise
            page.keyboard.press("Escape")
            continue
        settled(page, timeout_ms)
        return


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
