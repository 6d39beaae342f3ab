"""Speech cues of a short and the SRT/WebVTT files beside it, read back as a player would."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from shortory_core.clips.subtitles import (
    MAX_CUE_S,
    MAX_WORDS,
    join_words,
    speech_cues,
    write_srt,
    write_vtt,
)
from shortory_core.speech.words import Word

# The opening of tests/fixtures/speech/multilingual.mp3 as faster-whisper (Whisper base,
# int8) times it, in seconds of the recording: (start, end, word).
MIT_OPENING = [Word(*w) for w in (
    (0.00, 0.44, "Permission"), (0.44, 0.64, "is"), (0.64, 0.94, "hereby"),
    (0.94, 1.32, "granted,"), (1.72, 1.90, "free"), (1.90, 2.02, "of"), (2.02, 2.36, "charge,"),
    (2.68, 2.80, "to"), (2.80, 2.96, "any"), (2.96, 3.28, "person"), (3.28, 3.62, "obtaining"),
    (3.62, 3.84, "a"), (3.84, 4.14, "copy"), (4.14, 4.32, "of"), (4.32, 4.40, "this"),
    (4.40, 4.82, "software"), (4.82, 5.18, "and"), (5.18, 5.64, "associated"),
    (5.64, 6.26, "documentation"), (6.26, 6.84, "files"), (6.84, 7.04, "to"),
    (7.04, 7.22, "deal"), (7.22, 7.40, "in"), (7.40, 7.48, "the"), (7.48, 7.86, "software"),
    (7.86, 8.18, "without"), (8.18, 8.68, "restriction,"), (9.00, 9.30, "including"),
)]


def test_cues_follow_the_speech_of_the_short() -> None:
    cues = speech_cues(MIT_OPENING, 0.3, 8.4)
    assert [c.text for c in cues][:3] == [
        "Permission is hereby granted,", "free of charge,", "to any person obtaining"]
    assert all(1 <= len(c.words) <= MAX_WORDS for c in cues)
    assert all(c.end - c.start <= MAX_CUE_S + 1e-9 for c in cues)
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))
    # Times are in the short: "Permission" began before it and keeps only its part inside.
    assert cues[0].start == 0 and cues[0].words[0].end == pytest.approx(0.14)
    assert cues[1].start == pytest.approx(1.72 - 0.3)
    # "restriction," runs past the short's end: clipped there, no cue crosses it.
    assert cues[-1].words[-1].text == "restriction,"
    assert cues[-1].end <= 8.1 + 1e-9 and cues[-1].words[-1].end <= 8.1 + 1e-9
    assert "including" not in " ".join(c.text for c in cues)


def test_cues_break_at_pauses_and_never_leave_one_word_behind_a_full_cue() -> None:
    words = [Word(0.3 * i, 0.3 * i + 0.25, f"w{i}") for i in range(5)]
    words.append(Word(3.0, 3.2, "later"))  # after a 1.6 s pause
    texts = [c.text for c in speech_cues(words, 0.0, 5.0)]
    assert texts == ["w0 w1 w2", "w3 w4", "later"]
    slow = [Word(1.0 * i, 1.0 * i + 0.9, f"s{i}") for i in range(4)]  # four 1 s words
    assert all(c.end - c.start <= MAX_CUE_S for c in speech_cues(slow, 0.0, 4.0))


def test_spaceless_scripts_join_without_spaces() -> None:
    assert join_words(["今日は", "いい", "天気"]) == "今日はいい天気"
    assert join_words(["안녕하세요", "여러분"]) == "안녕하세요 여러분"
    assert join_words(["Hello", "世界"]) == "Hello 世界"


SRT_BLOCK = re.compile(r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n"
                       r"(.+)\n")
VTT_BLOCK = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+)\n")


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def read_srt(path: Path) -> list[tuple[int, float, float, str]]:
    blocks = path.read_bytes().decode("utf-8").split("\n\n")
    parsed = []
    for block in filter(None, blocks):  # an SRT without cues is empty
        match = SRT_BLOCK.fullmatch(block if block.endswith("\n") else block + "\n")
        assert match, f"not an SRT cue: {block!r}"
        g = match.groups()
        parsed.append((int(g[0]), _seconds(*g[1:5]), _seconds(*g[5:9]), g[9]))
    return parsed


def read_vtt(path: Path) -> list[tuple[float, float, str]]:
    header, *blocks = path.read_bytes().decode("utf-8").split("\n\n")
    assert header.rstrip("\n") == "WEBVTT"
    parsed = []
    for block in filter(None, blocks):
        match = VTT_BLOCK.fullmatch(block if block.endswith("\n") else block + "\n")
        assert match, f"not a WebVTT cue: {block!r}"
        g = match.groups()
        parsed.append((_seconds(*g[0:4]), _seconds(*g[4:8]), g[8]))
    return parsed


def test_srt_and_vtt_read_back_with_times_in_the_short(tmp_path: Path) -> None:
    words = [*MIT_OPENING[:4], Word(62.0, 62.5, "안녕하세요"), Word(62.5, 63.1, "<b>&여러분")]
    start, end = 0.3, 3663.5  # past an hour: the hours field counts
    words += [Word(3662.0, 3662.4, "끝"), Word(3662.4, 3663.0, "-->")]
    cues = speech_cues(words, start, end)
    srt = read_srt(write_srt(cues, tmp_path / "short.srt"))
    assert [n for n, *_ in srt] == list(range(1, len(cues) + 1))
    for (_, a, b, text), cue in zip(srt, cues, strict=True):
        assert a == pytest.approx(cue.start, abs=5e-4) and b == pytest.approx(cue.end, abs=5e-4)
        assert text == cue.text.replace("-->", "→")
    # held HOLD_S after its last word (62.8 in the short)
    assert srt[1][1:] == (pytest.approx(61.7), pytest.approx(63.3), "안녕하세요 <b>&여러분")
    assert srt[-1][1] == pytest.approx(3661.7)
    vtt = read_vtt(write_vtt(cues, tmp_path / "short.vtt"))
    assert [(a, b) for a, b, _ in vtt] == [(a, b) for _, a, b, _ in srt]
    assert vtt[1][2] == "안녕하세요 &lt;b&gt;&amp;여러분"


def test_a_short_without_words_gets_empty_files_that_show_nothing(tmp_path: Path) -> None:
    """The files go to a platform with the short: they must not show viewers a reason."""
    assert speech_cues(MIT_OPENING, 30.0, 40.0) == []  # nobody speaks in that span
    assert write_srt([], tmp_path / "a.srt").read_text(encoding="utf-8") == ""
    assert read_vtt(write_vtt([], tmp_path / "a.vtt")) == []
    assert (tmp_path / "a.vtt").read_text(encoding="utf-8").startswith("WEBVTT")
    assert speech_cues(MIT_OPENING, 0.0, 2.0)[0].text == "Permission is hereby granted,"
