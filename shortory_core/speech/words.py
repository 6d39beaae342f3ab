"""The words of a transcript, in seconds of the source video: what captions, clean cuts, the
speech signal and the transcript cache all pass around.

A transcript with no words says why (``absent``): a video without sound, silence, a missing
speech model. A short still renders then, and its captions say the reason instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    """One spoken word: ``start``/``end`` in seconds of the source video, its text as the model
    wrote it (stripped), and the model's confidence in it."""

    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass(frozen=True)
class Transcript:
    """The words spoken in ``[start, end)`` of the source video, in time order.

    ``language`` is the detected language code (``en``, ``ko``, ``id``…) or ``""`` when none
    was detected; ``absent`` is empty when the span was transcribed, else the reason it has no
    words, in words a user can act on."""

    start: float
    end: float
    words: tuple[Word, ...] = ()
    language: str = ""
    language_probability: float = 0.0
    absent: str = ""

    def within(self, start: float, end: float) -> tuple[Word, ...]:
        """The words that overlap ``[start, end)``."""
        return tuple(w for w in self.words if w.end > start and w.start < end)
