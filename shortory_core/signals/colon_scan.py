"""The colon-time rule of ``timestamps`` run over millions of comments at once, with NumPy.

Python's regex engine reads about 25 MB of text a second: for two million comments that alone
is three seconds. This scan finds the same references as ``timestamps.find_times`` from byte
arithmetic, because of what the rule is: a time is exactly one whole run of ASCII digits and
colons (nothing of ``[0-9:]`` may touch it on either side), shaped ``d:dd``, ``dd:dd``,
``ddd:dd``, ``d:dd:dd`` or ``dd:dd:dd`` with seconds and minutes below 60, not after ``.``,
``,`` or ``/``, and not followed by am/pm or a time zone. Ranges join two such times.

Some comments need the character-level rules: the ones holding a link (``<a``) or full-width
forms (``normalise`` would change them; the scan reads the text as it is), or a time
whose neighbourhood needs a Unicode-aware look (a date or 오전/오후… before it, a Unicode
space or letter in the am/pm that may follow it). ``scan`` returns those comments' indices
and the caller runs ``find_times`` on them; for comments holding a Korean ``분`` it runs the
Korean rule only. The test suite checks that both ways find the same references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

FORMS = ("colon", "range", "anchor", "korean")  # a reference's form, as ``TimeRef.form``
_DIGIT_LO, _COLON, _LINK = ord("0"), ord(":"), ord("<")
_CLOCK_WORDS = tuple(w.encode() for w in ("오전", "오후", "새벽", "아침", "저녁", "밤"))
_ZONES = (b"kst", b"jst", b"utc", b"gmt", b"est", b"edt", b"pst", b"pdt", b"cst", b"cet", b"bst")


def _table(members: bytes | range) -> np.ndarray:
    """A lookup table over byte values: ``table[bytes]`` says which are members."""
    table = np.zeros(256, bool)
    table[list(members)] = True
    return table


_DIGIT = _table(b"0123456789")
_HIGH = _table(range(0x80, 0x100))  # part of a non-ASCII character
_SPACE = _table(b"\t\n\x0b\x0c\r ")
_LETTER = _table(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DATE_SIGN = _table(b"-/.")
_WORD = _table(b"0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WORD[0x80:] = True  # a non-ASCII byte may be a letter: no word boundary
_MAY_BE_SPACE = _table(b"\xc2\xe1\xe2\xe3")  # first bytes of the Unicode spaces
_NOT_BEFORE = _table(b".,/")

_RANGE_JOIN = re.compile(r"\s*(?:-|~|–|—|to)\s*", re.IGNORECASE)
_SHAPES = {  # run length → (colon positions, positions that must be 0–5)
    4: ((1,), (2,)), 5: ((2,), (3,)), 6: ((3,), (4,)),
    7: ((1, 4), (2, 5)), 8: ((2, 5), (3, 6)),
}
_LONGEST = max(_SHAPES)  # bytes looked at on each side of a colon: a longer run is no time


@dataclass
class ScanResult:
    """References found, one row each; offsets are bytes from the start of the comment."""

    owner: np.ndarray  # comment index
    seconds: np.ndarray
    end: np.ndarray  # -1 when the reference is not a range
    form: np.ndarray  # index in ``FORMS``
    start: np.ndarray
    stop: np.ndarray
    exact: np.ndarray  # comment indices the caller must run ``find_times`` on
    korean: np.ndarray  # others whose Korean times need ``find_korean_times``


def scan(buf: np.ndarray, bounds: np.ndarray) -> ScanResult:
    """Colon times and ranges of every comment of a text column: the UTF-8 bytes of all texts
    and the offsets where each starts (``len(texts) + 1`` of them, as Arrow keeps them).

    The whole text is passed over only to find the few bytes a reference may start from
    (colons, ``<`` and the lead bytes of Korean and full-width characters); everything else
    is read around those."""
    if len(bounds) < 2 or not len(buf):
        empty = np.zeros(0, np.int64)
        return ScanResult(empty, empty, empty, empty, empty, empty, empty, empty)
    buf = buf[:bounds[-1]]
    needles = _Needles(buf)
    exact = np.zeros(len(bounds) - 1, bool)
    for needle in (b"<a", b"\xef\xbc", b"\xef\xbd", b"\xe3\x80\x80"):  # links, full width
        exact |= _holding(needles, bounds, needle)

    starts, stops, seconds = _times(buf, bounds, needles.at(_COLON))
    owner = np.searchsorted(bounds, starts, side="right") - 1
    ends = bounds[owner + 1]
    # Character rules where a date or 오전/오후… may precede the time (``timestamps`` looks
    # closer when a digit or a non-ASCII character is among the three before), or where a
    # non-ASCII character follows within twelve bytes (a Unicode space before "pm"…).
    lows = bounds[owner]
    near = _bytes_before(buf, starts, lows, 3)
    hint = np.flatnonzero((_DIGIT | _HIGH)[near].any(axis=1))
    before = _bytes_before(buf, starts[hint], lows[hint], 48)  # 16 characters at most
    date = _DATE_SIGN[before].sum(axis=1) >= 2  # a date needs two of "-/."
    words = np.sort(np.concatenate([needles.find(w) for w in _CLOCK_WORDS]))
    clock_word = _count_in(words, np.maximum(starts[hint] - 48, lows[hint]), starts[hint]) > 0
    exact[owner[hint[date | clock_word]]] = True
    window = _bytes_after(buf, stops, ends, 12)

    clock, unsure = _clock_after(window)
    exact[owner[unsure]] = True
    live = ~clock & ~exact[owner]
    colon = _join_ranges(buf, owner[live], starts[live], stops[live], seconds[live], bounds)
    korean = _korean(buf, bounds, needles)
    korean_rules = np.zeros(len(bounds) - 1, bool)
    korean_rules[korean[-1]] = True
    korean_rules &= ~exact
    fine = ~exact[korean[0]] & ~korean_rules[korean[0]]
    return ScanResult(*(np.concatenate([c, k[fine]]) for c, k in zip(colon, korean[:-1],
                                                                      strict=True)),
                      np.flatnonzero(exact), np.flatnonzero(korean_rules))


def _bytes_before(buf: np.ndarray, starts: np.ndarray, lows: np.ndarray, count: int
                  ) -> np.ndarray:
    """The ``count`` bytes before each start, nearest first; 0 before the comment's start.
    Built a column at a time: a million times by 48 bytes as one index matrix would take
    hundreds of megabytes."""
    cells = np.zeros((len(starts), count), np.uint8)
    for k in range(count):
        spot = starts - (k + 1)
        cells[:, k] = np.where(spot >= lows, buf[np.maximum(spot, 0)], 0)
    return cells


def _holding(needles: _Needles, bounds: np.ndarray, needle: bytes) -> np.ndarray:
    """Which comments hold ``needle``."""
    where = needles.find(needle)
    owner = np.searchsorted(bounds, where, side="right") - 1
    inside = where + len(needle) <= bounds[owner + 1]  # not across two comments
    holding = np.zeros(len(bounds) - 1, bool)
    holding[owner[inside]] = True
    return holding


def _times(buf: np.ndarray, bounds: np.ndarray, colons: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, stop, seconds) of every whole run of digits and colons shaped like a time and
    not just after ``.``, ``,`` or ``/``; a run never spans two comments.

    Every such run holds a colon, and none is longer than ``_LONGEST``: the runs are found
    from the ``colons`` outward (a few per comment), never by marking every byte of the text."""
    # A time's colons have a digit on each side: words ending in ":" are many more.
    colons = colons[(colons > bounds[0]) & (colons < bounds[-1] - 1)]
    colons = colons[_DIGIT[buf[colons - 1]] & _DIGIT[buf[colons + 1]]]
    owner = np.searchsorted(bounds, colons, side="right") - 1
    lows, highs = bounds[owner], bounds[owner + 1]
    inside = (colons > lows) & (colons + 1 < highs)
    colons, lows, highs = colons[inside], lows[inside], highs[inside]
    starts = colons - _run_length(buf, colons - 1, lows, -1)
    stops = colons + 1 + _run_length(buf, colons + 1, highs, 1)
    first = np.ones(len(starts), bool)  # a run with two colons is reached from both
    first[1:] = starts[1:] != starts[:-1]
    starts, stops, lows = starts[first], stops[first], lows[first]
    found: list[tuple[np.ndarray, np.ndarray]] = []
    for length, (colon_at, low) in _SHAPES.items():
        pick = np.flatnonzero(stops - starts == length)
        cells = buf[starts[pick, None] + np.arange(length)]
        ok = np.ones(len(pick), bool)
        for i in range(length):
            ok &= (cells[:, i] == _COLON) if i in colon_at else (cells[:, i] != _COLON)
        for i in low:
            ok &= cells[:, i] <= ord("5")
        d = cells.astype(np.int64) - _DIGIT_LO
        value = d[:, -2] * 10 + d[:, -1]  # seconds
        if len(colon_at) == 2:  # h:mm:ss
            hours = d[:, 0] if colon_at[0] == 1 else d[:, 0] * 10 + d[:, 1]
            value += (d[:, -5] * 10 + d[:, -4]) * 60 + hours * 3600
        else:  # m:ss with 1–3 digits of minutes
            minutes = np.zeros(len(pick), np.int64)
            for i in range(colon_at[0]):
                minutes = minutes * 10 + d[:, i]
            value += minutes * 60
        found.append((pick[ok], value[ok]))
    pick = np.concatenate([f[0] for f in found])
    value = np.concatenate([f[1] for f in found])
    order = np.argsort(pick, kind="stable")
    pick, value = pick[order], value[order]
    starts, stops, lows = starts[pick], stops[pick], lows[pick]
    fine = (starts == lows) | ~_NOT_BEFORE[buf[np.maximum(starts - 1, 0)]]
    return starts[fine], stops[fine], value[fine]


