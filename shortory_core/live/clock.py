"""The playback clock of one watch session: the single authority on what video time is shown.

The server plays the video itself (``movie.py``), so it does not have to guess the viewer's
position: play, pause, seek and restart change this clock, the outgoing video follows it, and
incoming webcam frames are stamped from it. Every change is kept as a segment, so the position
at any past instant is known exactly, even just after a seek or a pause (a webcam frame that
arrives now was captured a moment ago).

The clock starts paused and runs from the first frame the stream sends (``begin``): the
viewer's one press of Start connects and plays.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_SEGMENTS = 10_000


@dataclass(frozen=True)
class Segment:
    """From ``since`` (clock seconds) on, the video is at ``position`` then, moving if
    ``playing``."""

    since: float
    position: float
    playing: bool


class PlaybackClock:
    """Thread-safe: the page's buttons change it, media and analysis threads read it."""

    def __init__(self, duration: float, now: Callable[[], float] = time.monotonic,
                 start_at: float = 0.0) -> None:
        self.duration = duration
        self._now = now
        self._lock = threading.Lock()
        self._segments = [Segment(now(), self._bound(start_at), False)]
        self._starts = [self._segments[0].since]
        self._begun = False

    def _bound(self, position: float) -> float:
        return min(max(position, 0.0), self.duration)

    def _change(self, position: float | None = None, playing: bool | None = None) -> None:
        with self._lock:
            now = self._now()
            current = self._at(now)
            self._segments.append(Segment(
                now, current.position if position is None else self._bound(position),
                current.playing if playing is None else playing))
            self._starts.append(now)
            if len(self._segments) > MAX_SEGMENTS:
                del self._segments[:-MAX_SEGMENTS], self._starts[:-MAX_SEGMENTS]

    def begin(self) -> None:
        """Play, the first time playback is asked for: the stream has connected. Later calls
        (a dropped stream reconnecting) leave a viewer's pause alone."""
        with self._lock:
            begun, self._begun = self._begun, True
        if not begun:
            self.play()

    def play(self) -> None:
        self._begun = True
        if self.position() >= self.duration:  # at the end, play starts over
            self._change(position=0.0, playing=True)
        else:
            self._change(playing=True)

    def pause(self) -> None:
        self._change(playing=False)

    def seek(self, position: float) -> None:
        self._change(position=position)

    def restart(self) -> None:
        self._begun = True
        self._change(position=0.0, playing=True)

    def _at(self, t: float) -> Segment:
        """Where the video was at clock time ``t``, as a segment starting at ``t``."""
        index = max(bisect.bisect_right(self._starts, t) - 1, 0)
        segment = self._segments[index]
        if not segment.playing:
            return Segment(t, segment.position, False)
        position = segment.position + max(t - segment.since, 0.0)
        if position >= self.duration:  # the video ended: it stays on its last frame
            return Segment(t, self.duration, False)
        return Segment(t, position, True)

    def at(self, t: float) -> Segment:
        with self._lock:
            return self._at(t)

    def changed_at(self, t: float) -> float:
        """The clock time of the last play, pause, seek or restart at or before ``t``."""
        with self._lock:
            return self._starts[max(bisect.bisect_right(self._starts, t) - 1, 0)]

    def position(self) -> float:
        return self.at(self._now()).position

    def playing(self) -> bool:
        return self.at(self._now()).playing

    def now(self) -> float:
        return self._now()
