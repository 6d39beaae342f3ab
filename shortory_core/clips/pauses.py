"""Pauses in speech near a short's edge: from the words' gaps, checked against the sound.

Whisper's word times run up to 0.4 s early and often stretch a word over the pause after it
(DESIGN.md §10), so the words alone would put an edge on a syllable. The sound's short-time
level is the judge of *where* a pause is; the words say *which* pause it is (the one after
"charge,") and confirm that a quiet stretch is a gap between words, not a stop inside one.
Without words (music only, an untranscribed video) the level alone finds the quiet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from shortory_core.errors import ShortoryError
from shortory_core.speech.audio import SPEECH_RATE, read_audio
from shortory_core.speech.words import Word

STEP_S = 0.01  # the level's time grid
FRAME_S = 0.03  # each level value is the RMS of this much sound
PAUSE_DB = 25.0  # a pause is this far below the span's speech level…
SILENCE_DBFS = -55.0  # …or below this, whatever the speech level (a silent span is all pause)
FLOOR_DB = 6.0  # in a noisy recording: this much above the noise floor…
MIN_DEPTH_DB = 12.0  # …yet at least this far below the speech
MIN_PAUSE_S = 0.2  # quieter than a stop consonant inside a word ever lasts
MIN_GAP_S = 0.25  # a gap between two words that marks a pause, not a word boundary
EARLY_S = 0.4  # how much earlier than the sound Whisper may place a word
QUIET_DB = 6.0  # without words: the quietest point must be this far below the span's median
QUIET_SMOOTH_S = 0.2  # and stay low this long
GAP_LATE_S = 0.2  # how far past Whisper's start of the next word its sound may still not begin
DIP_S = 0.05  # between two words said without a pause, the sound still dips this long


@dataclass(frozen=True)
class Level:
    """The short-time loudness of ``[start, start + len(db) * STEP_S)`` seconds of a video:
    ``db[i]`` is the level (dBFS) around ``start + i * STEP_S``."""

    start: float
    db: np.ndarray

    def time(self, i: int) -> float:
        return self.start + i * STEP_S

    def index(self, t: float) -> int:
        return int(np.clip(round((t - self.start) / STEP_S), 0, len(self.db) - 1))

    @property
    def quiet_below(self) -> float:
        """The level under which the sound counts as a pause: ``PAUSE_DB`` under the speech
        level (the span's loud tenth), raised to just above a noise floor that never gets that
        quiet (a fan, a street: the span's quietest twentieth) while staying ``MIN_DEPTH_DB``
        under the speech, and never under ``SILENCE_DBFS``, so that silence is a pause."""
        if not len(self.db):
            return SILENCE_DBFS
        speech, floor = (float(v) for v in np.percentile(self.db, [90, 5]))
        noisy = min(floor + FLOOR_DB, speech - MIN_DEPTH_DB)
        return max(speech - PAUSE_DB, noisy, SILENCE_DBFS)

    def quiet_runs(self, min_s: float = MIN_PAUSE_S) -> list[tuple[float, float]]:
        """The stretches that stay below ``quiet_below`` for at least ``min_s``."""
        quiet = np.concatenate([[False], self.db < self.quiet_below, [False]])
        edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
        return [(self.time(int(a)), self.time(int(b)))
                for a, b in zip(edges[::2], edges[1::2], strict=True)
                if (b - a) * STEP_S >= min_s - 1e-9]

    def quietest(self, lo: float, hi: float) -> tuple[float, float] | None:
        """The middle of the quietest ``QUIET_SMOOTH_S`` in ``[lo, hi]`` and how many dB it
        lies below the span's median, or None when nothing there stands out as quiet."""
        found = self._lowest(lo, hi, QUIET_SMOOTH_S)
        if found is None:
            return None
        below = float(np.median(self.db)) - found[1]
        return (found[0], below) if below >= QUIET_DB else None

    def dip(self, lo: float, hi: float) -> float | None:
        """The quietest ``DIP_S`` in ``[lo, hi]`` when it is as quiet as a pause: the breath
        between two words spoken without a pause."""
        found = self._lowest(lo, hi, DIP_S)
        return found[0] if found is not None and found[1] < self.quiet_below else None

    def _lowest(self, lo: float, hi: float, width_s: float) -> tuple[float, float] | None:
        """The time and level of the lowest ``width_s``-long average in ``[lo, hi]``."""
        width = max(1, round(width_s / STEP_S))
        a, b = self.index(lo), self.index(hi) + 1
        if len(self.db) < width or b <= a:
            return None
        smooth = np.convolve(self.db, np.ones(width) / width, mode="same")
        i = a + int(np.argmin(smooth[a:b]))
        return self.time(i), float(smooth[i])


def sound_level(source: Path, start: float, end: float) -> Level | None:
    """The level of ``[start, end)`` of ``source``'s sound, or None for a video without sound
    or with sound that cannot be decoded: a short still renders, only unsnapped."""
    start = max(start, 0.0)
    try:
        samples = read_audio(source, start, end)
    except ShortoryError:  # NoAudio included
        return None
    step, frame = round(STEP_S * SPEECH_RATE), round(FRAME_S * SPEECH_RATE)
    if len(samples) < frame:
        return Level(start, np.zeros(0))
    windows = np.lib.stride_tricks.sliding_window_view(samples, frame)[::step]
    power = np.einsum("ij,ij->i", windows, windows) / frame
    centre = start + (frame / 2) / SPEECH_RATE  # each value describes the middle of its frame
    return Level(centre, 10 * np.log10(power + 1e-10))


@dataclass(frozen=True)
class Pause:
    """A quiet stretch ``[start, end]`` (seconds of the source) between spoken words.

    ``after`` is the word spoken just before it (``""`` when unknown or none); ``confirmed``
    says a gap of at least ``MIN_GAP_S`` between the words agrees with the sound (without
    words, every quiet stretch stands on the level alone and is unconfirmed)."""

    start: float
    end: float
    after: str = ""
    confirmed: bool = False

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2


def find_pauses(level: Level, words: Sequence[Word]) -> list[Pause]:
    """The pauses of ``level``'s span: each quiet stretch of at least ``MIN_PAUSE_S``, named
    after the word before it and confirmed by a word gap where the words have one."""
    gaps = [(a.end, b.start + EARLY_S) for a, b in pairwise(words)
            if b.start - a.end >= MIN_GAP_S]
    pauses = []
    for start, end in level.quiet_runs():
        confirmed = any(start < gap_end and end > gap_start for gap_start, gap_end in gaps)
        pauses.append(Pause(start, end, _word_before(start, words), confirmed))
    return pauses


def _word_before(t: float, words: Sequence[Word]) -> str:
    """The word that ends nearest before-or-around ``t`` among those begun by then: Whisper
    may stretch the word before a pause over it, or start the next one early."""
    begun = [w for w in words if w.start < t]
    return min(begun, key=lambda w: abs(w.end - t)).text if begun else ""


def inside_word(t: float, words: Sequence[Word], pauses: Sequence[Pause]) -> bool:
    """Whether ``t`` falls while a word is spoken: within a word's time (widened by how late
    the sound may come after Whisper's time) and not in a pause the sound shows."""
    if any(p.start <= t <= p.end for p in pauses):
        return False
    return any(w.start <= t <= w.end + EARLY_S for w in words)


def word_gaps(level: Level, words: Sequence[Word], lo: float, hi: float) -> list[tuple[float, str]]:
    """Between each two words in ``[lo, hi]`` said without a pause, the sound's dip, if it
    has one as quiet as a pause: (its time, "the gap between 'files' and 'to'"). The dip is
    looked for from the first word's end to a little past the second's start (Whisper's
    times run early), never into the second word's end."""
    found = []
    for a, b in pairwise(words):
        dip = level.dip(max(a.end, lo), min(max(b.start, a.end) + GAP_LATE_S, b.end, hi))
        if dip is not None:
            found.append((dip, f"the gap between '{a.text}' and '{b.text}'"))
    return found
