"""From picked peaks to queued shorts: what each clip is cut for, and the words on it.

A peak's clip carries its emotion (or "fused" / "picked"), its score and attention, and the
best comment said about that part of the video, which becomes the clip's caption when asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shortory_core.clips.render import Mode
from shortory_core.clips.rendering import ClipRequest, queue_clips
from shortory_core.highlights.peaks import Peak
from shortory_core.jobs import JobService
from shortory_core.signals.mentions import Mention, Mentions
from shortory_core.timefmt import format_seconds

MAX_NEARBY = 3


@dataclass(frozen=True)
class ShortOptions:
    mode: Mode = "exact"
    vertical: bool = False
    captions: bool = False


class MentionsByTime:
    """Mentions sorted by the time they point at, so each peak finds its comments by bisection
    (a 2-hour video can carry 100,000 of them, and the studio asks for every peak)."""

    def __init__(self, mentions: Mentions) -> None:
        self.mentions = mentions
        self.order = np.argsort(mentions.seconds, kind="stable")
        self.seconds = mentions.seconds[self.order]

    def __len__(self) -> int:
        return len(self.mentions)

    def nearby(self, start: float, end: float, limit: int = MAX_NEARBY) -> list[Mention]:
        """The most liked comments that point into ``[start, end]``, one per comment."""
        lo = int(np.searchsorted(self.seconds, start, "left"))
        hi = int(np.searchsorted(self.seconds, end, "right"))
        inside = self.order[lo:hi]
        _, first = np.unique(self.mentions.owner[inside], return_index=True)
        picks = inside[np.sort(first)]  # each comment's first mention, in time order
        best = np.lexsort((self.mentions.seconds[picks], -self.mentions.likes[picks]))[:limit]
        return [self.mentions.mention(int(i)) for i in picks[best]]


@dataclass
class Short:
    """One clip to cut for one or more peaks whose spans overlap by more than half."""

    start: float
    end: float
    peaks: list[Peak]

    @property
    def best(self) -> Peak:
        return max(self.peaks, key=lambda p: p.score)

    @property
    def kinds(self) -> list[str]:
        """Every emotion the short carries, the strongest first, each once."""
        ordered = sorted(self.peaks, key=lambda p: -p.score)
        return list(dict.fromkeys(p.kind for p in ordered))

    def why(self) -> str:
        """Why these peaks became one short, in words (empty for a single peak)."""
        if len(self.peaks) < 2:
            return ""
        names = ", ".join(f"{p.kind} at {format_seconds(p.time)}" for p in self.peaks)
        return (f"{names}: their clips overlap by more than half, so they are one short "
                f"({format_seconds(self.start)}–{format_seconds(self.end)}).")


def merge_overlapping(peaks: list[Peak]) -> list[Short]:
    """Peaks as shorts: a peak whose clip overlaps a short's by more than half of the shorter
    of the two joins that short (two near-identical shorts are one short, which lists every
    emotion in it); in time order."""
    shorts: list[Short] = []
    for peak in sorted(peaks, key=lambda p: (p.start, p.end)):
        for short in shorts:
            overlap = min(short.end, peak.end) - max(short.start, peak.start)
            shorter = min(short.end - short.start, peak.end - peak.start)
            if shorter > 0 and overlap > 0.5 * shorter:
                short.start, short.end = min(short.start, peak.start), max(short.end, peak.end)
                short.peaks.append(peak)
                break
        else:
            shorts.append(Short(peak.start, peak.end, [peak]))
    return shorts


def render_peaks(service: JobService, project_id: int, peaks: list[Peak],
                 mentions: MentionsByTime, options: ShortOptions | None = None) -> list[int]:
    """Queue one clip per short (``merge_overlapping``), filed under its strongest emotion;
    returns the clip ids."""
    options = options or ShortOptions()
    ids: list[int] = []
    for short in merge_overlapping(peaks):
        peak = short.best
        kinds = short.kinds
        top = mentions.nearby(short.start, short.end, limit=1)
        caption = None
        if options.captions:
            caption = (f"{' + '.join(kinds)} · {peak.score:.2f}", top[0].text if top else "")
        label = f"{' + '.join(kinds)} · {format_seconds(peak.time)}"
        request = ClipRequest(
            short.start, short.end, peak.score, label, vertical=options.vertical,
            caption=caption,
            meta={"emotion": peak.kind, "emotions": kinds, "peak_time": peak.time,
                  "prominence": peak.prominence, "attention": peak.attention,
                  "top_comment": top[0].text if top else "", "merged": short.why()},
        )
        ids += queue_clips(service, project_id, peak.kind, [request], mode=options.mode)
    return ids
