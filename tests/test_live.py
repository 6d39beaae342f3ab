"""The live watch session without a browser: the playback clock, the tracks the server plays,
stamping and skipping in the analyser, the batched writer, and two sessions at once."""

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from shortory_core.live.analyser import LiveAnalyser
from shortory_core.live.clock import PlaybackClock
from shortory_core.live.movie import MovieAudioTrack, MovieVideoTrack, SentLog
from shortory_core.live.session import WatchSession, resumable_sessions
from shortory_core.live.writer import SampleWriter
from shortory_core.store import Store
from shortory_core.vision.engine import VisionEngine
from tests.test_studio import frames_at
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
FACE_CLIP = ROOT / "shortory_core/demo/assets/reaction_smile_man.mp4"


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- the clock -----------------------------------------------------------------------------

def test_clock_follows_play_pause_seek_and_remembers_the_past() -> None:
    now = FakeTime()
    clock = PlaybackClock(60.0, now=now)
    assert clock.position() == 0 and not clock.playing()
    clock.play()
    now.now += 5
    assert clock.position() == pytest.approx(5)
    clock.pause()
    now.now += 10
    assert clock.position() == pytest.approx(5) and not clock.playing()
    clock.seek(40)
    clock.play()
    now.now += 3
    assert clock.position() == pytest.approx(43)
    # a frame taken before the seek and analysed now is stamped where the video was then
    assert clock.at(103.0).position == pytest.approx(3) and clock.at(103.0).playing
    assert clock.at(110.0).position == pytest.approx(5) and not clock.at(110.0).playing
    now.now += 100
    assert clock.position() == 60 and not clock.playing()  # the video ended on its last frame
    clock.play()  # play at the end starts over
    now.now += 1
    assert clock.position() == pytest.approx(1)
    clock.seek(-5)
    assert clock.position() == 0
    clock.restart()
    assert clock.playing() and clock.position() == 0


# -- the tracks the server plays -----------------------------------------------------------

def test_video_and_audio_tracks_follow_the_clock(demo_home: Path) -> None:
    store = Store(demo_home)
    source = store.media_path(store.get_video(store.demo_project_id()).path)
    clock = PlaybackClock(120.0)
    video, audio = MovieVideoTrack(source, clock), MovieAudioTrack(source, clock)

    async def run() -> tuple[list, list]:
        clock.play()
        frames = [await video.recv() for _ in range(15)]
        sounds = [await audio.recv() for _ in range(10)]
        clock.seek(42.0)  # the jump scare
        frames += [await video.recv() for _ in range(3)]
        clock.pause()
        sounds += [await audio.recv() for _ in range(3)]
        return frames, sounds

    started = time.monotonic()
    frames, sounds = asyncio.run(run())
    assert time.monotonic() - started >= 0.45  # paced in real time, not a burst
    assert [f.pts for f in frames] == sorted(f.pts for f in frames)
    assert (frames[0].width, frames[0].height) == (640, 360)
    _, sent_at = video.sent.shown_at(clock.now())
    # the last frame came from after the jump, and from no later than where the clock paused
    # (how far past 42 s depends on how busy the machine was)
    assert 42.0 <= sent_at <= clock.position(), (sent_at, clock.position())
    assert video.sent.shown_at(0.0) is None  # nothing was sent before the clock began
    assert np.abs(sounds[5].to_ndarray()).max() > 100  # the show's sound while playing
    assert np.abs(sounds[-1].to_ndarray()).max() == 0  # silence while paused
    [expected] = frames_at(source, [sent_at])
    shown = frames[-1].to_ndarray(format="rgb24")
    assert np.abs(shown.astype(int) - expected.astype(int)).mean() < 12  # the frame sent
    video.stop()
    audio.stop()


def test_the_first_frame_sent_plays_the_video_and_a_reconnection_keeps_a_pause(
        demo_home: Path) -> None:
    """Start connects the stream and plays: the clock runs from the first frame sent, with no
    Play button. A dropped stream reconnects with a new track, which must not undo a pause."""
    store = Store(demo_home)
    source = store.media_path(store.get_video(store.demo_project_id()).path)
    now = FakeTime()
    clock = PlaybackClock(120.0, now=now)
    first, again = MovieVideoTrack(source, clock), MovieVideoTrack(source, clock)

    async def connect(track: MovieVideoTrack) -> None:
        await track.recv()

    assert not clock.playing()
    asyncio.run(connect(first))
    assert clock.playing()
    now.now += 4.0
    assert clock.position() == pytest.approx(4.0)  # the video time advances by itself
    clock.pause()
    asyncio.run(connect(again))
    assert not clock.playing() and clock.position() == pytest.approx(4.0)
    first.stop()
    again.stop()

