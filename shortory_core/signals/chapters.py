"""Chapter lists: a comment that is a table of contents, not a vote.

Viewers often post the chapters of a long video: "0:00 Intro / 1:23 Opening statements /
…", ten to thirty lines. Counted as mentions, one such comment casts a vote on every line,
and on a real debate one list fed five of the top ten moments. A chapter list says where
things are, not which moment is worth a clip, so its references cast **no** vote at all
(one vote would have to pick a line, and the one a list starts with is "0:00 Intro"). Its
times and titles become chapter markers on the timeline instead, beside YouTube's own.

A comment is a chapter list when it names at least ``MIN_TIMES`` distinct times, mostly in
time order (``IN_ORDER``), and either mostly one per line (``OWN_LINE``) or so many
(``MANY_TIMES``) that no single viewer's list of favourite moments looks like it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from shortory_core.records import Chapter
from shortory_core.signals.mentions import Mention, Mentions

MIN_TIMES = 5
MANY_TIMES = 10
IN_ORDER = 0.8  # share of successive times that rise
OWN_LINE = 0.7  # share of successive times with a line break between them
SAME_MARKER_S = 3.0  # markers closer than this are one chapter
TITLE_CHARS = 60
_TITLE_EDGES = " \t-–—:|.,;)]>*•·"

Source = Literal["video", "comments"]


@dataclass(frozen=True)
class ChapterMarker:
    """A chapter start on the timeline: ``seconds`` of the source video and its title, from
    the video's own chapters or from a viewer's chapter list."""

    seconds: float
    title: str
    source: Source


@dataclass(frozen=True)
class ChapterList:
    """One comment that lists chapters, with its entries in time order."""

    cid: str
    likes: int
    entries: tuple[ChapterMarker, ...]


def chapter_list_rows(mentions: Mentions) -> np.ndarray:
    """The comments (rows of ``mentions.comments``) whose references form a chapter list."""
    spans = _spans_by_comment(mentions)
    texts = mentions.comments.column("text")
    rows = []
    for row, lo, hi in spans:
        seconds = mentions.seconds[lo:hi]
        if len(np.unique(seconds)) < MIN_TIMES or np.mean(np.diff(seconds) > 0) < IN_ORDER:
            continue
        if len(np.unique(seconds)) < MANY_TIMES:
            data = texts[row].as_py().encode("utf-8")
            gaps = zip(mentions.stop[lo:hi - 1].tolist(), mentions.start[lo + 1:hi].tolist(),
                       strict=True)
            if np.mean([b"\n" in data[a:b] for a, b in gaps]) < OWN_LINE:
                continue
        rows.append(row)
    return np.array(rows, np.int64)


def votes(mentions: Mentions) -> Mentions:
    """The references that count as votes for a moment: all but those of chapter lists."""
    rows = chapter_list_rows(mentions)
    return mentions.subset(~np.isin(mentions.owner, rows)) if len(rows) else mentions


def chapter_lists(mentions: Mentions) -> list[ChapterList]:
    """Every chapter list among the comments, the most liked first."""
    lists = []
    for row in chapter_list_rows(mentions).tolist():
        found = [mentions.mention(int(i)) for i in np.flatnonzero(mentions.owner == row)]
        entries = sorted({m.seconds: ChapterMarker(float(m.seconds), _title(m), "comments")
                          for m in reversed(found)}.values(), key=lambda e: e.seconds)
        lists.append(ChapterList(found[0].cid, found[0].likes, tuple(entries)))
    return sorted(lists, key=lambda c: (-c.likes, c.cid))


def chapter_markers(video_chapters: list[Chapter], lists: list[ChapterList]
                    ) -> list[ChapterMarker]:
    """The timeline's chapter markers, in time order: the video's own chapters, then the
    viewers' lists, most liked first; a marker within ``SAME_MARKER_S`` of one already taken
    is the same chapter and is left out."""
    markers: list[ChapterMarker] = []
    candidates = [ChapterMarker(c.start, c.title, "video") for c in video_chapters]
    candidates += [entry for found in lists for entry in found.entries]
    for marker in candidates:
        if all(abs(marker.seconds - m.seconds) >= SAME_MARKER_S for m in markers):
            markers.append(marker)
    return sorted(markers, key=lambda m: m.seconds)


def _spans_by_comment(mentions: Mentions) -> list[tuple[int, int, int]]:
    """(comment row, first, past-last index) of the comments holding ``MIN_TIMES`` or more
    references; references are kept grouped by comment, in text order."""
    owner = mentions.owner
    if len(owner) < MIN_TIMES:
        return []
    cuts = np.flatnonzero(np.diff(owner)) + 1
    starts = np.concatenate([[0], cuts])
    stops = np.concatenate([cuts, [len(owner)]])
    many = stops - starts >= MIN_TIMES
    return [(int(owner[a]), int(a), int(b)) for a, b in zip(starts[many], stops[many],
                                                            strict=True)]


_NEXT_TIME = re.compile(r"\d{1,2}:\d{2}")


def _title(mention: Mention) -> str:
    """The words on a reference's line after it (or, when none, before it), up to the next
    time on that line."""
    text, at, stop = mention.text, mention.at, mention.stop
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", stop) % (len(text) + 1)  # -1 (the last line) → its end
    after = _NEXT_TIME.split(text[stop:line_end], maxsplit=1)[0].strip(_TITLE_EDGES)
    title = after or text[line_start:at].strip(_TITLE_EDGES)
    return title[:TITLE_CHARS].rstrip() + ("…" if len(title) > TITLE_CHARS else "")
