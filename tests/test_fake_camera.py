"""Chromium's built-in fake camera (a green disc turning, no face) must not count as a face:
it once read as one in 48% of samples and skewed a panel."""

import base64
import http.server
import threading

import cv2
import numpy as np
import pytest

from shortory_core.vision.engine import VisionEngine
from tests.browser import browser_page, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]

PAGE = b"""<html><body><video id=v autoplay playsinline></video><canvas id=c width=640
height=480></canvas><script>navigator.mediaDevices.getUserMedia({video: {width: 640,
height: 480}}).then(s => {document.getElementById('v').srcObject = s; window.ready = true;});
</script></body></html>"""
SHOWING = """t => {const v = document.getElementById('v');
return window.ready === true && v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > t;}"""
GRAB = """() => {const c = document.getElementById('c');
c.getContext('2d').drawImage(document.getElementById('v'), 0, 0, 640, 480);
return c.toDataURL('image/png');}"""


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


def test_the_default_fake_camera_shows_no_face() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    frames = []
    try:
        with browser_page(["--use-fake-ui-for-media-stream",
                           "--use-fake-device-for-media-stream"], camera=True) as page:
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            for step in range(50):  # ten seconds of the turning disc, by the video's own time
                page.wait_for_function(SHOWING, arg=step * 0.2, timeout=60_000)
                data = base64.b64decode(page.evaluate(GRAB).split(",", 1)[1])
                frames.append(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR))
    finally:
        server.shutdown()
    engine = VisionEngine()
    found = [engine.analyse(frame, i * 0.2).face_found for i, frame in enumerate(frames)]
    assert frames[0].mean() > 20  # the camera really delivered pictures
    assert np.mean(found) <= 0.02, f"a face in {np.mean(found):.0%} of fake-camera frames"
