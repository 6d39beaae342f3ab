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


def peak_label(peak: Peak) -> str:
    return f"{peak.kind} · {format_seconds(peak.time)}"


def render_peaks(service: JobService, project_id: int, peaks: list[Peak],
                 mentions: MentionsByTime, options: ShortOptions | None = None) -> list[int]:
    """Keep the peaks as the project's highlight moments and queue one clip per peak, filed
    under its emotion; returns the clip ids."""
    options = options or ShortOptions()
    service.store.replace_moments(project_id, "highlights", [
        {"start": p.start, "end": p.end, "centre": p.time, "score": p.score,
         "label": peak_label(p), "kind": p.kind, "prominence": p.prominence,
         "attention": p.attention}
        for p in peaks
    ])
    ids: list[int] = []
    for peak in peaks:
        top = mentions.nearby(peak.start, peak.end, limit=1)
        caption = None
        if options.captions:
            caption = (f"{peak.kind} · {peak.score:.2f}", top[0].text if top else "")
        request = ClipRequest(
            peak.start, peak.end, peak.score, peak_label(peak), vertical=options.vertical,
            caption=caption,
            meta={"emotion": peak.kind, "peak_time": peak.time, "prominence": peak.prominence,
                  "attention": peak.attention, "top_comment": top[0].text if top else ""},
        )
        ids += queue_clips(service, project_id, peak.kind, [request], mode=options.mode)
    return ids
