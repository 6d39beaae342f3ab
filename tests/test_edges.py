"""Clean cuts on real speech: a short's edges move to scene cuts and pauses, never into a word,
and each edge says why it moved.

The words are what Whisper base wrote for the talk video's first 30 s
(``fixtures/speech/multilingual_words.json``, made as its ``how`` says), flaws included: its
times run early and it stretched one word over five seconds of speech.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from shortory_core.clips.edges import snap_edges
from shortory_core.clips.scenes import scene_cuts
from shortory_core.speech.audio import SPEECH_RATE, read_audio
from shortory_core.speech.words import Word
from tests.conftest import FACE_CLIPS, SPEECH, TALK_CUT_S

FRAME_S = 1 / 25  # the talk video's frame
SOUND_EARLY_S = 1.5  # the talk's sound this much earlier puts the pause after "conditions,"
# (22.84–23.21 s of the reading) around the cut


@pytest.fixture(scope="module")
def words() -> list[Word]:
    recorded = json.loads((SPEECH / "multilingual_words.json").read_text(encoding="utf-8"))
    return [Word(*word) for word in recorded["words"]]


@pytest.fixture(scope="module")
def cut_in_a_pause(talk_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The talk video with its sound ``SOUND_EARLY_S`` earlier, so that its cut falls in the
    pause after "conditions," (the picture is copied, only the sound is encoded)."""
    from shortory_core.clips.render import ffmpeg_exe, path_arg, run_ffmpeg

    out = tmp_path_factory.mktemp("pause-cut") / "pause_cut.mp4"
    return run_ffmpeg([
        ffmpeg_exe(), "-v", "error", "-y", "-i", path_arg(talk_video),
        "-ss", f"{SOUND_EARLY_S}", "-i", path_arg(SPEECH / "multilingual.mp3"),
        "-map", "0:v", "-map", "1:a", "-t", "55", "-c:v", "copy", "-c:a", "aac",
        "-progress", "pipe:1", "-nostats", "-f", "mp4",
        path_arg(out.with_name(out.name + ".part"))], out, 55.0, what="making the pause-cut video")


def below_speech_db(source: Path, t: float) -> float:
    """How far the sound's level over the 60 ms around ``t`` lies below the speech level of
    the 4 s around it (its loud tenth), in dB: measured here, apart from the code under test."""
    sound = read_audio(source, max(t - 2.0, 0.0), t + 2.0)
    at = round(min(t, 2.0) * SPEECH_RATE)
    hop = SPEECH_RATE // 100
    frames = np.lib.stride_tricks.sliding_window_view(sound, 3 * hop)[::hop]
    speech = np.percentile(10 * np.log10((frames ** 2).mean(axis=1) + 1e-10), 90)
    here = sound[max(at - 3 * hop, 0):at + 3 * hop]
    return float(speech - 10 * np.log10((here ** 2).mean() + 1e-10))


def spoken_at(t: float, words: list[Word]) -> list[str]:
    return [w.text for w in words if w.start < t < w.end]


def test_the_detector_finds_the_hard_cut_within_one_frame(talk_video: Path) -> None:
    cuts = scene_cuts(talk_video, TALK_CUT_S - 1.7, TALK_CUT_S + 1.7)
    assert len(cuts) == 1
    assert abs(cuts[0] - TALK_CUT_S) <= FRAME_S + 1e-6


def test_a_still_speaker_has_no_cut(talk_video: Path) -> None:
    assert scene_cuts(talk_video, 2.0, 9.0) == []


def test_a_scene_cut_within_tolerance_wins_over_a_nearer_pause(
        cut_in_a_pause: Path, words: list[Word]) -> None:
    early = [Word(w.start - SOUND_EARLY_S, w.end - SOUND_EARLY_S, w.text) for w in words]
    asked = 21.6 - SOUND_EARLY_S  # in "to"; the pause after "so," is nearer than the cut
    assert spoken_at(asked, early) == ["to"]
    edges = snap_edges(cut_in_a_pause, asked, 40.0, early)
    assert abs(edges.start.chosen - TALK_CUT_S) <= FRAME_S + 1e-6
    assert edges.start.kind == "scene cut"
    assert below_speech_db(cut_in_a_pause, edges.start.chosen) >= 20  # nobody speaks there
    assert edges.start.why == f"moved +{edges.start.moved:.2f} s to the scene cut at " \
        f"{edges.start.chosen:.2f} s"


def test_a_scene_cut_inside_a_word_loses_to_the_pause_before_it(
        talk_video: Path, words: list[Word]) -> None:
    # the talk's cut (21.5 s) falls inside "subject": the start goes to the pause after "so,"
    edges = snap_edges(talk_video, 21.4, 40.0, words)
    assert edges.start.kind == "pause"
    assert edges.start.why.endswith("into the pause after 'so,'")
    assert 20.9 <= edges.start.chosen <= 21.3
    assert below_speech_db(talk_video, edges.start.chosen) >= 20


