"""Every time reference of a set of comments, kept as columns rather than one object each.

A million-comment video carries a million or more references. As Python objects they cost
about a microsecond and 200 bytes each before any work is done; as NumPy columns the grouping
works on them in bulk. ``Mentions`` still reads as a sequence of ``Mention`` records: one is
made only when a page or a report asks for it (the top comments of a moment, say).

Offsets are kept in bytes of the UTF-8 text (what the scan reads) and turned into character
offsets when a ``Mention`` is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple, overload

import numpy as np
import pyarrow as pa

from shortory_core.records import Comment, CommentColumns
from shortory_core.signals.colon_scan import FORMS, scan
from shortory_core.signals.timestamps import (
    SEPARATOR,
    find_korean_times,
    find_times,
    normalise,
)

SNIPPET_CHARS = 60
MAX_WORD_CHARS = 20  # a longer "word" (a link) is cut off rather than shown whole
LINE_BREAK = " / "
_BREAKS = re.compile(r"\s*\n\s*")


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


class Mentions(Sequence[Mention]):
    """References as columns: ``owner`` is the comment's row in ``comments``; ``end`` is -1
    for a reference that is not a range; ``start``/``stop`` are byte offsets."""

    def __init__(self, comments: CommentColumns, owner: np.ndarray, seconds: np.ndarray,
                 end: np.ndarray, form: np.ndarray, start: np.ndarray,
                 stop: np.ndarray) -> None:
        self.comments = comments
        self.owner, self.seconds, self.end = owner, seconds, end
        self.form, self.start, self.stop = form, start, stop
        likes = comments.column("likes").to_numpy(zero_copy_only=False)
        self.likes = likes[owner] if len(likes) else np.zeros(0, np.int64)
        self._authors: np.ndarray | None = None
        self._last: tuple[int, str, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.seconds)

    @overload
    def __getitem__(self, index: int) -> Mention: ...
    @overload
    def __getitem__(self, index: slice) -> list[Mention]: ...

    def __getitem__(self, index: int | slice) -> Mention | list[Mention]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.mention(int(index))

    def __iter__(self) -> Iterator[Mention]:
        return (self.mention(i) for i in range(len(self)))

    def mention(self, i: int) -> Mention:
        """Reference ``i`` as a record (its text, author… looked up now)."""
        row = int(self.owner[i])
        text, chars = self._text(row)
        at, stop = int(chars[int(self.start[i])]), int(chars[int(self.stop[i])])
        end = int(self.end[i])
        return Mention(int(self.seconds[i]), end if end >= 0 else None,
                       FORMS[int(self.form[i])], self.comments.column("cid")[row].as_py(),
                       self.comments.column("author")[row].as_py(), int(self.likes[i]),
                       bool(self.comments.column("is_reply")[row].as_py()), text, at, stop)

    def _text(self, row: int) -> tuple[str, np.ndarray]:
        """A comment's text, and the character at each byte offset of it. Kept for the last
        comment asked: its references come one after another, and a comment of thousands of
        times would otherwise be read and decoded once per time (quadratic). Pages share
        one ``Mentions`` across sessions: the cache is read and replaced whole, never half."""
        last = self._last
        if last is None or last[0] != row:
            text = self.comments.column("text")[row].as_py()
            data = np.frombuffer(text.encode("utf-8"), np.uint8)
            starts = (data & 0xC0) != 0x80  # the bytes that begin a character
            last = self._last = (row, text, np.concatenate([[0], np.cumsum(starts)]))
        return last[1], last[2]

    def within(self, duration: float | None) -> Mentions:
        """The references inside a video of ``duration`` seconds (all when it is unknown); a
        range running past the end keeps its start."""
        if not duration or duration <= 0 or not len(self) or (
                self.seconds.max() <= duration and self.end.max() <= duration):
            return self
        kept = self.subset(self.seconds <= duration)
        past = kept.end > duration
        kept.end[past], kept.form[past] = -1, FORMS.index("colon")
        return kept

    def subset(self, keep: np.ndarray) -> Mentions:
        """The references where ``keep`` (a mask or indices) says, in their order, as copies."""
        return Mentions(self.comments, self.owner[keep], self.seconds[keep], self.end[keep],
                        self.form[keep], self.start[keep], self.stop[keep])

    def author_codes(self) -> np.ndarray:
        """One integer per distinct author, per reference (for counting authors)."""
        if self._authors is None:
            codes = self.comments.column("author").dictionary_encode().indices
            per_comment = codes.to_numpy(zero_copy_only=False).astype(np.int64)
            self._authors = per_comment[self.owner] if len(per_comment) else self.owner
        return self._authors

    def cids(self, rows: np.ndarray) -> pa.Array:
        """The comment ids of comment rows."""
        return self.comments.column("cid").take(pa.array(rows, pa.int64()))


def extract_mentions(comments: Iterable[Comment] | CommentColumns,
                     duration: float | None = None) -> Mentions:
    """Every time reference in ``comments`` (see ``timestamps`` for what counts), found by
    ``colon_scan`` in bulk and by the character-level rules where it says they are needed;
    references past a known ``duration`` are dropped (a range running past it keeps its
    start)."""
    columns = CommentColumns.of(comments)
    found = scan(*text_column_of(columns))
    parts = [(found.owner, found.seconds, found.end, found.form, found.start, found.stop)]
    texts = columns.column("text")
    for rows, rule in ((found.exact, find_times), (found.korean, find_korean_times)):
        if len(rows):
            parts.append(_by_rule(texts, rows, rule))
    owner, seconds, end, form, start, stop = (np.concatenate([p[k] for p in parts])
                                              .astype(np.int64) for k in range(6))
    order = np.lexsort((start, owner))
    return Mentions(columns, owner[order], seconds[order], end[order], form[order],
                    start[order], stop[order]).within(duration)


def text_column_of(columns: CommentColumns) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 buffer and offsets of the comments' texts (no copy for a single chunk)."""
    texts = columns.column("text")
    if texts.type != pa.large_string():
        texts = texts.cast(pa.large_string())
    if texts.null_count:
        texts = texts.fill_null("")
    _, offsets, data = texts.buffers()
    bounds = np.frombuffer(offsets, np.int64)[texts.offset:texts.offset + len(texts) + 1]
    buf = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    return buf, bounds


