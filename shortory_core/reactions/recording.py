"""Analysing a recorded reaction video offline, as fast as two cores allow.

Speed comes from four choices, each measured (see ``bench/vision.py``):
- sequential decoding, never seeking per sample (seeking to each sample is about 4× slower);
- when sampling at most half the frame rate, the decoder skips non-reference frames: those
  frames are never needed to decode the others, so the frames kept are exact;
- only frames on screen at a sample time are converted, then scaled so the long side is at most
  ``ANALYSIS_MAX_SIDE`` (webcam faces stay over 100 px: plenty for 64–192 px models). OpenCV's
  area filter does the scaling after a full-size RGB conversion: on 720×1280 frames that is
  0.4 ms a frame, against 1.6 ms for swscale converting and scaling in one step;
- the recording is cut into one contiguous part per engine (one seek each), and each part is
  decoded and analysed in its own thread: PyAV and onnxruntime release the GIL, so both cores
  work at once. An engine's state (tracked face, eye closure) carries on within its part.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np

from shortory_core.errors import SourceError
from shortory_core.sources.video_file import probe_video, quarter_turns
from shortory_core.vision.calibration import Calibration
from shortory_core.vision.engine import FrameAnalysis, VisionEngine

ANALYSIS_MAX_SIDE = 640
Progress = Callable[[float], None]


def sampled_frames(path: Path, fps: float, start: float = 0.0, end: float = float("inf"),
                   max_side: int = ANALYSIS_MAX_SIDE) -> Iterator[tuple[float, np.ndarray]]:
    """(grid time, upright RGB frame) for every time of the ``1/fps`` grid in ``[start, end)``.

    Each sample is the frame *on screen* at its grid time: the last frame presented at or
    before it. A variable-frame-rate recording (phones, browsers) therefore still gives evenly
    spaced samples, a frame held through a gap standing for each grid time it covers. A phone's
    rotation flag (display matrix) is applied, so the face is upright for the models.
    """
    step = 1.0 / fps
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.thread_count = 1  # the parts already run in parallel
        rate = float(stream.average_rate or 0)
        constant = bool(rate) and stream.average_rate == stream.base_rate
        if constant and fps * 2 <= rate:  # never needed to decode others, never on screen long
            stream.codec_context.skip_frame = "NONREF"
        frame_s = 1.0 / rate if rate else step
        known = float(stream.duration * stream.time_base) if stream.duration else None
        if start > 0 and stream.time_base:
            container.seek(int(start / stream.time_base), stream=stream, backward=True)
        next_t = float(np.ceil(start / step - 1e-6) * step) + 0.0  # never -0.0
        shown: av.VideoFrame | None = None
        picture: tuple[av.VideoFrame, np.ndarray] | None = None
        try:
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                while shown is not None and frame.time > next_t + 1e-6:
                    if next_t >= end - 1e-6:
                        return
                    if picture is None or picture[0] is not shown:
                        picture = (shown, upright_rgb(shown, max_side))
                    yield next_t, picture[1]
                    next_t = round(next_t + step, 9)
                shown = frame
            last = shown.time + frame_s if shown is not None else 0.0
            while shown is not None and next_t < min(end, known or last, last) - 1e-6:
                if picture is None or picture[0] is not shown:
                    picture = (shown, upright_rgb(shown, max_side))
                yield next_t, picture[1]
                next_t = round(next_t + step, 9)
        except av.error.FFmpegError as exc:
            raise SourceError(f"{path.name} stopped decoding at {next_t:.1f} s: {exc}") from exc


def upright_rgb(frame: av.VideoFrame, max_side: int) -> np.ndarray:
    """The frame as RGB, turned by its rotation flag and scaled so its long side is at most
    ``max_side`` (OpenCV's area filter after a full-size conversion: measured fastest)."""
    rgb = frame.to_ndarray(format="rgb24")
    turns = quarter_turns(frame.rotation)
    if turns:
        rgb = np.ascontiguousarray(np.rot90(rgb, turns))
    scale = min(1.0, max_side / max(rgb.shape[:2]))
    if scale < 1.0:
        size = (max(2, round(rgb.shape[1] * scale)), max(2, round(rgb.shape[0] * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return rgb


def analyse_recording(
    path: Path,
    engines: list[VisionEngine],
    *,
    fps: float = 5.0,
    progress: Progress | None = None,
    calibration: Calibration | None = None,
) -> list[FrameAnalysis]:
    """Every sample of a recording, in time order; ``t`` is the time in the recording (add
    the offset to get video time). Raises ``SourceError`` for an unreadable video."""
    if fps <= 0:
        raise SourceError("The sampling rate must be above 0 samples per second.")
    path = Path(path)
    duration = probe_video(path).duration
    bounds = np.linspace(0.0, duration, len(engines) + 1)
    bounds[-1] = float("inf")
    parts: list[list[FrameAnalysis]] = [[] for _ in engines]
    failures: list[BaseException] = []
    done = [0.0] * len(engines)
    lock = threading.Lock()

    def work(index: int) -> None:
        engine = engines[index]
        engine.reset()
        try:
            for t, rgb in sampled_frames(path, fps, bounds[index], bounds[index + 1]):
                analysis = engine.analyse(rgb, t, colour="rgb")
                parts[index].append(calibration.apply(analysis) if calibration else analysis)
                if progress:
                    with lock:
                        done[index] = t - bounds[index]
                        progress(min(sum(done) / duration, 1.0) if duration else 0.0)
        except BaseException as exc:  # re-raised in the caller's thread below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,), name=f"reaction-part-{i}")
               for i in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    if progress:
        progress(1.0)
    return [analysis for part in parts for analysis in part]
