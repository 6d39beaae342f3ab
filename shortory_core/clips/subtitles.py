"""The spoken words of one short as caption cues, and the SRT and WebVTT files beside it.

Words come in seconds of the source video; a short is ``[start, end)`` of it. Cues are what a
viewer reads at once: 2–4 words, broken where the speaker pauses or a phrase ends, never
longer than ``MAX_CUE_S`` and never across the short's edges, timed from the short's start
(0 = its first frame), which is what players and upload forms expect of a file beside a clip.

A short with no words still gets its files, empty (an SRT without cues, a WebVTT with its
header alone): they travel with the short to a platform, where any text in them would be shown
to viewers. Why there are none is said where the creator looks: the clip's notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from shortory_core.speech.words import Word

MIN_WORDS, MAX_WORDS = 2, 4
PAUSE_S = 0.6  # a longer silence between two words ends a cue
MAX_CUE_S = 3.0
HOLD_S = 0.5  # a cue stays up this long after its last word, unless the next one starts
MIN_CUE_S = 0.2  # shorter cues flash by unread (kept only where the short ends sooner)
# A cue ends after a word that closes a phrase (Latin and CJK marks).
PHRASE_END = frozenset(".,!?;:…。，、！？；：")


@dataclass(frozen=True)
class Cue:
    """What is shown from ``start`` to ``end`` (seconds of the short): ``text``, the
    ``words`` with their times in the short."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


def speech_cues(words: Sequence[Word], start: float, end: float) -> list[Cue]:
    """The cues of the short ``[start, end)`` (source seconds) from the transcript's ``words``.

    Words are clipped to the short and shifted so that 0 is its start; a word spoken over an
    edge keeps the part inside. Cues hold ``MIN_WORDS``–``MAX_WORDS`` words unless a pause,
    the end of a phrase or ``MAX_CUE_S`` closes one sooner."""
    duration = end - start
    groups = _groups(_clipped(words, start, end))
    cues = []
    for n, group in enumerate(groups):
        following = groups[n + 1][0].start if n + 1 < len(groups) else duration
        cue_start = group[0].start
        cue_end = min(max(group[-1].end + HOLD_S, cue_start + MIN_CUE_S), following,
                      cue_start + MAX_CUE_S, duration)
        kept = tuple(replace(w, end=min(w.end, cue_end)) for w in group)
        cues.append(Cue(cue_start, cue_end, join_words(w.text for w in kept), kept))
    return cues


def _groups(words: Sequence[Word]) -> list[list[Word]]:
    """Words in reading groups. A group closes after ``MAX_WORDS`` words, at a pause, after a
    phrase's last word, or before it would last over ``MAX_CUE_S``; a group left with fewer
    than ``MIN_WORDS`` only because the one before it was full takes that one's last word."""
    groups: list[list[Word]] = []
    full: list[bool] = []  # whether each group was closed only by its word count
    for word in words:
        group = groups[-1] if groups else None
        if group is None or (word.start - group[-1].end > PAUSE_S
                             or word.end - group[0].start > MAX_CUE_S
                             or group[-1].text[-1] in PHRASE_END):
            groups.append([word])
            full.append(False)
        elif len(group) >= MAX_WORDS:
            full[-1] = True
            groups.append([word])
            full.append(False)
        else:
            group.append(word)
    for n in range(1, len(groups)):
        before, group = groups[n - 1], groups[n]
        while (full[n - 1] and len(group) < MIN_WORDS and len(before) > MIN_WORDS
               and group[-1].end - before[-1].start <= MAX_CUE_S):
            group.insert(0, before.pop())
    return groups


def _clipped(words: Sequence[Word], start: float, end: float) -> list[Word]:
    """The words inside ``[start, end)``, cut to it, in the short's time, in order and not
    overlapping (Whisper's times may step back a little)."""
    kept: list[Word] = []
    for word in sorted(words, key=lambda w: w.start):
        text = " ".join(word.text.split())
        first = max(word.start, start, start + (kept[-1].end if kept else 0.0)) - start
        last = min(word.end, end) - start
        if text and last > first:
            kept.append(Word(first, last, text, word.probability))
    return kept


def _spaceless(char: str) -> bool:
    """Scripts written without spaces between words (Han, kana, Thai; not Hangul)."""
    code = ord(char)
    return (0x3000 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF or 0x0E00 <= code <= 0x0E7F)


def joiner(left: str, right: str) -> str:
    """What goes between two words: a space, or nothing between words of a spaceless script."""
    return "" if left and right and _spaceless(left[-1]) and _spaceless(right[0]) else " "


def join_words(texts: Iterable[str]) -> str:
    """Words as one line of text, spaced as their script is written."""
    line = ""
    for text in texts:
        line = f"{line}{joiner(line, text)}{text}" if line else text
    return line


def _clock(seconds: float, separator: str) -> str:
    ms = max(round(seconds * 1000), 0)
    return (f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}"
            f"{separator}{ms % 1000:03d}")


def _one_line(text: str) -> str:
    """Cue text on one line: a blank line would end the cue, and ``-->`` is the timing's."""
    return " ".join(text.split()).replace("-->", "→")


def write_srt(cues: Sequence[Cue], path: Path) -> Path:
    """SubRip: numbered cues from 1, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, UTF-8."""
    blocks = [f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{_one_line(c.text)}\n"
              for n, c in enumerate(cues, 1)]
    return _write(path, "\n".join(blocks))


def write_vtt(cues: Sequence[Cue], path: Path) -> Path:
    """WebVTT: the ``WEBVTT`` header, ``HH:MM:SS.mmm --> HH:MM:SS.mmm`` cues, text with its
    ``&``, ``<`` and ``>`` escaped (they start entities and tags there), UTF-8."""
    blocks = ["WEBVTT\n"] + [
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{_vtt_text(c.text)}\n" for c in cues]
    return _write(path, "\n".join(blocks))


def _vtt_text(text: str) -> str:
    return re.sub(r"[&<>]", lambda m: {"&": "&amp;", "<": "&lt;", ">": "&gt;"}[m[0]],
                  _one_line(text))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