def test_tracks_keep_timestamps_rising_through_a_stall(demo_home: Path) -> None:
    """The receiver stops pulling for 2 s (a stalled connection, a busy loop). Afterwards the
    timestamps carry on from where real time is, never from zero: a receiver drops frames
    whose timestamps go backwards."""
    store = Store(demo_home)
    source = store.media_path(store.get_video(store.demo_project_id()).path)
    clock = PlaybackClock(120.0)
    video, audio = MovieVideoTrack(source, clock), MovieAudioTrack(source, clock)

    async def run() -> tuple[list[int], list[int], float]:
        clock.play()
        begun = time.monotonic()  # no later than either track's start
        frames = [(await video.recv()).pts for _ in range(5)]
        sounds = [(await audio.recv()).pts for _ in range(5)]
        await asyncio.sleep(2.0)  # the stall
        frames += [(await video.recv()).pts for _ in range(5)]
        sounds += [(await audio.recv()).pts for _ in range(5)]
        return frames, sounds, time.monotonic() - begun

    frames, sounds, lasted = asyncio.run(run())
    video.stop()
    audio.stop()
    for pts, rate in ((frames, 90_000), (sounds, 48_000)):
        assert all(b > a for a, b in itertools.pairwise(pts)), pts
        # the jump is the time that passed: the stall at least, never more than the whole run
        # (measured here, so a slow machine moves both sides alike)
        assert 1.9 <= (pts[5] - pts[4]) / rate <= lasted, (pts, lasted)


# -- the analyser --------------------------------------------------------------------------

def face_frames(count: int) -> list[np.ndarray]:
    import av

    frames = []
    with av.open(str(FACE_CLIP)) as clip:
        for frame in clip.decode(video=0):
            canvas = np.full((480, 640, 3), 50, np.uint8)
            canvas[16:464, 96:544] = frame.to_ndarray(width=448, height=448, format="rgb24")
            frames.append(canvas)
            if len(frames) == count:
                break
    return frames


