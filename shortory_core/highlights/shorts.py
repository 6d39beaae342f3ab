"""From picked peaks to queued shorts: what each clip is cut for, and the words on it.

A peak's clip carries its emotion (or "fused" / "picked"), its score and attention, and the
best comment said about that part of the video, which becomes the clip's caption when asked.

No short is longer than a cap (``MAX_SHORT_S`` by default, what the platforms take): peaks
merge only while the merged short fits it, and one longer pick is trimmed around its peak.
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
MAX_SHORT_S = 60.0  # YouTube Shorts' and Instagram Reels' limit


@dataclass(frozen=True)
class ShortOptions:
    mode: Mode = "exact"
    vertical: bool = False
    captions: bool = False
    max_length_s: float = MAX_SHORT_S
    merge: bool = True  # False: each peak is its own short


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
    trimmed_from: tuple[float, float] | None = None  # a single pick longer than the cap

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

    def trim_note(self) -> str:
        """Why the short is shorter than its pick, in words (empty when it is not)."""
        if self.trimmed_from is None:
            return ""
        start, end = self.trimmed_from
        return (f"{format_seconds(start)}–{format_seconds(end)} is longer than the cap: cut "
                f"{format_seconds(self.start)}–{format_seconds(self.end)} around its peak at "
                f"{format_seconds(self.best.time)}.")


def capped(peak: Peak, max_length_s: float) -> Short:
    """A peak's own short, trimmed to ``max_length_s`` centred on its peak time (moved inside
    the pick where the peak sits near an edge)."""
    if peak.end - peak.start <= max_length_s:
        return Short(peak.start, peak.end, [peak])
    start = min(max(peak.time - max_length_s / 2, peak.start), peak.end - max_length_s)
    return Short(start, start + max_length_s, [peak], trimmed_from=(peak.start, peak.end))


def merge_overlapping(peaks: list[Peak], max_length_s: float = MAX_SHORT_S,
                      merge: bool = True) -> list[Short]:
    """Peaks as shorts, none longer than ``max_length_s``, in time order: a peak whose clip
    overlaps a short's by more than half of the shorter of the two joins that short (two
    near-identical shorts are one short, which lists every emotion in it), unless the joined
    short would pass the cap; then the two stay apart. ``merge=False``: one short per peak."""
    shorts: list[Short] = []
    for peak in sorted(peaks, key=lambda p: (p.start, p.end)):
        own = capped(peak, max_length_s)
        for short in shorts if merge else []:
            start, end = min(short.start, own.start), max(short.end, own.end)
            overlap = min(short.end, own.end) - max(short.start, own.start)
            shorter = min(short.end - short.start, own.end - own.start)
            if shorter > 0 and overlap > 0.5 * shorter and end - start <= max_length_s:
                short.start, short.end = start, end
                short.peaks.append(peak)
                break
        else:
            shorts.append(own)
    return shorts


def plan_shorts(peaks: list[Peak], options: ShortOptions) -> list[Short]:
    """The shorts ``render_peaks`` cuts for ``peaks``: what a page counts on its button."""
    return merge_overlapping(peaks, options.max_length_s, options.merge)


def render_peaks(service: JobService, project_id: int, peaks: list[Peak],
                 mentions: MentionsByTime, options: ShortOptions | None = None) -> list[int]:
    """Queue one clip per short (``plan_shorts``); returns the clip ids."""
    options = options or ShortOptions()
    return render_shorts(service, project_id, plan_shorts(peaks, options), mentions, options)


def render_shorts(service: JobService, project_id: int, shorts: list[Short],
                  mentions: MentionsByTime, options: ShortOptions) -> list[int]:
    """Queue one clip per short, filed under its strongest emotion; returns the clip ids."""
    ids: list[int] = []
    for short in shorts:
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
                  "top_comment": top[0].text if top else "", "merged": short.why(),
                  "trimmed": short.trim_note()},
        )
        ids += queue_clips(service, project_id, peak.kind, [request], mode=options.mode)
    return ids