def _run_length(buf: np.ndarray, at: np.ndarray, limits: np.ndarray, step: int) -> np.ndarray:
    """How many digits and colons follow one another from each of ``at`` on, going ``step``
    (-1 back, 1 on) and staying short of its ``limits`` (the comment's edge); counted up to
    ``_LONGEST``. Most runs stop after two bytes, so only the runs still going are read on."""
    length = np.zeros(len(at), np.int64)
    going = np.arange(len(at))
    for k in range(_LONGEST):
        spot = at[going] + step * k
        inside = spot >= limits[going] if step < 0 else spot < limits[going]
        byte = buf[np.clip(spot, 0, len(buf) - 1)]
        going = going[inside & ((byte - np.uint8(_DIGIT_LO)) <= _COLON - _DIGIT_LO)]
        length[going] += 1
        if not len(going):
            break
    return length


def _count_in(sorted_positions: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How many of ``sorted_positions`` lie in each ``[lo, hi)``."""
    return (np.searchsorted(sorted_positions, hi, "left")
            - np.searchsorted(sorted_positions, lo, "left"))


def _clock_after(window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(time of day, needs the character rules) for each time, from the twelve bytes after
    it: a space or a letter, then am/pm (``a``, ``a.m``, ``a m``, ``a. m``) or a time zone,
    then no letter or digit. Where a non-ASCII character could change that answer (a Unicode
    space, or a character after the ``m`` that may or may not be a letter), or the spaces run
    on past the window, the character rules decide."""
    first = window[:, 0]
    starts_word = (first == ord(" ")) | _LETTER[first]
    lead = _first_not_space(window)
    rows = np.arange(len(window))
    padded = np.concatenate([window, np.zeros((len(window), 6), np.uint8)], axis=1)
    at = [padded[rows, lead + k] for k in range(6)]
    low = [a | 0x20 for a in at]
    clock = np.zeros(len(window), bool)
    unsure = (lead == window.shape[1]) | _MAY_BE_SPACE[at[0]]
    is_ap = (low[0] == ord("a")) | (low[0] == ord("p"))
    unsure |= is_ap & (_HIGH[at[1]] | ((at[1] == ord(".")) & _HIGH[at[2]]))
    for gap in ((), (".",), (" ",), (".", " ")):  # what may stand between a/p and m
        shape = is_ap.copy()
        for k, sign in enumerate(gap, start=1):
            shape &= (at[k] == ord(".")) if sign == "." else _SPACE[at[k]]
        m = len(gap) + 1
        shape &= low[m] == ord("m")
        clock |= shape & ~_WORD[at[m + 1]]
        unsure |= shape & _HIGH[at[m + 1]]
    for zone in _ZONES:
        shape = (low[0] == zone[0]) & (low[1] == zone[1]) & (low[2] == zone[2])
        clock |= shape & ~_WORD[at[3]]
        unsure |= shape & _HIGH[at[3]]
    return clock & starts_word & ~unsure, starts_word & unsure


def _join_ranges(buf: np.ndarray, owner: np.ndarray, starts: np.ndarray, stops: np.ndarray,
                 seconds: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, ...]:
    """Two times of one comment joined by ``-``, ``~``, ``–``, ``—`` or ``to`` make a range
    when the second is later (``timestamps._take_colon_times``). The gap between them is
    compared in bulk; a long or unusual gap is read by the character-level pattern."""
    pairs = np.flatnonzero((owner[1:] == owner[:-1]) & (seconds[1:] > seconds[:-1]))
    joins = _joins(buf, stops[pairs], starts[pairs + 1])
    end = np.full(len(starts), -1, np.int64)
    last = np.array(stops)
    taken = np.zeros(len(starts), bool)
    for i in pairs[joins]:  # in order: a time that ended a range cannot start one
        if not taken[i]:
            end[i], last[i], taken[i + 1] = seconds[i + 1], stops[i + 1], True
    keep = ~taken
    base = bounds[owner[keep]]
    form = np.where(end[keep] >= 0, FORMS.index("range"), FORMS.index("colon"))
    return (owner[keep], seconds[keep], end[keep], form, starts[keep] - base,
            last[keep] - base)


def _joins(buf: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whether each gap ``buf[lo:hi]`` is spaces around one range word."""
    size = hi - lo
    short = size <= 12
    cells = np.where(np.arange(12) < size[:, None],
                     buf[np.minimum(lo[:, None] + np.arange(12), len(buf) - 1)], ord(" "))
    blank = _SPACE[cells]
    head = _first_not_space(cells)
    tail = 11 - np.argmin(blank[:, ::-1], axis=1)  # the last one
    width = tail - head + 1
    rows = np.arange(len(cells))
    core = [cells[rows, np.minimum(head + k, 11)] for k in range(3)]
    joined = ((width == 1) & ((core[0] == ord("-")) | (core[0] == ord("~"))))
    joined |= (width == 2) & ((core[0] | 0x20) == ord("t")) & ((core[1] | 0x20) == ord("o"))
    joined |= ((width == 3) & (core[0] == 0xE2) & (core[1] == 0x80)
               & ((core[2] == 0x93) | (core[2] == 0x94)))  # – and —
    joined &= ~blank.all(axis=1) & short
    unusual = ~short | (_HIGH[cells].any(axis=1) & ~joined)  # a Unicode space, say
    for i in np.flatnonzero(unusual):
        gap = buf[lo[i]:hi[i]].tobytes().decode("utf-8", "replace")
        joined[i] = _RANGE_JOIN.fullmatch(gap) is not None
    return joined


_BUN, _CHO = "분".encode(), "초".encode()
_REACH = 24  # bytes looked at on each side of 분; spaces running further go to the rule
_NOT_POSITION = tuple(w.encode() for w in ("동안", "만에", "전", "후", "정도", "짜리", "째"))
_CONTEXT_WORDS = tuple(w.encode() for w in ("시", "오전", "오후", "새벽", "아침", "저녁", "밤"))


def _korean(buf: np.ndarray, bounds: np.ndarray, needles: _Needles
            ) -> tuple[np.ndarray, ...]:
    """``timestamps._take_korean`` in bulk: ``M분`` or ``M분 S초`` (ASCII digits, ASCII
    spaces), not inside a number, not followed by a duration word (동안, 전…), with no hour or
    clock word (시, 오전…) in the 40 bytes before. Returns (owner, seconds, end, start, stop)
    of the times found and, last, the comments whose times the character rule must read."""
    at = needles.find(_BUN)
    owner = np.searchsorted(bounds, at, side="right") - 1
    lows, highs = bounds[owner], bounds[owner + 1]
    at = at[at + 3 <= highs]
    owner = np.searchsorted(bounds, at, side="right") - 1
    lows, highs = bounds[owner], bounds[owner + 1]
    unsure = np.zeros(len(at), bool)

    before = _bytes_before(buf, at, lows, _REACH)  # nearest first: spaces, then the digits
    lead = _first_not_space(before)
    unsure |= lead + 4 >= _REACH  # spaces may run on past the window
    digits = np.zeros(len(at), np.int64)
    count = np.zeros(len(at), np.int64)
    for k in range(4):
        cell = _cell(before, lead + k)
        more = _DIGIT[cell] & (count == k)
        digits = np.where(more, digits + (cell.astype(np.int64) - _DIGIT_LO) * 10 ** k, digits)
        count += more
    first = at - lead - count  # where the digits start
    beyond = _cell(before, lead + count)  # the byte before the digits (0 at the start)
    unsure |= _HIGH[_cell(before, lead)] & (count == 0)  # a Unicode space or digit there?
    found = (count >= 1) & (count <= 3)
    # What precedes the digits must not be a digit: ASCII is plain; a three-byte character
    # starting E3–ED (Hangul, kana, CJK) holds none; anything else the rule decides.
    three = _bytes_before(buf, first, lows, 3)
    cjk = (three[:, 2] >= 0xE3) & (three[:, 2] <= 0xED)
    unsure |= found & _HIGH[beyond] & ~cjk

    after = at + 3
    ahead = _bytes_after(buf, after, highs, _REACH)
    space = _first_not_space(ahead)
    unsure |= space == _REACH  # spaces that may run on past the window
    sec = np.zeros(len(at), np.int64)
    sec_count = np.zeros(len(at), np.int64)
    for k in range(3):
        cell = _cell(ahead, space + k)
        more = _DIGIT[cell] & (sec_count == k)
        sec = np.where(more, sec * 10 + (cell.astype(np.int64) - _DIGIT_LO), sec)
        sec_count += more
    tail = _first_not_space(ahead, space + sec_count)
    two = (sec_count >= 1) & (sec_count <= 2)
    cho = two & _starts_with(ahead, tail, _CHO)
    unsure |= _MAY_BE_SPACE[_cell(ahead, space)]  # a Unicode space before the seconds?
    unsure |= two & (_MAY_BE_SPACE[_cell(ahead, tail)] | (tail + 3 > _REACH))
    found &= ~(cho & (sec >= 60))
    stop = np.where(cho, after + tail + 3, after)

    rest = _bytes_after(buf, stop, highs, _REACH)
    gap = _first_not_space(rest)
    unsure |= _MAY_BE_SPACE[_cell(rest, gap)] | (gap + 6 > _REACH)
    for word in _NOT_POSITION:
        found &= ~_starts_with(rest, gap, word)
    context = np.sort(np.concatenate([needles.find(w) for w in _CONTEXT_WORDS]))
    unsure |= found & (_count_in(context, np.maximum(first - 40, lows), first) > 0)
    unsure &= found | (count == 0)
    keep = found & ~unsure
    base = lows[keep]
    total = (digits * 60 + np.where(cho, sec, 0))[keep]
    n = int(keep.sum())
    return (owner[keep], total, np.full(n, -1, np.int64),
            np.full(n, FORMS.index("korean"), np.int64), first[keep] - base, stop[keep] - base,
            owner[unsure])


def _cell(cells: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``cells[row, index[row]]`` for each row; 0 past the last column."""
    inside = index < cells.shape[1]
    return np.where(inside, cells[np.arange(len(cells)), np.minimum(index, cells.shape[1] - 1)],
                    0)


class _Needles:
    """Where byte strings start in one buffer. Every reference starts from a colon, a ``<``
    (a link) or a byte of 0xE0 or more (Korean words, full-width forms): those bytes are
    found in one pass over the text, and each needle is then matched among them only."""

    def __init__(self, buf: np.ndarray) -> None:
        self.buf = buf
        marked = buf >= 0xE0
        marked |= buf == _COLON
        marked |= buf == _LINK
        self.marks = np.flatnonzero(marked)
        self.mark_bytes = buf[self.marks]

    def at(self, byte: int) -> np.ndarray:
        """Where ``byte`` (a colon, ``<`` or 0xE0 and above) is, in order."""
        return self.marks[self.mark_bytes == byte]

    def find(self, needle: bytes) -> np.ndarray:
        buf = self.buf
        where = self.at(needle[0])
        where = where[where + len(needle) <= len(buf)]
        for i, byte in enumerate(needle[1:], start=1):
            where = where[buf[where + i] == byte]
        return where


def _bytes_after(buf: np.ndarray, starts: np.ndarray, highs: np.ndarray, count: int
                 ) -> np.ndarray:
    """The ``count`` bytes from each start on; 0 past the comment's end (a column at a time,
    as ``_bytes_before``)."""
    cells = np.zeros((len(starts), count), np.uint8)
    for k in range(count):
        spot = starts + k
        cells[:, k] = np.where(spot < highs, buf[np.minimum(spot, len(buf) - 1)], 0)
    return cells


def _first_not_space(cells: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Each row's first column (at or after ``start``) that is not a space; the width if
    none is."""
    wanted = ~_SPACE[cells]
    if start is not None:
        wanted &= np.arange(cells.shape[1]) >= start[:, None]
    return np.where(wanted.any(axis=1), np.argmax(wanted, axis=1), cells.shape[1])


def _starts_with(cells: np.ndarray, at: np.ndarray, word: bytes) -> np.ndarray:
    """Whether each row of ``cells`` holds ``word`` from column ``at`` on."""
    hit = np.ones(len(cells), bool)
    for k, byte in enumerate(word):
        hit &= _cell(cells, at + k) == byte
    return hit
