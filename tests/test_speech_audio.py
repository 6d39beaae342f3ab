"""Reading a span of a video's sound: aligned with the whole, and a clear error without sound."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shortory_core.speech.audio import SPEECH_RATE, NoAudio, read_audio
from tests.conftest import FACE_CLIPS, SPEECH


def test_a_span_is_the_same_sound_as_that_part_of_the_whole() -> None:
    whole = read_audio(SPEECH / "multilingual.mp3")
    assert len(whole) / SPEECH_RATE == pytest.approx(60.0, abs=0.2)
    for start in (0.5, 10.3, 33.7):
        span = read_audio(SPEECH / "multilingual.mp3", start, start + 2.0)
        assert len(span) == pytest.approx(2 * SPEECH_RATE, abs=2)
        at = round(start * SPEECH_RATE)
        lags = range(-400, 401, 4)  # ±25 ms: a decoder restarted mid-stream differs slightly
        error = [np.abs(whole[at + lag:at + lag + len(span)] - span).mean() for lag in lags]
        assert abs(lags[int(np.argmin(error))]) <= 8  # within half a millisecond


def test_speech_is_louder_than_the_pause_after_it() -> None:
    sound = read_audio(SPEECH / "multilingual.mp3", 0.0, 30.0)
    assert 0.05 < float(np.abs(sound).max()) <= 1.0


def test_a_video_without_sound_says_so(tmp_path: Path) -> None:
    with pytest.raises(NoAudio, match="no sound track"):
        read_audio(FACE_CLIPS / "reaction_smile_man.mp4")
