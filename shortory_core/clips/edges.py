"""Clean cuts: each edge of a short moved to the nearest point where nobody is mid-word.

An edge asked at ``t`` may move up to ``tolerance`` seconds, to (in this order of preference)
a scene cut that falls outside any word (or the video's own first or last frame); the nearest
pause in speech (a start just before the next word begins, an end just after the last word),
first those the words' gaps confirm, then those the sound alone shows; when the edge is in a
word and no pause is near, the breath between two words; with no words to go by, the quietest
point nearby. Otherwise it stays. Each edge records the asked time, the chosen one and why, in
words: the render job keeps this in the clip's metadata and the studio shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import av

from shortory_core.clips.pauses import (
    Pause,
    find_pauses,
    inside_word,
    sound_level,
    word_gaps,
)
from shortory_core.clips.scenes import scene_cuts
from shortory_core.errors import ShortoryError
from shortory_core.speech.words import Word

LEAD_S = 0.15  # a start this long before the first word's sound: the breath before it
TAIL_S = 0.25  # an end this long after the last word's sound: its decay, not the next breath
MARGIN_S = 0.5  # sound measured beyond the tolerance, so a pause at its rim is seen whole
Side = Literal["start", "end"]
Kind = Literal["scene cut", "pause", "word gap", "quiet", "kept", "cap"]


@dataclass(frozen=True)
class Edge:
    """One edge of a short: asked and chosen (seconds of the source), what it snapped to and
    why, as the studio shows it ("moved −0.62 s to the scene cut at 21.50 s")."""

    asked: float
    chosen: float
    kind: Kind
    why: str

    @property
    def moved(self) -> float:
        return self.chosen - self.asked


@dataclass(frozen=True)
class Edges:
    """Both edges of a short; ``start < end`` always."""

    start: Edge
    end: Edge

    def as_dict(self) -> dict[str, dict[str, float | str]]:
        """Plain values for a clip's JSON metadata."""
        return {"start": asdict(self.start), "end": asdict(self.end)}


def snap_edges(source: Path, start: float, end: float, words: Sequence[Word], *,
               tolerance: float = 1.5, duration: float | None = None,
               longest: float | None = None) -> Edges:
    """``[start, end)`` of ``source`` with each edge moved to the nearest clean point within
    ``tolerance`` seconds (see the module's docstring). ``words`` are the transcript's words
    near the span (any superset will do; none for music or an untranscribed video).

    The result stays inside ``[0, duration]`` (``None``: the video's own duration), keeps
    at least half the asked length, so the edges never cross however close they were asked,
    and is never longer than ``longest`` (a platform's cap) when given.
    """
    length_of_video = video_duration(source) if duration is None else duration
    start, end = max(start, 0.0), min(end, length_of_video)
    if end <= start:
        raise ValueError(f"an empty span: {start:.2f}–{end:.2f} s")
    shortest = min(end - start, max(0.5, (end - start) / 2))
    first = _snap(source, start, "start", words, tolerance,
                  (max(0.0, start - tolerance), min(start + tolerance, end - shortest)), 0.0)
    latest = min(end + tolerance, length_of_video,
                 first.chosen + longest if longest else length_of_video)
    target = min(end, latest)  # where the end is asked to be, within the cap
    last = _snap(source, target, "end", words, tolerance,
                 (max(target - tolerance, first.chosen + shortest), latest), length_of_video)
    if target < end:  # the cap moved the end first: say so, from where it was asked
        moved = f"moved −{end - last.chosen:.2f} s"
        why = (f"{moved} to keep the short within {longest:g} s" if last.kind == "kept"
               else f"{moved} ({last.why.split(' ', 3)[-1]}) to keep the short within "
                    f"{longest:g} s")
        last = Edge(end, last.chosen, "cap" if last.kind == "kept" else last.kind, why)
    return Edges(first, last)


def video_duration(source: Path) -> float:
    """The video's length in seconds as its container states it (0 when it states none)."""
    try:
        with av.open(str(source)) as container:
            return max(float(container.duration or 0) / 1_000_000, 0.0)
    except (av.error.FFmpegError, OSError) as error:
        raise ShortoryError(f"Cannot read {Path(source).name}: {error}") from None


def _snap(source: Path, asked: float, side: Side, words: Sequence[Word], tolerance: float,
          allowed: tuple[float, float], bound: float) -> Edge:
    """One edge: the best clean point in ``allowed`` (which holds ``asked``); ``bound`` is the
    video's edge on this side (0 or its duration)."""
    lo, hi = allowed
    level = sound_level(source, lo - MARGIN_S, hi + MARGIN_S)
    near = [w for w in words if w.end > lo - MARGIN_S and w.start < hi + MARGIN_S]
    pauses = find_pauses(level, near) if level is not None else []

    def nearest(options: Sequence[tuple[float, str]]) -> tuple[float, str]:
        return min(options, key=lambda option: abs(option[0] - asked))

    cuts = [(t, f"the scene cut at {t:.2f} s")
            for t in scene_cuts(source, lo, hi) if not inside_word(t, near, pauses)]
    if lo <= bound <= hi:  # the video's own first or last frame cuts no word either
        cuts.append((bound, f"the {side} of the video"))
    if cuts:
        return _moved(asked, *nearest(cuts), "scene cut")

    # first the pauses where a gap in the words and the sound agree, then the sound's alone
    for tier in ([p for p in pauses if p.confirmed], [p for p in pauses if not p.confirmed]):
        points = [_pause_point(p, side, lo, hi) for p in tier]
        if any(points):
            return _moved(asked, *nearest([point for point in points if point]), "pause")

    if level is None:
        return Edge(asked, asked, "kept", "kept: no sound to find a pause in")
    if inside_word(asked, near, pauses):  # no pause: the breath between two words, at least
        gaps = word_gaps(level, near, lo, hi)
        if gaps:
            return _moved(asked, *nearest(gaps), "word gap")
    if not near:  # music or untranscribed: the quietest nearby point, if anything is quiet
        quiet = level.quietest(lo, hi)
        if quiet is not None:
            point, below = quiet
            return _moved(asked, point, f"the quietest point nearby ({below:.0f} dB below the "
                          "rest)", "quiet")
    return Edge(asked, asked, "kept", f"kept: no pause within {tolerance:g} s")


def _pause_point(pause: Pause, side: Side, lo: float, hi: float) -> tuple[float, str] | None:
    """Where in ``pause`` an edge goes, if ``[lo, hi]`` reaches it: a start just before the
    sound resumes, an end just after it stops (never past the pause's middle)."""
    first, last = max(pause.start, lo), min(pause.end, hi)
    if first > last:
        return None
    ideal = (max(pause.middle, pause.end - LEAD_S) if side == "start"
             else min(pause.middle, pause.start + TAIL_S))
    return min(max(ideal, first), last), _pause_name(pause)


def _pause_name(pause: Pause) -> str:
    if not pause.after:
        return "the pause in the sound"
    if pause.confirmed:
        return f"the pause after '{pause.after}'"
    return f"the pause the sound shows near '{pause.after}'"


def _moved(asked: float, chosen: float, place: str, kind: Kind) -> Edge:
    """An edge moved to ``place`` ("the scene cut at 21.52 s"), said the way the studio shows it."""
    shift = chosen - asked
    if abs(shift) < 0.005:
        return Edge(asked, round(chosen, 3), kind, f"kept: already at {place}")
    sign = "+" if shift > 0 else "−"
    into = "into" if kind == "pause" else "to"
    return Edge(asked, round(chosen, 3), kind, f"moved {sign}{abs(shift):.2f} s {into} {place}")
