"""Face analysis in the viewer's browser: frames analysed per second by the bundle in headless
Chromium (onnxruntime-web, WebAssembly, one thread), against Python's ``VisionEngine`` on the
very same frames in this process.

Chromium's fake camera plays a demo reaction clip (a real face) as a 640×480 webcam; the
bundle's plain page (``dist/bench.html``) analyses it and keeps the exact pixels it analysed, so
the baseline reads the same frames in the same order. The agreement test
(``tests/test_browser_analysis.py``) drives the same run.

Playwright is a development dependency (``requirements-dev.txt``) and Chromium is Debian's: the
bench says so plainly when either is missing.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shortory_core.bench.timing import report
from shortory_core.clips.ffmpeg_run import ffmpeg_exe
from shortory_core.config import MODELS_DIR
from shortory_core.demo import ASSETS
from shortory_core.vision.cards import ModelCard, load_card
from shortory_core.vision.engine import FrameAnalysis, VisionEngine

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Only loopback may be reached; the camera is a file; no GPU on these machines.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
]
CLIP = ASSETS / "reaction_expressions_woman.mp4"
FRAMES = 60


@dataclass(frozen=True)
class BrowserRun:
    """What the page read: one dict per analysed frame (``t``, ``faceFound``, ``dominant``,
    ``emotions``, ``attention``...), the RGB frames it analysed (when kept), its rate."""

    results: list[dict]
    frames: list[np.ndarray]
    fps: float
    load_seconds: float


def missing_tools() -> str | None:
    """Why the browser cannot run here, in plain words, or ``None``."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed ({CHROMIUM}; apt-get install chromium)"
    return None


def camera_file(video: Path, path: Path, seconds: float = 8.0) -> Path:
    """``video`` (or a still picture) as the 640×480, 30 fps .y4m that Chromium's fake camera
    loops (the picture scaled to fit, padded black)."""
    still = ["-loop", "1"] if video.suffix.lower() in (".png", ".jpg") else []
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *still, "-i", str(video),
                    "-t", str(seconds),
                    "-vf", "scale=640:480:force_original_aspect_ratio=decrease,"
                    "pad=640:480:(ow-iw)/2:(oh-ih)/2,fps=30", "-pix_fmt", "yuv420p", str(path)],
                   check=True)
    return path


@contextmanager
def asset_server() -> Iterator[str]:
    """The app's ``/remote/`` routes (no Streamlit, no database) on a free loopback port;
    yields the base URL."""
    import uvicorn
    from starlette.applications import Starlette

    from shortory_core.remote.routes import routes

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=routes()), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the asset server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def run_in_chromium(camera: Path, frames: int = FRAMES, card: str | None = None,
                    keep: bool = False, calibration: dict | None = None,
                    timeout_s: float = 300.0) -> BrowserRun:
    """Open ``bench.html`` in headless Chromium with ``camera`` (.y4m) as the webcam and wait
    until it has analysed ``frames`` frames with ``card`` (a card file in ``models/``; the
    default when ``None``), applying ``calibration`` (``remote.calibration``'s
    ``calibration_for_browser``, as the watch mode takes it) to every reading."""
    from playwright.sync_api import sync_playwright

    query = f"frames={frames}&keep={int(keep)}" + (f"&card={card}" if card else "")
    with asset_server() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={camera}"])
        try:
            page = browser.new_context(permissions=["camera"]).new_page()
            if calibration is not None:
                page.add_init_script(
                    f"window.shortoryBenchCalibration = {json.dumps(calibration)};")
            page.goto(f"{base}/remote/assets/bench.html?{query}")
            page.wait_for_function(
                "() => ['done', 'error'].includes(window.shortoryBench?.state)",
                timeout=timeout_s * 1000, polling=200)
            bench = page.evaluate("() => ({state: shortoryBench.state, error: shortoryBench.error,"
                                  " results: shortoryBench.results, fps: shortoryBench.fps,"
                                  " load: shortoryBench.loadSeconds})")
            if bench["state"] == "error":
                raise RuntimeError(f"the browser's analysis stopped: {bench['error']}")
            pictures = []
            for i, row in enumerate(bench["results"] if keep else []):
                rgba = np.frombuffer(base64.b64decode(
                    page.evaluate("i => shortoryBench.pixels(i)", i)), np.uint8)
                pictures.append(rgba.reshape(row["height"], row["width"], 4)[:, :, :3].copy())
        finally:
            browser.close()
    return BrowserRun(bench["results"], pictures, bench["fps"], bench["load"])


def python_readings(run: BrowserRun, card: ModelCard | None = None
                    ) -> tuple[list[FrameAnalysis], float]:
    """Python's engine on the frames the browser analysed, at the same times; and its rate
    (frames per second)."""
    engine = VisionEngine(emotion_card=card)
    started = time.perf_counter()
    readings = [engine.analyse(frame, row["t"], colour="rgb")
                for frame, row in zip(run.frames, run.results, strict=True)]
    return readings, len(readings) / (time.perf_counter() - started)


def run() -> str:
    why = missing_tools()
    if why:
        return f"== face analysis in the browser\n  not run: {why}"
    with tempfile.TemporaryDirectory() as tmp:
        camera = camera_file(CLIP, Path(tmp) / "camera.y4m")
        browser = run_in_chromium(camera, FRAMES, keep=True)
    _, python_fps = python_readings(browser)
    found = np.mean([row["faceFound"] for row in browser.results])
    return report(
        f"face analysis of one 640×480 webcam frame (real face, {FRAMES} frames, face in "
        f"{found:.0%}): headless Chromium, onnxruntime-web WebAssembly, 1 thread, vs Python",
        [("Python VisionEngine (onnxruntime, 1 thread)", 1 / python_fps),
         ("browser bundle (onnxruntime-web)", 1 / browser.fps)],
        baseline="Python VisionEngine (onnxruntime, 1 thread)",
        ours="browser bundle (onnxruntime-web)",
    ) + (f"\n  browser: {browser.fps:.1f} frames/s (target ≥ 10); Python: {python_fps:.1f} "
         f"frames/s; models and runtime loaded in {browser.load_seconds:.1f} s"
         "\n  (a speed-up below 1 is the browser's cost against native onnxruntime)")


def card_by_file(name: str) -> ModelCard:
    """A shipped card by its file name (what the page takes)."""
    return load_card(MODELS_DIR / name)
