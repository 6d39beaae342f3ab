"""Webcam frames in, stamped samples out, never falling behind.

The WebRTC sink hands every frame to ``on_frame`` on aiortc's event loop, which only notes the
time it arrived and keeps it as the *latest* frame. One worker thread analyses the latest frame
whenever it is free: if analysis is slower than the camera, frames are skipped, so latency never
grows; the effective analysed rate is reported.

A frame is stamped with the video position that was on the viewer's screen when it was taken:
the frame the server sent ``TRANSPORT_S`` before the webcam frame arrived (the delay of the
video to the screen plus the webcam to the server; tens of milliseconds each on a LAN), or the
clock's position before the first frame was sent. While
the video is paused, samples are stored flagged ``paused`` at the paused position (the timeline
leaves them out; they still show how the viewer looked).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import av
import cv2
import numpy as np

from shortory_core.errors import describe
from shortory_core.live.clock import PlaybackClock
from shortory_core.live.movie import SentLog
from shortory_core.live.writer import SampleWriter
from shortory_core.reactions.timeline import sample_row
from shortory_core.vision.calibration import (
    GUIDED,
    SETTLE_S,
    Calibration,
    Prompt,
    calibrate_guided,
)
from shortory_core.vision.engine import FrameAnalysis, VisionEngine
from shortory_core.vision.profiles import Profile

TRANSPORT_S = 0.2
MAX_SIDE = 640
RATE_WINDOW_S = 2.0
RECENT_S = 30.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveStatus:
    """What the page shows while the viewer watches."""

    samples: int
    analysed_fps: float
    latency_s: float  # from a frame's arrival to its sample, lately
    received: int
    skipped: int
    latest: FrameAnalysis | None
    video_time: float
    no_face_for_s: float
    calibration: str  # "none" | "running" | "done" | an error message
    recent: list[tuple[float, str | None, float]]  # (video time, dominant, attention)
    error: str = ""  # the latest failure of analysis or of saving samples, for the viewer
    failed: int = 0  # frames whose analysis failed
    prompt: str = ""  # while calibrating: what the viewer is asked to show
    prompt_left_s: float = 0.0
    profile: bool = False  # the emotions are read through the viewer's profile


class LiveAnalyser:
    def __init__(self, engine: VisionEngine, clock: PlaybackClock, sent: SentLog,
                 writer: SampleWriter, transport_s: float = TRANSPORT_S, *,
                 viewer: str = "", profile: Profile | None = None,
                 on_profile: Callable[[Profile], None] | None = None) -> None:
        """``profile``: the viewer's stored one, used from the first frame; ``on_profile``
        hears a profile made by guided calibration (to keep it)."""
        self.engine = engine
        self.viewer = viewer
        self.on_profile = on_profile
        self.clock = clock
        self.sent = sent
        self.writer = writer
        self.transport_s = transport_s
        self.received = 0
        self.skipped = 0
        self.analysed = 0
        self.failed = 0
        self.error = ""
        self._slot: tuple[av.VideoFrame | np.ndarray, float] | None = None
        self._ready = threading.Condition()
        self._stopped = False
        self._done_times: deque[float] = deque()
        self._latencies: deque[float] = deque(maxlen=60)
        self._recent: deque[tuple[float, str | None, float]] = deque()
        self._latest: FrameAnalysis | None = None
        self._latest_video_time = 0.0
        self.last_frame_at = clock.now()
        self._last_face_at: float | None = None
        self._started_at = clock.now()
        self._calibration = Calibration.from_profile(profile) if profile else None
        self._plan: list[tuple[Prompt, float, float]] = []  # (prompt, start, end)
        self._prompted: dict[str, list[FrameAnalysis]] = {}
        self._calibration_state = "none"
        self._latest_frame: np.ndarray | None = None
        self._thread = threading.Thread(target=self._run, name="live-analyser", daemon=True)
        self._thread.start()

    # -- called from the WebRTC thread -------------------------------------------------------

    def on_frame(self, frame: av.VideoFrame | np.ndarray, arrived: float | None = None) -> None:
        """Keep ``frame`` as the one to analyse next (an RGB array, or a decoded frame)."""
        with self._ready:
            self.received += 1
            self.last_frame_at = self.clock.now() if arrived is None else arrived
            if self._slot is not None:
                self.skipped += 1
            self._slot = (frame, self.clock.now() if arrived is None else arrived)
            self._ready.notify()

    # -- called from the page ----------------------------------------------------------------

    def calibrate(self, prompts: Sequence[Prompt] = GUIDED) -> None:
        """Ask for each prompt in turn (rest, smile, surprise…), collect the viewer's face for
        each, then calibrate and fit the viewer's profile."""
        with self._ready:
            start, self._plan, self._prompted = self.clock.now(), [], {}
            for prompt in prompts:
                self._plan.append((prompt, start, start + prompt.seconds))
                start += prompt.seconds
            self._calibration_state = "running"

    def status(self) -> LiveStatus:
        now = self.clock.now()
        with self._ready:
            current = next(((p, end) for p, start, end in self._plan if start <= now < end),
                           None)
            while self._done_times and self._done_times[0] < now - RATE_WINDOW_S:
                self._done_times.popleft()
            span = min(RATE_WINDOW_S, now - self._started_at) or 1.0
            since = self._last_face_at if self._last_face_at is not None else self._started_at
            return LiveStatus(
                samples=self.writer.written, analysed_fps=len(self._done_times) / span,
                latency_s=float(np.mean(self._latencies)) if self._latencies else 0.0,
                received=self.received, skipped=self.skipped, latest=self._latest,
                video_time=self._latest_video_time, no_face_for_s=max(now - since, 0.0),
                calibration=self._calibration_state, recent=list(self._recent),
                error=self.writer.error or self.error, failed=self.failed,
                prompt=current[0].instruction if current else "",
                prompt_left_s=current[1] - now if current else 0.0,
                profile=bool(self._calibration and self._calibration.profile))

    def thumbnail(self) -> np.ndarray | None:
        """The latest analysed camera frame, small, with the face box and reading drawn."""
        with self._ready:
            frame, analysis = self._latest_frame, self._latest
        return annotate(frame, analysis) if frame is not None and analysis else None

    def stop(self) -> None:
        with self._ready:
            self._stopped = True
            self._ready.notify()
        self._thread.join(timeout=5)

    # -- the worker --------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._ready:
                while self._slot is None and not self._stopped:
                    self._ready.wait()
                if self._stopped:
                    return
                (frame, arrived), self._slot = self._slot, None
            try:
                self._analyse(frame, arrived)
            except Exception as exc:  # the viewer must see it; the next frame is tried anew
                log.exception("live analysis of a frame failed")
                with self._ready:
                    self.error = describe(exc)
                    self.failed += 1

    def _on_screen(self, seen_at: float) -> tuple[float, bool]:
        """(video time, paused) of the picture on the viewer's screen at ``seen_at``.

        Playing: the frame that was on the wire (once frames flow, only this source, so the
        stamps cannot jitter between two). Until a frame read since the last play or seek has
        gone out, the screen still holds an older frame, standing still: that is flagged
        paused, so a stalled stream never puts a sample of the old picture on the playing
        timeline. Paused: the paused position, so a pause never shows as advancing while the
        last frames sent before it are still on their way. Playing before the first frame
        has gone out (a busy machine decodes it late): nothing is on the screen yet, so it is
        flagged paused too; stamped from the clock, it would run ahead of that first frame."""
        segment = self.clock.at(seen_at)
        if not segment.playing:
            return segment.position, True
        shown = self.sent.shown_at(seen_at)
        if shown is None:
            return segment.position, True
        read_at, position = shown
        return position, read_at < self.clock.changed_at(seen_at)

    def _analyse(self, frame: av.VideoFrame | np.ndarray, arrived: float) -> None:
        rgb = frame if isinstance(frame, np.ndarray) else frame.to_ndarray(format="rgb24")
        if max(rgb.shape[:2]) > MAX_SIDE:
            scale = MAX_SIDE / max(rgb.shape[:2])
            rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        seen_at = arrived - self.transport_s
        video_time, paused = self._on_screen(seen_at)
        analysis = self.engine.analyse(rgb, arrived - self._started_at, colour="rgb")
        analysis = self._calibrated(analysis, arrived)
        self.writer.add(sample_row(analysis, 0, video_time,  # the writer numbers samples
                                   arrived - self._started_at, paused=paused))
        done = self.clock.now()
        with self._ready:
            self._done_times.append(done)
            self.analysed += 1
            self._latencies.append(done - arrived)
            self._latest, self._latest_video_time = analysis, video_time
            self._latest_frame = rgb
            if analysis.face_found:
                self._last_face_at = done
            self._recent.append((video_time, analysis.dominant, analysis.attention))
            while self._recent and self._recent[0][0] < video_time - RECENT_S:
                self._recent.popleft()

    def _calibrated(self, analysis: FrameAnalysis, arrived: float) -> FrameAnalysis:
        """Apply the viewer's calibration; while one is being taken, keep this frame for the
        prompt on screen when it was taken. The calibration state is shared with the page's
        thread: it changes under the lock (``calibrate()`` takes it too), and only the fitting
        runs outside it."""
        prompted: dict[str, list[FrameAnalysis]] | None = None
        with self._ready:
            for prompt, start, end in self._plan:
                if start + SETTLE_S <= arrived < end:
                    self._prompted.setdefault(prompt.emotion, []).append(analysis)
            if self._plan and arrived >= self._plan[-1][2]:
                prompted, self._prompted, self._plan = self._prompted, {}, []
            calibration = self._calibration
        if prompted is not None:
            try:
                calibration = calibrate_guided(prompted, self.viewer,
                                               self.engine.emotion.card.name)
                state = "done"
            except ValueError as exc:
                state = str(exc)
            with self._ready:
                self._calibration_state = state
                if state == "done":
                    self._calibration = calibration
            if state == "done" and calibration.profile and self.on_profile:
                self.on_profile(calibration.profile)
        return calibration.apply(analysis) if calibration else analysis


def annotate(rgb: np.ndarray, analysis: FrameAnalysis, width: int = 320) -> np.ndarray:
    """A small preview: the viewer's face box, dominant emotion and attention."""
    scale = width / rgb.shape[1]
    small = cv2.resize(rgb, (width, int(rgb.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    if analysis.box is not None:
        x0, y0, x1, y1 = (int(v * scale) for v in analysis.box)
        cv2.rectangle(small, (x0, y0), (x1, y1), (120, 220, 120), 2)
        label = f"{analysis.dominant} · att {analysis.attention:.2f}".replace("·", "-")
        cv2.putText(small, label, (x0, max(y0 - 6, 12)), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (120, 220, 120), 1, cv2.LINE_AA)
    return small