def _by_rule(texts: pa.Array, rows: np.ndarray, rule: object) -> tuple[np.ndarray, ...]:
    """References the character-level ``rule`` finds in some comments, as columns with byte
    offsets. The comments are joined and scanned in one pass, as the rules are built for;
    normalising keeps one character for one, so offsets carry over."""
    chosen = texts.take(pa.array(rows, pa.int64())).to_pylist()
    starts = np.cumsum([0] + [len(t) + 1 for t in chosen[:-1]])
    refs = rule(normalise(SEPARATOR.join(chosen)))  # type: ignore[operator]
    if not refs:
        return tuple(np.zeros(0, np.int64) for _ in range(6))
    which = np.searchsorted(starts, [r.start for r in refs], side="right") - 1
    found = []
    for ref, k in zip(refs, which.tolist(), strict=True):
        text, base = chosen[k], int(starts[k])
        at, stop = ref.start - base, ref.stop - base
        if not text.isascii():  # character offsets → byte offsets
            at, stop = len(text[:at].encode("utf-8")), len(text[:stop].encode("utf-8"))
        found.append((int(rows[k]), ref.seconds, -1 if ref.end is None else ref.end,
                      FORMS.index(ref.form), at, stop))
    return tuple(np.array(column, np.int64) for column in zip(*found, strict=True))


def _snippet(text: str, start: int, stop: int) -> str:
    """The words around a reference, for the moments table, on one line: line breaks become
    ``LINE_BREAK`` (never two lines glued into one word), and a long text is cut at word
    boundaries with the reference whole, so "…45:32" never shows half a time."""
    if len(text) > SNIPPET_CHARS:
        centre = (start + stop) // 2
        lo = max(0, min(centre - SNIPPET_CHARS // 2, len(text) - SNIPPET_CHARS))
        lo = min(_word_edge(text, min(lo, start), -1), start)
        hi = max(_word_edge(text, max(lo + SNIPPET_CHARS, stop), 1), stop)
        head, tail = "… " * (lo > 0), " …" * (hi < len(text))
        text = head + text[lo:hi].strip() + tail
    return _BREAKS.sub(LINE_BREAK, text.strip())


def _word_edge(text: str, at: int, direction: int) -> int:
    """``at`` moved out of the word it falls in (``direction`` -1: to the word's start, 1:
    to its end), or, when that word is too long to show whole, into the gap on its other
    side."""
    if at <= 0 or at >= len(text) or text[at - 1].isspace() or text[at].isspace():
        return at
    outward = _gap(text, at, direction)
    if abs(outward - at) <= MAX_WORD_CHARS:
        return outward
    return _gap(text, at, -direction)


def _gap(text: str, at: int, direction: int) -> int:
    """The nearest word boundary from ``at`` going ``direction`` (the text's ends count)."""
    if direction < 0:
        return max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)) + 1
    found = [i for i in (text.find(" ", at), text.find("\n", at)) if i >= 0]
    return min(found, default=len(text))
