"""The project's video played by the server to the browser, as WebRTC tracks that follow the
session's ``PlaybackClock``.

``st.video`` cannot tell the server where the viewer is, and aiortc's ``MediaPlayer`` cannot
seek; these tracks can do both because they decode the file themselves (PyAV, sequentially,
seeking only on a jump). Each video frame sent is logged with the clock time it left, so the
analyser can look up which frame was on the wire when a webcam frame was taken: the position is
what was sent, not what a timer assumes.

Outgoing frames are scaled to at most ``MAX_SIDE`` pixels: the browser only needs a picture to
watch, and every pixel costs VP8 encoding time on the cores that analyse the webcam.
"""

from __future__ import annotations

import asyncio
import bisect
import fractions
import threading
import time
from collections import deque
from pathlib import Path

import av
import numpy as np
from aiortc import MediaStreamTrack

from shortory_core.live.clock import PlaybackClock
from shortory_core.sources.video_file import quarter_turns

MAX_SIDE = 854
VIDEO_RATE = 90_000
AUDIO_RATE = 48_000
AUDIO_FRAME = 960  # 20 ms, what WebRTC audio codecs packetise
SEEK_AHEAD_S = 1.0  # a forward jump longer than this seeks instead of decoding through
RESYNC_S = 0.1  # audio further than this from the clock jumps to it
STALL_S = 1.0  # a track this late skips ahead instead of bursting


async def _pace(started: float, count: int, period: float) -> int:
    """Wait until frame ``count`` of a track that started at ``started`` is due; returns the
    frame number to send. After a stall longer than ``STALL_S`` the number jumps to the
    present instead of bursting to catch up, so timestamps (``count × period``) keep rising
    by the time that really passed: never backwards, which receivers would drop."""
    wait = started + count * period - time.monotonic()
    if wait > 0:
        await asyncio.sleep(wait)
    elif wait < -STALL_S:
        count = max(count, int((time.monotonic() - started) / period))
    return count


class SentLog:
    """Every frame sent, for the last minute or so: when it left, the video position it
    shows, and the clock time that position was read at (decoding takes a while: on a busy
    machine a frame read before a seek can leave after it)."""

    def __init__(self, size: int = 2000) -> None:
        self._times: deque[float] = deque(maxlen=size)
        self._frames: deque[tuple[float, float]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, sent_at: float, position: float, read_at: float) -> None:
        with self._lock:
            self._times.append(sent_at)
            self._frames.append((read_at, position))

    def shown_at(self, t: float) -> tuple[float, float] | None:
        """(read at, position) of the last frame sent at or before ``t``: what the screen
        showed then, even if the stream stalled (``None`` before the first frame)."""
        with self._lock:
            index = bisect.bisect_right(self._times, t) - 1
            return self._frames[index] if index >= 0 else None


class VideoReader:
    """Frames of a file by position, decoding forward and seeking only on jumps."""

    def __init__(self, path: Path, max_side: int = MAX_SIDE) -> None:
        self._container = av.open(str(path))
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        width, height = self._stream.codec_context.width, self._stream.codec_context.height
        scale = min(1.0, max_side / max(width, height))
        self._scaled = (max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2))
        self._frames = self._container.decode(self._stream)
        self._current: av.VideoFrame | None = None
        self._next: av.VideoFrame | None = None
        first = self._pull()
        self._turns = quarter_turns(first.rotation) if first is not None else 0
        self._next = first
        # the size sent: upright, as a phone's portrait video is meant to be seen
        self.size = self._scaled[::-1] if self._turns % 2 else self._scaled

    def _pull(self) -> av.VideoFrame | None:
        try:
            return next(self._frames)
        except (StopIteration, av.error.EOFError):
            return None

    def _seek(self, position: float) -> None:
        self._container.seek(int(position / self._stream.time_base), stream=self._stream,
                             backward=True)
        self._frames = self._container.decode(self._stream)
        self._current, self._next = self._pull(), None

    def frame_at(self, position: float) -> av.VideoFrame | None:
        """The frame shown at ``position`` seconds, scaled for sending."""
        now = self._current.time if self._current is not None else None
        if now is None or position < now - 0.05 or position > now + SEEK_AHEAD_S:
            self._seek(position)
        while True:
            if self._next is None:
                self._next = self._pull()
            if self._next is None or self._next.time is None or self._next.time > position:
                break
            self._current, self._next = self._next, None
        if self._current is None:
            return None
        if not self._turns:
            return self._current.reformat(width=self._scaled[0], height=self._scaled[1],
                                          format="yuv420p")
        rgb = self._current.to_ndarray(width=self._scaled[0], height=self._scaled[1],
                                       format="rgb24")
        upright = np.ascontiguousarray(np.rot90(rgb, self._turns))
        return av.VideoFrame.from_ndarray(upright, format="rgb24").reformat(format="yuv420p")

    def close(self) -> None:
        self._container.close()


