"""From comments to ranked moments and clip spans: the crowd signal.

Mentions (every time reference of every comment, replies included) are grouped by a greedy
densest-window search: find the window of ``window`` seconds holding the most mention weight,
make it a moment, remove its mentions, repeat. Unlike chaining neighbouring seconds, a moment
never grows past its window however many mentions sit next to each other, and because each pick
is the heaviest window left, moments come out in falling order of weight.

A moment's time is the **median** of its mentions: the window has already kept the densest
part, and inside it the median ignores a stray early or late mention and is a second viewers
actually wrote (the mean is not; the mode ties on small counts). Its score counts **all** its
mentions, optionally one per author, optionally weighted by likes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from shortory_core.records import Comment
from shortory_core.signals.timestamps import (
    SEPARATOR,
    find_times,
    normalise,
    plain_text,
    within_duration,
)

SNIPPET_CHARS = 60


class Mention(NamedTuple):
    """One time reference in one comment; ``at``/``stop`` locate it in ``text``."""

    seconds: int
    end: int | None
    form: str
    cid: str
    author: str
    likes: int
    is_reply: bool
    text: str
    at: int
    stop: int

    @property
    def snippet(self) -> str:
        """The words around the reference (made on demand: only top comments are shown)."""
        return _snippet(self.text, self.at, self.stop)


@dataclass(frozen=True)
class MomentOptions:
    window: float = 5.0
    top_k: int = 5
    pad: float = 10.0
    unique_authors: bool = False
    like_weighted: bool = False


@dataclass
class Moment:
    """A moment viewers point at; ``start``/``end`` is its clip span (centre ± pad, clamped)."""

    centre: float
    start: float
    end: float
    score: float
    mentions: int
    unique_authors: int
    likes: int
    first: int
    last: int
    comment_ids: list[str]
    top_comments: list[Mention] = field(default_factory=list)
    rank: int = 0


@dataclass
class ClipSpan:
    """A clip to cut: overlapping moment spans merged into one."""

    start: float
    end: float
    score: float
    moments: list[int]  # ranks of the moments it covers


def extract_mentions(comments: Iterable[Comment], duration: float | None = None) -> list[Mention]:
    """Every time reference in ``comments`` (see ``timestamps`` for what counts).

    All texts are joined and scanned in one pass, then each reference is mapped back to its
    comment by position: per-comment Python work is what makes a naive loop slow.
    """
    comments = list(comments)
    if not comments:
        return []
    texts = [c.text for c in comments]
    joined = SEPARATOR.join(texts)
    if joined.count(SEPARATOR) != len(texts) - 1:  # a text held the separator itself
        texts = [t.replace(SEPARATOR, " ") for t in texts]
        joined = SEPARATOR.join(texts)
    offsets = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    refs = within_duration(find_times(normalise(joined)), duration)
    owners = np.searchsorted(offsets, [r.start for r in refs], side="right") - 1
    mentions = []
    for ref, owner in zip(refs, owners.tolist(), strict=True):
        c = comments[owner]
        base = int(offsets[owner])
        mentions.append(Mention(ref.seconds, ref.end, ref.form, c.cid, c.author, c.likes,
                                c.is_reply, c.text, ref.start - base, ref.stop - base))
    return mentions


def like_weight(likes: int) -> float:
    """``1 + ln(1 + likes)``: a 1.2K-like comment counts about eight mentions, not 1,200."""
    return 1.0 + math.log1p(max(likes, 0))


def find_moments(
    mentions: list[Mention], duration: float | None = None,
    options: MomentOptions | None = None,
) -> list[Moment]:
    """The top ``options.top_k`` moments, best first, each with its clip span."""
    options = options or MomentOptions()
    if not mentions or options.top_k <= 0:
        return []
    seconds = np.fromiter((m.seconds for m in mentions), dtype=np.int64, count=len(mentions))
    order = np.argsort(seconds, kind="stable")
    sorted_seconds = seconds[order]
    density = _density(mentions, seconds, options)
    radius = max(int(options.window // 2), 0)
    windows = _window_sums(density, radius)

    taken = np.zeros(len(mentions), dtype=bool)  # by position in sorted order
    candidates: list[Moment] = []
    wanted = options.top_k * 2 + 5  # exact scores may reorder greedy picks slightly
    while len(candidates) < wanted:
        peak = int(np.argmax(windows))
        if windows[peak] <= 1e-9:
            break
        lo, hi = peak - radius, peak + radius
        left = int(np.searchsorted(sorted_seconds, lo, "left"))
        right = int(np.searchsorted(sorted_seconds, hi, "right"))
        members = [mentions[order[i]] for i in range(left, right) if not taken[i]]
        taken[left:right] = True
        density[max(lo, 0):hi + 1] = 0.0
        _refresh(windows, density, radius, lo - radius, hi + radius)
        if members:
            candidates.append(_moment(members, duration, options))
    candidates.sort(key=lambda m: (-m.score, m.centre))
    top = candidates[:options.top_k]
    for rank, moment in enumerate(top, start=1):
        moment.rank = rank
    return top


def merge_clip_spans(moments: list[Moment]) -> list[ClipSpan]:
    """Moments' spans in time order, overlapping ones merged into one clip."""
    spans: list[ClipSpan] = []
    for moment in sorted(moments, key=lambda m: m.start):
        if spans and moment.start <= spans[-1].end:
            last = spans[-1]
            last.end = max(last.end, moment.end)
            last.score += moment.score
            last.moments.append(moment.rank)
        else:
            spans.append(ClipSpan(moment.start, moment.end, moment.score, [moment.rank]))
    return spans


