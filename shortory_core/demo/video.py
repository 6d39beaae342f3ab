"""The demo's source video, generated so that it needs no download and no license.

It is a two-minute "show" with a running clock and five visible, audible events (flash, big
caption, a burst of sound), and a commentator speaking all along (a real recording, looped:
``assets/commentary.mp3``), so its shorts get real speech captions and clean cuts. The demo
comments point at those events, so every page shows a result a person can check by watching.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from shortory_core.speech.audio import read_audio
from shortory_core.timefmt import format_seconds

WIDTH, HEIGHT, FPS = 640, 360, 25
SAMPLE_RATE = 44_100
DURATION_S = 120.0
COMMENTARY = Path(__file__).resolve().parent / "assets" / "commentary.mp3"


@dataclass(frozen=True)
class Event:
    time: float
    caption: str
    emotion: str
    colour: tuple[int, int, int]  # BGR


EVENTS: tuple[Event, ...] = (
    Event(18.0, "GOAL!", "happy", (40, 200, 60)),
    Event(42.0, "JUMP SCARE", "surprise", (40, 40, 230)),
    Event(65.0, "THE FALL", "happy", (0, 200, 230)),
    Event(91.0, "PLOT TWIST", "surprise", (220, 60, 160)),
    Event(112.0, "FAREWELL", "sad", (200, 120, 40)),
)
EVENT_SPAN_S = 3.0


def write_demo_video(path: Path, duration: float = DURATION_S) -> Path:
    """Encode the demo video (H.264 + AAC in mp4) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n_frames = int(duration * FPS)
    drawn: queue.Queue[np.ndarray] = queue.Queue(maxsize=32)
    # Drawing (OpenCV) and encoding (x264, on every core) both release the GIL: a thread draws
    # the next frames while the encoder works, which halves the first start's wait.
    stop = threading.Event()

    def paint() -> None:
        for index in range(n_frames):
            image = _frame(index / FPS, duration)
            while not stop.is_set():
                try:
                    drawn.put(image, timeout=0.2)
                    break
                except queue.Full:
                    continue

    painter = threading.Thread(target=paint, name="demo-frames", daemon=True)
    painter.start()
    try:
        _encode(path, drawn, n_frames, duration)
    finally:
        stop.set()  # an encoder that failed must not leave the painter waiting forever
        painter.join()
    return path


def _encode(path: Path, drawn: queue.Queue[np.ndarray], n_frames: int, duration: float) -> None:
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"preset": "superfast", "crf": "28", "g": str(FPS * 2)}
        video.thread_type = "AUTO"
        audio = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        for _ in range(n_frames):
            frame = av.VideoFrame.from_ndarray(drawn.get(), format="bgr24")
            container.mux(video.encode(frame))
        container.mux(video.encode())
        _encode_audio(container, audio, duration)


def _frame(t: float, duration: float) -> np.ndarray:
    hue = int(100 + 60 * np.sin(t / 9.0))
    image = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    image[:] = (hue // 2, 40 + hue // 4, 60)
    event = _active_event(t)
    if event is not None:
        age = t - event.time
        strength = max(0.0, 1.0 - age / EVENT_SPAN_S)
        image[:] = (np.array(event.colour) * (0.4 + 0.6 * strength)).astype(np.uint8)
        radius = int(30 + 140 * age / EVENT_SPAN_S)
        cv2.circle(image, (WIDTH // 2, HEIGHT // 2), radius, (255, 255, 255), 6)
        _centred_text(image, event.caption, HEIGHT // 2 + 20, 2.0, 5)
    cv2.putText(image, format_seconds(t), (16, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.1,
                (255, 255, 255), 2, cv2.LINE_AA)
    cv2.putText(image, "Shortory demo show", (WIDTH - 300, 40), cv2.FONT_HERSHEY_SIMPLEX,
                0.8, (230, 230, 230), 1, cv2.LINE_AA)
    bar = int(WIDTH * t / duration)
    image[HEIGHT - 8:, :bar] = (255, 255, 255)
    for e in EVENTS:
        x = int(WIDTH * e.time / duration)
        image[HEIGHT - 14:HEIGHT - 8, max(x - 2, 0):x + 2] = e.colour
    return image


def _centred_text(image: np.ndarray, text: str, y: int, scale: float, thickness: int) -> None:
    (width, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thickness)
    cv2.putText(image, text, ((WIDTH - width) // 2, y), cv2.FONT_HERSHEY_DUPLEX, scale,
                (255, 255, 255), thickness, cv2.LINE_AA)


def _active_event(t: float) -> Event | None:
    return next((e for e in EVENTS if 0.0 <= t - e.time < EVENT_SPAN_S), None)


def _encode_audio(container: av.container.OutputContainer, stream: av.AudioStream,
                  duration: float) -> None:
    """The commentator over a quiet hum, with a loud rising chirp at each event."""
    t = np.arange(int(duration * SAMPLE_RATE)) / SAMPLE_RATE
    voice = read_audio(COMMENTARY, rate=SAMPLE_RATE)
    signal = 0.05 * np.sin(2 * np.pi * 110 * t) + np.resize(voice, len(t))
    for event in EVENTS:
        mask = (t >= event.time) & (t < event.time + 1.2)
        local = t[mask] - event.time
        chirp = np.sin(2 * np.pi * (300 + 500 * local) * local) * np.exp(-2.0 * local)
        signal[mask] += 0.6 * chirp
    samples = np.clip(signal, -1, 1).astype(np.float32)
    chunk = 1024
    for start in range(0, len(samples), chunk):
        piece = samples[start:start + chunk][None, :]
        frame = av.AudioFrame.from_ndarray(piece, format="flt", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = start
        frame.time_base = Fraction(1, SAMPLE_RATE)
        container.mux(stream.encode(frame))
    container.mux(stream.encode())
