"""One viewer watching one project: the clock, the tracks sent to the browser, the webcam
analyser and the sample writer, tied to one reaction session in the store.

Everything lives on this object, which the page keeps in that browser tab's session state:
two tabs are two objects with nothing shared, and no module keeps global state. A refreshed tab
finds its session in the store and resumes it (the next samples continue its numbering, and
the video continues from the last video time recorded).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from shortory_core.errors import ShortoryError
from shortory_core.live.analyser import LiveAnalyser, LiveStatus
from shortory_core.live.clock import PlaybackClock
from shortory_core.live.movie import MovieAudioTrack, MovieVideoTrack
from shortory_core.live.writer import SampleWriter
from shortory_core.reactions.models import note_session_model, project_emotion_card
from shortory_core.records import ReactionSession, SessionKind, SessionStatus
from shortory_core.store import Store
from shortory_core.vision.engine import VisionEngine

IDLE_S = 300.0
HEARTBEAT_S = 5.0  # a watched session says so this often; resuming it elsewhere is refused


class WatchSession:
    def __init__(self, store: Store, session_id: int, engine: VisionEngine | None = None,
                 idle_s: float = IDLE_S) -> None:
        session = store.session(session_id)
        if session is None or session.kind != SessionKind.LIVE:
            raise ShortoryError(f"No live session {session_id}.")
        if session.status == SessionStatus.LIVE and running(session):
            raise ShortoryError(f"Session {session_id} is being watched in another tab.")
        video = store.get_video(session.project_id)
        if video is None:
            raise ShortoryError("This project has no video to watch.")
        self.store = store
        self.session_id = session_id
        self.project_id = session.project_id
        self.viewer = session.viewer
        self.source: Path = store.media_path(video.path)
        self.has_audio = video.has_audio  # probed when the video was imported
        store.compact_samples(session_id)  # a session left open: its flushes become one file
        samples = store.samples(session_id)
        last = samples.slice(len(samples) - 1).to_pylist()[0] if len(samples) else None
        resume_at = last["video_time"] if last else 0.0
        self.clock = PlaybackClock(video.duration, start_at=resume_at)
        self._video_track = MovieVideoTrack(self.source, self.clock)
        self._audio_track: MovieAudioTrack | None = None
        self.writer = SampleWriter(store, session_id,
                                   first_seq=last["seq"] + 1 if last else 0)
        engine = engine or VisionEngine(
            emotion_card=project_emotion_card(store, session.project_id))
        note_session_model(store, session_id, engine.emotion.card)
        self.analyser = LiveAnalyser(
            engine, self.clock, self._video_track.sent, self.writer, viewer=self.viewer,
            profile=store.profile(self.viewer, engine.emotion.card.name),
            on_profile=store.save_profile)
        store.set_session_status(session_id, SessionStatus.LIVE)
        self.suspended = False
        self._idle_s = idle_s
        self._last_look = time.monotonic()
        self._heartbeat_at = -HEARTBEAT_S
        self._closing = threading.Lock()
        self._watchdog = threading.Thread(target=self._watch_idle, daemon=True,
                                          name=f"watch-idle-{session_id}")
        self._watchdog.start()

    @classmethod
    def start(cls, store: Store, project_id: int, viewer: str,
              engine: VisionEngine | None = None, idle_s: float = IDLE_S) -> WatchSession:
        session_id = store.create_session(project_id, viewer.strip() or "Viewer",
                                          SessionKind.LIVE)
        return cls(store, session_id, engine, idle_s)

    def video_track(self) -> MovieVideoTrack:
        """The video for the browser; a new one when the last connection ended it."""
        if self._video_track.readyState == "ended":
            self._video_track = MovieVideoTrack(self.source, self.clock)
            self.analyser.sent = self._video_track.sent  # stamp from the frames now sent
        return self._video_track

    def audio_track(self) -> MovieAudioTrack | None:
        if not self.has_audio:
            return None
        if self._audio_track is None or self._audio_track.readyState == "ended":
            self._audio_track = MovieAudioTrack(self.source, self.clock)
        return self._audio_track

    def status(self) -> LiveStatus:
        """What the page shows; asking is also the page's sign that someone is there, noted
        in the store every ``HEARTBEAT_S`` so no other tab resumes this session meanwhile."""
        now = time.monotonic()
        if now - self._heartbeat_at >= HEARTBEAT_S:
            self.store.touch_session(self.session_id)
            self._heartbeat_at = now
        self._last_look = now
        return self.analyser.status()

    def _release(self) -> None:
        """Write the last samples and let go of threads, tracks and the engine (once). All
        under the lock, and ``suspended`` only at the end: a ``stop`` that comes while the
        watchdog suspends waits for the last samples before it counts them."""
        with self._closing:
            if self.suspended:
                return
            self.clock.pause()
            self.analyser.stop()
            self.writer.close()
            self._video_track.stop()
            if self._audio_track is not None:
                self._audio_track.stop()
            self.suspended = True

    def _watch_idle(self) -> None:
        while not self.suspended:
            time.sleep(min(self._idle_s / 4, 5.0))
            seen = max(self._last_look, self.analyser.last_frame_at)
            if time.monotonic() - seen > self._idle_s:
                self._release()

    def stop(self) -> int:
        """End the session: the last samples are written; returns how many were written. A
        session that never saw the camera (watched with it off) is not kept: it holds no
        reaction, and would only show up as an empty viewer. The session's flushes are
        compacted into one file: a 10-minute session is one Parquet file, not hundreds."""
        self._release()
        kept = self.store.session(self.session_id)
        if kept is not None and kept.n_samples == 0:
            self.store.delete_session(self.session_id)
            return 0
        self.store.compact_samples(self.session_id)
        self.store.set_session_status(self.session_id, SessionStatus.ENDED, ended=True)
        return self.writer.written


def running(session: ReactionSession) -> bool:
    """Whether a live session is being watched right now (in this or another tab)."""
    heartbeat = session.meta.get("heartbeat", 0.0)
    return time.time() - heartbeat < 3 * HEARTBEAT_S


def resumable_sessions(store: Store, project_id: int) -> list[ReactionSession]:
    """Live sessions of the project that were never stopped (a closed tab, a refresh, a
    stopped server) and that nobody is watching now: each can be resumed where its samples
    end. One still running in another tab is not offered: two writers would share it; nor is
    a remote viewer's (``meta.remote``): it belongs to that viewer's browser."""
    return [s for s in store.sessions(project_id)
            if s.kind == SessionKind.LIVE and s.status == SessionStatus.LIVE
            and not running(s) and "remote" not in s.meta]