def mention_histogram(mentions: list[Mention], bin_seconds: float, duration: float | None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Counts of mentions per bin, and the bins' left edges, for drawing."""
    top = max([m.seconds for m in mentions] + [duration or 0.0, 1.0])
    edges = np.arange(0.0, top + bin_seconds, bin_seconds)
    counts, _ = np.histogram([m.seconds for m in mentions], bins=edges)
    return counts, edges[:-1]


def _density(mentions: list[Mention], seconds: np.ndarray, options: MomentOptions) -> np.ndarray:
    """Weight per second used to find windows; one author counts once per second when asked."""
    weights = (np.fromiter((like_weight(m.likes) for m in mentions), float, len(mentions))
               if options.like_weighted else np.ones(len(mentions)))
    if options.unique_authors:
        best: dict[tuple[str, int], int] = {}
        for index, mention in enumerate(mentions):
            key = (mention.author, mention.seconds)
            if key not in best or weights[index] > weights[best[key]]:
                best[key] = index
        keep = np.fromiter(best.values(), dtype=np.int64, count=len(best))
        seconds, weights = seconds[keep], weights[keep]
    return np.bincount(seconds, weights=weights).astype(float)


def _window_sums(density: np.ndarray, radius: int) -> np.ndarray:
    padded = np.concatenate([np.zeros(radius + 1), density, np.zeros(radius)])
    cumulative = np.cumsum(padded)
    return cumulative[2 * radius + 1:] - cumulative[:-2 * radius - 1]


def _refresh(windows: np.ndarray, density: np.ndarray, radius: int, lo: int, hi: int) -> None:
    lo, hi = max(lo, 0), min(hi, len(windows) - 1)
    for centre in range(lo, hi + 1):
        windows[centre] = density[max(centre - radius, 0):centre + radius + 1].sum()


def _moment(members: list[Mention], duration: float | None, options: MomentOptions) -> Moment:
    centre = float(np.median([m.seconds for m in members]))
    authors = {m.author for m in members}
    if options.unique_authors:
        per_author: dict[str, float] = {}
        for m in members:
            w = like_weight(m.likes) if options.like_weighted else 1.0
            per_author[m.author] = max(per_author.get(m.author, 0.0), w)
        score = sum(per_author.values())
    elif options.like_weighted:
        score = sum(like_weight(m.likes) for m in members)
    else:
        score = float(len(members))
    ends = [m.end for m in members if m.end is not None]
    end = centre + options.pad
    if ends:  # viewers who wrote a range say where the moment stops
        end = max(end, min(float(np.median(ends)), centre + 3 * options.pad))
    start = max(centre - options.pad, 0.0)
    if duration and duration > 0:
        end = min(end, duration)
    best = sorted(members, key=lambda m: (-m.likes, m.cid))
    seen: set[str] = set()
    top_comments = [m for m in best if not (m.cid in seen or seen.add(m.cid))][:3]
    likes_by_comment = {m.cid: m.likes for m in members}  # a comment's likes count once
    return Moment(
        centre=centre, start=start, end=end, score=score, mentions=len(members),
        unique_authors=len(authors), likes=sum(likes_by_comment.values()),
        first=min(m.seconds for m in members), last=max(m.seconds for m in members),
        comment_ids=sorted({m.cid for m in members}), top_comments=top_comments,
    )


def _snippet(text: str, start: int, stop: int) -> str:
    """The words around a reference, for the moments table."""
    plain = plain_text(text)
    if len(plain) <= SNIPPET_CHARS:
        return plain
    centre = (start + stop) // 2
    lo = max(0, min(centre - SNIPPET_CHARS // 2, len(plain) - SNIPPET_CHARS))
    head = "…" if lo else ""
    tail = "…" if lo + SNIPPET_CHARS < len(plain) else ""
    return head + plain[lo:lo + SNIPPET_CHARS] + tail