def test_frames_are_stamped_with_the_video_time_on_screen_and_paused_flagged(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    session_id = store.create_session(store.create_project("p"), "Ada", "live")
    now = FakeTime()
    clock = PlaybackClock(120.0, now=now)
    sent = SentLog()
    writer = SampleWriter(store, session_id, flush_every=0.05)
    analyser = LiveAnalyser(VisionEngine(use_iris=False), clock, sent, writer,
                            transport_s=0.2)
    frames = face_frames(9)
    clock.play()
    # the camera sees the viewer (0.05 s into playing) before the first frame has gone out
    deliver(analyser, frames[8], now.now + 0.05 + 0.2)
    for _ in range(30):  # the server sends frames at 10 fps; the video plays from 0
        now.now += 0.1
        sent.add(now.now, clock.position(), now.now)
    deliver(analyser, frames[0], now.now)  # taken 0.2 s ago: the frame sent then was at 2.8 s
    clock.pause()
    now.now += 1.0
    deliver(analyser, frames[1], now.now)
    read_before_seek = now.now
    now.now += 0.05
    clock.seek(80.0)
    clock.play()
    now.now += 0.3  # a busy machine: a frame read before the seek goes out only after it
    sent.add(now.now - 0.25, 3.0, read_before_seek)
    deliver(analyser, frames[3], now.now)
    for _ in range(20):  # the server streams on from the new position
        now.now += 0.1
        sent.add(now.now, clock.position(), now.now)
    deliver(analyser, frames[2], now.now)
    analyser.stop()
    writer.close()
    first, *rows = store.samples(session_id).to_pylist()
    # playing, but no picture on the screen yet: not on the playing timeline, where its clock
    # time (0.05 s) would come before the first frame's (0.1 s) and run backwards
    assert first["seq"] == 0 and first["paused"] == 1
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["video_time"] == pytest.approx(2.8, abs=0.11)  # within one frame sent
    assert rows[0]["paused"] == 0
    assert rows[1]["video_time"] == pytest.approx(3.0, abs=0.01) and rows[1]["paused"] == 1
    # playing again, but no frame read since has gone out yet: the old picture, standing still
    assert rows[2]["video_time"] == pytest.approx(3.0, abs=0.01) and rows[2]["paused"] == 1
    assert rows[3]["video_time"] == pytest.approx(82.1, abs=0.11) and rows[3]["paused"] == 0
    assert all(r["face_found"] for r in rows) and rows[0]["dominant"]


def deliver(analyser: LiveAnalyser, frame: np.ndarray, at: float) -> None:
    """Hand one frame over and wait until it is analysed."""
    before = analyser.analysed
    analyser.on_frame(frame, arrived=at)
    wait_until(lambda: analyser.analysed > before, "the frame analysed", every=0.005)


def test_a_slow_analyser_skips_frames_instead_of_falling_behind(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    session_id = store.create_session(store.create_project("p"), "Ada", "live")
    clock = PlaybackClock(120.0)
    writer = SampleWriter(store, session_id)
    analyser = LiveAnalyser(VisionEngine(), clock, SentLog(), writer)
    frames = face_frames(10)
    clock.play()
    for i in range(300):  # 300 frames in a burst, far faster than any analysis
        analyser.on_frame(frames[i % len(frames)])
    wait_until(lambda: analyser.thumbnail() is not None, "a frame of the burst analysed")
    status = analyser.status()
    preview = analyser.thumbnail()
    box = (preview[..., 1] > 200) & (preview[..., 0] < 150)  # the green face box drawn on it
    assert preview.shape[1] == 320 and box.sum() > 100
    analyser.stop()
    writer.close()
    assert status.received == 300 and status.skipped > 250
    # only the frames still waiting when the worker was free were analysed, nothing queued
    assert 1 <= writer.written <= 300 - status.skipped


def test_analysis_and_saving_failures_reach_the_viewer(tmp_path: Path) -> None:
    """A frame the engine cannot take (an empty picture) and a session the store refuses
    (deleted under the writer): both show as the status's error, nothing stops, and the next
    good frame is analysed."""
    store = Store(tmp_path / "data")
    session_id = store.create_session(store.create_project("p"), "Ada", "live")
    clock = PlaybackClock(120.0)
    writer = SampleWriter(store, session_id, flush_every=0.05)
    analyser = LiveAnalyser(VisionEngine(use_iris=False), clock, SentLog(), writer)
    clock.play()
    analyser.on_frame(np.zeros((0, 0, 3), np.uint8))
    wait_until(lambda: analyser.status().error, "the failure to reach the status")
    status = analyser.status()
    assert status.failed == 1 and "bug in Shortory" in status.error
    deliver(analyser, face_frames(1)[0], clock.now())  # the worker lives on
    assert analyser.status().latest.face_found
    with store.transaction() as conn:
        conn.execute("DELETE FROM reaction_sessions WHERE id = ?", (session_id,))
    deliver(analyser, face_frames(1)[0], clock.now())
    wait_until(lambda: "not being saved" in analyser.status().error,
               "the writer's failure to reach the status")
    analyser.stop()
    writer.close()  # the batch it cannot write is kept and logged, nothing raises


# -- the writer ----------------------------------------------------------------------------

WRITER_CHILD = """
import sys, threading, time
from pathlib import Path
from shortory_core.live.writer import SampleWriter
from shortory_core.store import Store

said = threading.Lock()

def say(line):
    with said:
        sys.stdout.write(line + "\\n")
        sys.stdout.flush()

store = Store(Path(sys.argv[1]))
commit = store.add_samples

def add_samples(session_id, batch, **key):  # reports each batch once its part is recorded
    commit(session_id, batch, **key)
    say(f"committed {batch[-1]['seq']}")

store.add_samples = add_samples
writer = SampleWriter(store, int(sys.argv[2]), flush_every=0.5)
seq = 0
while True:
    writer.add({"video_time": time.time(), "source_time": 0.0, "paused": 0, "face_found": 0,
                "n_faces": 0, "attention": 0.0})
    say(f"added {seq}")
    seq += 1
    time.sleep(0.01)
"""


def test_killing_the_server_mid_batch_loses_at_most_one_batch(tmp_path: Path) -> None:
    """Killed without a chance to flush, the writer keeps every batch it had committed and
    loses only the samples collected since: told by what the writer reported, not by how
    much time passed, which a busy machine stretches."""
    store = Store(tmp_path / "data")
    session_id = store.create_session(store.create_project("p"), "Ada", "live")
    child = subprocess.Popen([sys.executable, "-c", WRITER_CHILD, str(tmp_path / "data"),
                              str(session_id)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    said: list[list[str]] = []  # ["added" | "committed", seq], whole lines only

    def listen() -> None:
        for line in child.stdout:
            if line.endswith("\n"):
                said.append(line.split())

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    try:
        wait_until(lambda: sum(word == "committed" for word, _ in said) >= 3,
                   "three batches committed", timeout=60)
    finally:
        os.kill(child.pid, signal.SIGKILL)  # no chance to flush
        child.wait()
        listener.join(10)
    added = max(int(seq) for word, seq in said if word == "added")
    committed = max(int(seq) for word, seq in said if word == "committed")
    seqs = [r["seq"] for r in store.samples(session_id).to_pylist()]
    assert seqs == list(range(len(seqs)))  # no hole before the loss
    assert committed < len(seqs) <= added + 1  # every committed batch kept, nothing invented


# -- sessions ------------------------------------------------------------------------------

@contextlib.contextmanager
def streaming(session: WatchSession) -> Iterator[None]:
    """The session's video pulled frame by frame, as the browser's connection pulls it, from
    its first frame on (the analyser stamps samples from the frames sent) until the block
    ends."""
    stop = threading.Event()
    track = session.video_track()

    async def pull() -> None:
        while not stop.is_set():
            await track.recv()

    thread = threading.Thread(target=asyncio.run, args=(pull(),), daemon=True)
    thread.start()
    try:
        wait_until(lambda: track.sent.shown_at(session.clock.now()) is not None,
                   "the first frame sent")
        yield
    finally:
        stop.set()
        thread.join(10)


def test_two_viewers_at_once_keep_separate_correct_sessions(demo_copy: Path) -> None:
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    ada = WatchSession.start(store, project_id, "Ada", VisionEngine(use_iris=False))
    bo = WatchSession.start(store, project_id, "Bo", VisionEngine(use_iris=False))
    frames = face_frames(20)
    began = time.monotonic()  # the clocks' own time
    ada.clock.seek(10.0)
    bo.clock.seek(70.0)
    ada.clock.play()
    bo.clock.play()

    def feed(session: WatchSession) -> None:
        for frame in frames:  # a camera's pace; each frame analysed before the next
            time.sleep(0.05)
            deliver(session.analyser, frame, session.clock.now())

    threads = [threading.Thread(target=feed, args=(s,)) for s in (ada, bo)]
    with streaming(ada), streaming(bo):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    lasted = time.monotonic() - began
    assert ada.stop() == 20 and bo.stop() == 20
    rows = {s.viewer: store.samples(s.session_id).to_pylist() for s in (ada, bo)}
    times = {name: [r["video_time"] for r in rows[name] if not r["paused"]] for name in rows}
    for name in rows:  # frames taken before the first frame sent was on the screen: paused,
        # and never later on the timeline than that first frame
        first = next(r for r in rows[name] if not r["paused"])
        assert all(r["seq"] < first["seq"] and r["video_time"] <= first["video_time"]
                   for r in rows[name] if r["paused"])
    assert len(times["Ada"]) > 5 and len(times["Bo"]) > 5
    # each on its own clock, never ahead of the time the feeding took, however long that was
    assert all(9.9 <= t <= 10 + lasted for t in times["Ada"]), (times["Ada"], lasted)
    assert all(69.9 <= t <= 70 + lasted for t in times["Bo"]), (times["Bo"], lasted)
    assert times["Ada"] == sorted(times["Ada"]) and times["Bo"] == sorted(times["Bo"])
    assert not resumable_sessions(store, project_id)


def test_a_refreshed_tab_resumes_its_session_where_it_stopped(demo_copy: Path) -> None:
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    first = WatchSession.start(store, project_id, "Ada", VisionEngine(use_iris=False))
    first.clock.seek(30.0)
    first.clock.play()
    for frame in face_frames(5):
        deliver(first.analyser, frame, first.clock.now())
    first.analyser.stop()
    first.writer.close()  # the tab closed: the session was never stopped
    [left] = resumable_sessions(store, project_id)
    assert left.id == first.session_id
    again = WatchSession(store, left.id, VisionEngine(use_iris=False))
    assert again.clock.position() == pytest.approx(
        store.samples(left.id).to_pylist()[-1]["video_time"])
    again.clock.play()
    deliver(again.analyser, face_frames(1)[0], again.clock.now())
    again.stop()
    seqs = [r["seq"] for r in store.samples(left.id).to_pylist()]
    assert seqs == list(range(len(seqs))) and len(seqs) >= 2
    [part] = store.sample_parts(left.id)  # resumed and stopped: its flushes are one file
    assert part.name.startswith("compact-") and part.rows == len(seqs)


# -- small parts -----------------------------------------------------------------------------

def test_go_to_accepts_what_people_type() -> None:
    from shortory_core.timefmt import parse_seconds

    assert parse_seconds("1:05") == 65 and parse_seconds(" 42.5 ") == 42.5
    assert parse_seconds("1:02:03") == 3723
    for bad in ("", "abc", "1:75", "-3", "1:2:3:4"):
        with pytest.raises(ValueError, match="not a time"):
            parse_seconds(bad)


def test_ice_servers_come_from_the_environment_or_none(monkeypatch: pytest.MonkeyPatch) -> None:
    from shortory_core.errors import ShortoryError
    from shortory_core.live.ice import rtc_configuration

    monkeypatch.delenv("SHORTORY_ICE_SERVERS", raising=False)
    assert rtc_configuration() == {"iceServers": []}  # no public STUN server, ever, by default
    monkeypatch.setenv("SHORTORY_ICE_SERVERS", '[{"urls": "stun:stun.example.org"}]')
    assert rtc_configuration()["iceServers"][0]["urls"] == "stun:stun.example.org"
    for bad in ("[{", '{"urls": "x"}', '[{"url": "x"}]'):
        monkeypatch.setenv("SHORTORY_ICE_SERVERS", bad)
        with pytest.raises(ShortoryError, match="SHORTORY_ICE_SERVERS"):
            rtc_configuration()


LOOPBACK_CHILD = """
import asyncio
import itertools
import aioice.ice
from aioice.candidate import Candidate
from shortory_core.live.ice import use_loopback_only

use_loopback_only()
print(aioice.ice.get_host_addresses(True, True))

async def main():
    connection = aioice.ice.Connection(ice_controlling=True)
    for host in ("192.168.1.7", "abc.local", "127.0.0.1"):
        await connection.add_remote_candidate(Candidate(
            foundation="1", component=1, transport="udp", priority=1, host=host, port=9,
            type="host"))
    print([c.host for c in connection.remote_candidates])

asyncio.run(main())
"""


def test_loopback_mode_offers_and_accepts_only_127_0_0_1() -> None:
    run = subprocess.run([sys.executable, "-c", LOOPBACK_CHILD], cwd=ROOT, capture_output=True,
                         text=True, check=True)  # its own process: the patch is process-wide
    offered, accepted = run.stdout.strip().splitlines()
    assert offered == "['127.0.0.1']" and accepted == "['127.0.0.1']"


def test_an_abandoned_session_is_suspended_saved_and_resumable(demo_copy: Path) -> None:
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    watch = WatchSession.start(store, project_id, "Gone", VisionEngine(use_iris=False),
                               idle_s=1.0)
    watch.clock.play()
    for frame in face_frames(3):  # each analysed well inside the idle time
        deliver(watch.analyser, frame, watch.clock.now())
    wait_until(lambda: watch.suspended, "the idle session to be suspended", timeout=60)
    assert not watch.analyser._thread.is_alive()
    assert not watch.writer._thread.is_alive() and watch.writer.written >= 1
    assert len(store.samples(watch.session_id)) == watch.writer.written  # nothing left behind
    assert [s.id for s in resumable_sessions(store, project_id)] == [watch.session_id]
    assert watch.stop() == watch.writer.written  # stopping it later still ends it cleanly
    assert store.session(watch.session_id).status == "ended"


def test_a_session_watched_in_one_tab_is_not_offered_to_another(demo_copy: Path) -> None:
    from shortory_core.errors import ShortoryError

    store = Store(demo_copy)
    project_id = store.demo_project_id()
    watching = WatchSession.start(store, project_id, "Ada", VisionEngine(use_iris=False))
    watching.status()  # the page looks: the session is being watched
    assert not resumable_sessions(store, project_id)
    with pytest.raises(ShortoryError, match="another tab"):
        WatchSession(store, watching.session_id, VisionEngine(use_iris=False))
    assert watching.stop() == 0
    assert store.session(watching.session_id) is None  # nothing recorded: no session kept