@pytest.mark.parametrize(("start", "end", "start_after", "end_after"), [
    (2.2, 8.5, "charge,", "restriction,"),  # both asked mid-word
    (10.6, 12.9, "use,", "merge,"),
])
def test_an_edge_asked_mid_word_moves_into_the_pause_and_low_sound(
        talk_video: Path, words: list[Word], start: float, end: float, start_after: str,
        end_after: str) -> None:
    assert spoken_at(start, words) and spoken_at(end, words)
    edges = snap_edges(talk_video, start, end, words)
    assert edges.start.why.endswith(f"into the pause after '{start_after}'")
    assert edges.end.why.endswith(f"into the pause after '{end_after}'")
    for edge in (edges.start, edges.end):
        assert edge.kind == "pause"
        assert abs(edge.moved) <= 1.5
        assert edge.why.startswith(f"moved {'+' if edge.moved > 0 else '−'}{abs(edge.moved):.2f} s")
        assert below_speech_db(talk_video, edge.chosen) >= 20
        assert not spoken_at(edge.chosen, words)
    # a start sits late in its pause (just before the next word), an end early in its own
    after_start = next(w for w in words if w.start > edges.start.chosen)
    assert after_start.start - edges.start.chosen < 0.4
    before_end = [w for w in words if w.end < edges.end.chosen][-1]
    assert edges.end.chosen - before_end.end < 0.5


@pytest.mark.parametrize("with_words", [True, False])
def test_a_noisy_recording_still_has_its_pauses(
        tmp_path: Path, words: list[Word], with_words: bool) -> None:
    """The reading under steady noise 20 dB below the speech (a fan, a street): no stretch is
    as quiet as a clean recording's pause, yet the pauses stand out above the noise."""
    speech = read_audio(SPEECH / "multilingual.mp3", 0.0, 30.0)
    loud = np.sqrt(np.mean(speech[np.abs(speech) > 0.02] ** 2))
    noise = np.random.default_rng(7).normal(0.0, loud / 10, len(speech))
    noisy = tmp_path / "noisy.wav"
    with wave.open(str(noisy), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SPEECH_RATE)
        out.writeframes((np.clip(speech + noise, -1, 1) * 32767).astype("<i2").tobytes())
    edges = snap_edges(noisy, 2.2, 8.5, words if with_words else [])
    for edge in (edges.start, edges.end):
        assert edge.kind == "pause"
        assert below_speech_db(SPEECH / "multilingual.mp3", edge.chosen) >= 20  # quiet, clean
        assert not spoken_at(edge.chosen, words)


def test_without_words_a_silence_is_found_by_the_sound(talk_video: Path) -> None:
    # the English reading ends near 29.1 s; the German starts near 31.1 s
    edges = snap_edges(talk_video, 5.0, 28.6, [])
    assert edges.end.kind == "pause"
    assert edges.end.why.endswith("into the pause in the sound")
    assert 29.1 <= edges.end.chosen <= 29.5
    assert below_speech_db(talk_video, edges.end.chosen) >= 20


def test_with_nothing_near_the_edge_stays_and_says_why(
        talk_video: Path, words: list[Word]) -> None:
    edges = snap_edges(talk_video, 19.5, 40.0, words, tolerance=0.2)  # in "software"
    assert edges.start.chosen == 19.5
    assert (edges.start.kind, edges.start.why) == ("kept", "kept: no pause within 0.2 s")


def test_a_video_without_sound_keeps_its_edges(tmp_path: Path) -> None:
    edges = snap_edges(FACE_CLIPS / "reaction_smile_man.mp4", 0.5, 2.5, [], tolerance=0.3)
    assert (edges.start.chosen, edges.end.chosen) == (0.5, 2.5)
    assert edges.start.why == "kept: no sound to find a pause in"
    assert json.loads(json.dumps(edges.as_dict()))["end"]["asked"] == 2.5


@pytest.mark.parametrize(("start", "end"), [(2.2, 2.9), (13.05, 13.2), (5.0, 5.01)])
def test_the_start_never_passes_the_end(
        talk_video: Path, words: list[Word], start: float, end: float) -> None:
    edges = snap_edges(talk_video, start, end, words)
    assert edges.start.chosen < edges.end.chosen
    assert edges.end.chosen - edges.start.chosen >= (end - start) / 2 - 1e-6


def test_the_edges_stay_inside_the_video(talk_video: Path, words: list[Word]) -> None:
    edges = snap_edges(talk_video, -3.0, 75.0, words)
    assert edges.start.chosen >= 0.0 and edges.end.chosen <= 60.0 + FRAME_S
    assert edges.start.why == "kept: already at the start of the video"
    with pytest.raises(ValueError, match="empty span"):
        snap_edges(talk_video, 10.0, 10.0, words)


def test_a_snapped_short_never_passes_its_length_cap(talk_video: Path, words: list[Word]
                                                     ) -> None:
    free = snap_edges(talk_video, 3.25, 18.25, words)
    assert free.end.chosen - free.start.chosen > 15.0  # the start moved earlier: 15.3 s
    capped = snap_edges(talk_video, 3.25, 18.25, words, longest=15.0)
    assert capped.start == free.start
    assert capped.end.chosen - capped.start.chosen <= 15.0 + 1e-6
    # the end moves earlier, to a clean point near where the cap puts it, and says why
    overflow = free.end.chosen - free.start.chosen - 15.0
    assert capped.end.chosen >= 18.25 - overflow - 1.5
    assert "within 15 s" in capped.end.why and capped.end.asked == 18.25
