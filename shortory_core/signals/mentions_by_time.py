"""Mentions sorted by the video time they point at: each moment (a peak, a short, a span
being scored) finds its comments by bisection instead of a scan."""

from __future__ import annotations

import numpy as np

from shortory_core.signals.mentions import Mention, Mentions

MAX_NEARBY = 3


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
