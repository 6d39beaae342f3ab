"""The words spoken in a span of a video, with their times, by Whisper on this machine.

A user's media never makes this raise: no sound track, silence, music only, a language the
model cannot tell, a missing or damaged model all give a ``Transcript`` without words whose
``absent`` says why, so a short still renders and its captions say the reason. Only a cancel
(the user's own request) raises.

Settings, and why: Silero voice detection (bundled with faster-whisper) drops silence and music
before the model sees them, which is both faster and what stops Whisper from inventing words
over a quiet stretch; no conditioning on the previous text, so one misheard line does not
repeat for a minute; beam 5, Whisper's own default, which is within the 20 s budget for a
60 s short on two cores.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from shortory_core.errors import ShortoryError
from shortory_core.speech.audio import SPEECH_RATE, NoAudio, read_audio
from shortory_core.speech.model import SpeechModelError, load_model
from shortory_core.speech.words import Transcript, Word

log = logging.getLogger(__name__)

LANGUAGE_MIN = 0.5  # below this the detected language is a guess: no words rather than wrong ones
SILENCE_RMS = 1e-4  # a span this quiet throughout is silence, without asking the model
WINDOW_S = 600.0  # a whole video is transcribed this much at a time
OVERLAP_S = 5.0  # either side of a window, so its edge words are heard whole
SETTINGS: dict[str, Any] = {"beam_size": 5, "vad_filter": True, "word_timestamps": True,
                            "condition_on_previous_text": False}

Progress = Callable[[float], None]  # 0–1 of the span; may raise to cancel


class TranscriptionCancelled(ShortoryError):
    """The user asked the transcription to stop."""


def transcribe(source: Path, start: float, end: float, *, language: str | None = None,
               progress: Progress | None = None,
               cancelled: threading.Event | None = None) -> Transcript:
    """The words spoken in ``[start, end)`` seconds of ``source``, in seconds of ``source``.

    ``language`` forces a language (``en``, ``ko``…); by default it is detected from the span's
    first 30 s of speech. ``progress`` hears how far the span is done at each segment's end;
    ``cancelled`` is read between segments (``TranscriptionCancelled``)."""
    try:
        return transcribe_span(source, start, end, language=language, progress=progress,
                               cancelled=cancelled)
    except SpeechModelError as error:
        return _absent(Transcript(start, end), str(error))


def transcribe_span(source: Path, start: float, end: float, *, language: str | None = None,
                    progress: Progress | None = None,
                    cancelled: threading.Event | None = None) -> Transcript:
    """``transcribe``, except that a missing, damaged or failing model raises
    ``SpeechModelError``: what a cache needs, since that is no fact of the video to keep."""
    empty = Transcript(start, end)
    try:
        samples = read_audio(source, start, end)
    except NoAudio:
        return _absent(empty, "The video has no sound track, so there are no words to show.")
    except ShortoryError as error:
        return _absent(empty, f"The video's sound cannot be read: {error}")
    if not len(samples) or float(np.sqrt(np.mean(samples ** 2))) < SILENCE_RMS:
        return _absent(empty, "This part of the video is silent: no speech to show.")
    return _words(load_model(), samples, empty, language, progress, cancelled)


def transcribe_windows(source: Path, start: float, end: float, *, window: float = WINDOW_S,
                      progress: Progress | None = None,
                      cancelled: threading.Event | None = None) -> Transcript:
    """``transcribe_span`` of a long stretch, one window at a time: the sound of a 4-hour video
    never sits in memory whole (a window is 38 MB), and each window detects its own language,
    so a talk that changes language is heard in each. Windows meet in a pause between words
    (the widest near the window's end), each heard with ``OVERLAP_S`` of sound around it, so
    no word is cut, lost or counted twice. The language reported is that of the window with
    the most words."""
    pieces: list[Transcript] = []
    words: list[Word] = []
    cut = start
    while cut < end:
        high = min(cut + window, end)
        piece = transcribe_span(source, max(cut - OVERLAP_S, start), min(high + OVERLAP_S, end),
                                cancelled=cancelled)
        following = end if high >= end else _pause_near(piece.words, high)
        words += [w for w in piece.words if cut <= (w.start + w.end) / 2 < following]
        pieces.append(piece)
        cut = following
        if progress is not None:
            progress((cut - start) / (end - start))
    if not words:
        return _absent(Transcript(start, end), pieces[0].absent if pieces else
                       "The video has no length to transcribe.")
    main = max(pieces, key=lambda piece: len(piece.words))
    return Transcript(start, end, tuple(words), main.language, main.language_probability)


def _pause_near(words: tuple[Word, ...], at: float) -> float:
    """The middle of the widest pause between words near ``at`` (from ``OVERLAP_S`` before it
    to half that after), or ``at`` itself in speech without a pause there."""
    gaps = [(b.start - a.end, (a.end + b.start) / 2) for a, b in pairwise(words)]
    near = [g for g in gaps if at - OVERLAP_S <= g[1] <= at + OVERLAP_S / 2]
    return max(near)[1] if near else at


def _words(model: Any, samples: np.ndarray, empty: Transcript, language: str | None,
           progress: Progress | None, cancelled: threading.Event | None) -> Transcript:
    """Run the model over ``samples`` and turn its segments into ``Word``s of the source."""
    _check(cancelled)
    try:
        segments, info = model.transcribe(samples, language=language, **SETTINGS)
    except Exception as error:  # ctranslate2 raises plain RuntimeErrors for a broken model
        log.warning("speech model failed", exc_info=True)
        raise SpeechModelError(f"The speech model failed on this span ({error}).") from None
    if language is None and info.language_probability < LANGUAGE_MIN:
        return _absent(empty, "The speech model cannot tell which language is spoken here "
                              f"(best guess {info.language!r} at {info.language_probability:.0%}), "
                              "so no words are shown.", info.language, info.language_probability)
    duration = len(samples) / SPEECH_RATE
    words = tuple(_collect(segments, empty.start, duration, progress, cancelled))
    heard = Transcript(empty.start, empty.end, words, info.language,
                       float(info.language_probability))
    if not words:
        return _absent(heard, "No speech was heard in this part of the video (silence, music "
                              "or noise).", info.language, info.language_probability)
    return heard


def _collect(segments: Iterable[Any], offset: float, duration: float,
             progress: Progress | None, cancelled: threading.Event | None) -> Iterable[Word]:
    _check(cancelled)
    for segment in segments:  # each segment is decoded as the loop asks for it
        _check(cancelled)
        for w in segment.words or ():
            text = w.word.strip()
            if text:
                yield Word(round(offset + max(float(w.start), 0.0), 3),
                           round(offset + min(float(w.end), duration), 3), text,
                           float(w.probability))
        if progress is not None:
            progress(min(segment.end / duration, 1.0) if duration else 1.0)


def _check(cancelled: threading.Event | None) -> None:
    if cancelled is not None and cancelled.is_set():
        raise TranscriptionCancelled("The transcription was cancelled.")


def _absent(empty: Transcript, why: str, language: str = "",
            probability: float = 0.0) -> Transcript:
    return Transcript(empty.start, empty.end, (), language, float(probability), why)