class MovieVideoTrack(MediaStreamTrack):
    """The video, paced at ``fps``, showing the clock's position (the same frame while
    paused). Its first frame starts the clock: a stream is asked for to be watched."""

    kind = "video"

    def __init__(self, path: Path, clock: PlaybackClock, fps: float = 30.0) -> None:
        super().__init__()
        self.clock = clock
        self.sent = SentLog()
        self._fps = fps
        self._reader = VideoReader(path)
        self._lock = threading.Lock()  # decoding runs in worker threads, one at a time
        self._started: float | None = None
        self._count = 0
        self._last: av.VideoFrame | None = None

    def _frame(self, position: float) -> av.VideoFrame | None:
        with self._lock:
            return self._reader.frame_at(position)

    async def recv(self) -> av.VideoFrame:
        if self._started is None:  # the stream has connected: Start plays
            self._started = time.monotonic()
            self.clock.begin()
        self._count = await _pace(self._started, self._count, 1.0 / self._fps)
        read_at = self.clock.now()
        position = self.clock.at(read_at).position
        frame = await asyncio.to_thread(self._frame, position) or self._last
        if frame is None:
            raise av.error.EOFError(0, "the video has no frames")
        self._last = frame
        frame.pts = int(self._count * VIDEO_RATE / self._fps)
        frame.time_base = fractions.Fraction(1, VIDEO_RATE)
        self._count += 1
        self.sent.add(self.clock.now(), position, read_at)
        return frame

    def stop(self) -> None:
        super().stop()
        with self._lock:
            self._reader.close()


class AudioReader:
    """Audio of a file as 48 kHz stereo s16 samples from any position."""

    def __init__(self, path: Path) -> None:
        self._container = av.open(str(path))
        self._stream = self._container.streams.audio[0]
        self._resampler = av.AudioResampler(format="s16", layout="stereo", rate=AUDIO_RATE)
        self._buffer = np.zeros((0, 2), np.int16)
        self._position = -1.0  # the time of the buffer's first sample
        self._skip_to: float | None = None
        self._frames = iter(())

    def _seek(self, position: float) -> None:
        self._container.seek(int(position / self._stream.time_base), stream=self._stream,
                             backward=True)
        self._frames = self._container.decode(self._stream)
        self._buffer = np.zeros((0, 2), np.int16)
        self._position = position
        self._skip_to = position

    def _fill(self, count: int) -> None:
        while len(self._buffer) < count:
            try:
                frame = next(self._frames)
            except (StopIteration, av.error.EOFError):
                pad = np.zeros((count - len(self._buffer), 2), np.int16)  # after the end
                self._buffer = np.concatenate([self._buffer, pad])
                return
            for chunk in self._resampler.resample(frame):
                samples = chunk.to_ndarray().reshape(-1, 2)
                start = chunk.time if chunk.time is not None else self._position
                if self._skip_to is not None:  # a seek lands on a packet before the target
                    drop = int(max(self._skip_to - start, 0) * AUDIO_RATE)
                    samples = samples[drop:]
                    self._skip_to = None
                self._buffer = np.concatenate([self._buffer, samples])

    def samples_at(self, position: float, count: int) -> np.ndarray:
        """``count`` stereo samples starting at ``position`` seconds."""
        if abs(position - self._position) > RESYNC_S:
            self._seek(position)
        self._fill(count)
        out, self._buffer = self._buffer[:count], self._buffer[count:]
        self._position = position + count / AUDIO_RATE
        return out

    def close(self) -> None:
        self._container.close()


class MovieAudioTrack(MediaStreamTrack):
    """The video's sound following the clock: silence while paused."""

    kind = "audio"

    def __init__(self, path: Path, clock: PlaybackClock) -> None:
        super().__init__()
        self.clock = clock
        self._reader = AudioReader(path)
        self._lock = threading.Lock()
        self._started: float | None = None
        self._count = 0

    def _samples(self, position: float) -> np.ndarray:
        with self._lock:
            return self._reader.samples_at(position, AUDIO_FRAME)

    async def recv(self) -> av.AudioFrame:
        if self._started is None:
            self._started = time.monotonic()
        self._count = await _pace(self._started, self._count, AUDIO_FRAME / AUDIO_RATE)
        segment = self.clock.at(self.clock.now())
        if segment.playing:
            samples = await asyncio.to_thread(self._samples, segment.position)
        else:
            samples = np.zeros((AUDIO_FRAME, 2), np.int16)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16",
                                           layout="stereo")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._count * AUDIO_FRAME
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self._count += 1
        return frame

    def stop(self) -> None:
        super().stop()
        with self._lock:
            self._reader.close()
