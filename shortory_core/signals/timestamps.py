"""Finding references to video time in comment text.

``find_times(normalise(text))`` returns every ``TimeRef`` a text makes; comments are read with
``mentions.extract_mentions``, which runs these rules where the bulk scan needs them and drops
references past the video's end. The rules, each with an example:

Accepted
  - ``m:ss`` / ``mm:ss``: ``"10:43 legend"`` → 643 s. Minutes may pass 59: ``"75:30"`` → 4530 s.
  - ``h:mm:ss``: ``"1:02:33"`` → 3753 s.
  - several in one comment: ``"0:42 and 1:05"`` → 42 s, 65 s.
  - ranges with ``-`` ``~`` ``–`` ``—`` or ``to``: ``"3:15-3:40"`` → 195 s with end 220 s
    (kept as one reference that has an end).
  - YouTube Data API anchors: ``<a href="…&amp;t=754">12:34</a>`` → 754 s: the ``t=`` value is
    trusted over the label, and the label is not counted again.
  - Korean: ``"3분 15초"`` → 195 s, ``"1시간 2분 3초"`` → 3723 s, ``"3분"`` → 180 s.
  - full-width digits and colons: ``"１０：４３"`` → 643 s.

Rejected
  - one-digit seconds, and in ``h:mm:ss`` one-digit minutes: ``"1:2:33"``, ``"2:1"``.
  - seconds of 60 or more: ``"3:75"``; in ``h:mm:ss`` minutes of 60 or more: ``"1:75:00"``.
  - scores and ratios with one-digit right sides: ``"2:1"``, ``"16:9"`` (already by the rule
    above; a score written ``3:15`` cannot be told from a time and is kept).
  - clock times: followed by am/pm or a time zone (``"3:15 PM"``, ``"at 10:30am"``,
    ``"9:00 KST"``), preceded by 오전/오후/새벽/아침/저녁/밤 (``"오후 3:15"``), preceded by
    a date (``"2024-05-01 10:30"``), or Korean o'clock ``"3시 15분"``.
  - Korean durations that are not positions: followed by 동안/만에/전/후/정도/짜리/째
    (``"3분 동안"``: "for three minutes"); a bare ``"15초"`` or ``"1시간"`` (minutes must be
    written, as viewers do when they mean a position).
  - anything beyond the video's ``duration`` when it is known (``None`` or ``0`` means
    unknown: nothing is cut).
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９：～－　", "0123456789:~- "
)
_FULL_WIDTH_CHARS = re.compile("[０-９：～－　]")
# Only valid times match, and none followed by am/pm or a time zone, so Python code sees real
# references only: that is what makes millions of comments fast. The pattern starts with a digit
# (no look-behind), so the engine skips to digits fast; what may not precede a time is checked
# on the matches (``_NOT_BEFORE_TIME``). Digits are ASCII (full-width ones are normalised first).
# Folding the checks into the pattern finds exactly what checking each match would: a rejected
# span holds only digits and colons, so no other time can start inside it.
_COLON_TIME = re.compile(
    r"(?:([0-9]{1,2}):([0-5][0-9]):([0-5][0-9])|([0-9]{1,3}):([0-5][0-9]))"  # h:mm:ss | m:ss
    r"(?![0-9:])"
    r"(?!(?=[ ]|[^\W\d_])\s*"  # not a clock: followed by am/pm or a time zone
    r"(?:[ap]\.?\s?m\b\.?|(?:kst|jst|utc|gmt|est|edt|pst|pdt|cst|cet|bst)\b))",
    re.IGNORECASE,
)
_NOT_BEFORE_TIME = frozenset("0123456789:.,/")  # inside a number, a decimal, a date, a time
_RANGE_JOIN = re.compile(r"\s*(?:-|~|–|—|to)\s*", re.IGNORECASE)
_BEFORE_HINT = re.compile(r"[\d\u0080-\uffff]")  # a date's digit or a Korean word close by
_CLOCK_BEFORE = re.compile(r"(?:오전|오후|새벽|아침|저녁|밤)\s*$")
_DATE_BEFORE = re.compile(
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})[ T,]*$"
)
_KOREAN = re.compile(r"(\d{1,3})\s*분(?:\s*(\d{1,2})\s*초)?")
_KOREAN_HOURS_BEFORE = re.compile(r"(?<!\d)(\d{1,2})\s*시간\s*$")
_KOREAN_NOT_POSITION = re.compile(r"\s*(?:동안|만에|전|후|정도|짜리|째)")
_KOREAN_CLOCK_BEFORE = re.compile(r"\d\s*시\s*$")
_ANCHOR = re.compile(r"<a\b[^>\x00]*?href=\"([^\"\x00]*)\"[^>\x00]*>[^\x00]*?</a>",
                     re.IGNORECASE)
_ANCHOR_T = re.compile(r"[?&#](?:amp;)?t=(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?(?=$|[&#\"])")


SEPARATOR = "\x00"  # joins many comments into one text; no rule looks across it


class TimeRef(NamedTuple):
    """One reference to video time; ``end`` is set for ranges. ``start``/``stop`` locate it in
    the text (normalising keeps every character's position)."""

    seconds: int
    end: int | None
    form: str  # "colon", "range", "anchor" or "korean"
    start: int
    stop: int


def normalise(text: str) -> str:
    """Full-width digits, colons, tildes and spaces → ASCII, one character for one, so
    positions in the result are positions in the original."""
    if text.isascii() or not _FULL_WIDTH_CHARS.search(text):
        return text
    return text.translate(_FULL_WIDTH)


def find_times(text: str) -> list[TimeRef]:
    """References in normalised ``text``, which may hold many comments joined by
    ``SEPARATOR``: scanning them in one pass is what makes 100,000 comments fast."""
    refs: list[TimeRef] = []
    if "<a" in text:
        text = _take_anchors(text, refs)
    if ":" in text:
        _take_colon_times(text, refs)
    if "분" in text:
        _take_korean(text, refs)
    refs.sort(key=lambda r: r.start)
    return refs


def find_korean_times(text: str) -> list[TimeRef]:
    """The Korean-rule references of normalised ``text`` only (``colon_scan`` finds the
    others)."""
    refs: list[TimeRef] = []
    if "분" in text:
        _take_korean(text, refs)
    return refs


def _context_before(text: str, start: int, width: int) -> str:
    before = text[start - width:start] if start > width else text[:start]
    return before[before.rfind(SEPARATOR) + 1:]


def _take_anchors(text: str, refs: list[TimeRef]) -> str:
    """Record anchors that carry ``t=``; blank them out so their labels are not counted twice."""

    def replace(match: re.Match[str]) -> str:
        href = html.unescape(match.group(1))
        found = _ANCHOR_T.search(href)
        if not found or not any(found.groups()):
            return match.group(0)
        hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
        refs.append(TimeRef(hours * 3600 + minutes * 60 + seconds, None, "anchor",
                            match.start(), match.end()))
        return " " * (match.end() - match.start())

    return _ANCHOR.sub(replace, text)


def _colon_seconds(match: re.Match[str]) -> int:
    hours, minutes, seconds, short_minutes, short_seconds = match.groups()
    if hours is None:  # m:ss, minutes may pass 59
        return int(short_minutes) * 60 + int(short_seconds)
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def _clock_before(text: str, start: int) -> bool:
    """Whether the time starting at ``start`` is a time of day by what precedes it (a date,
    오전/오후…). The full checks run only when a digit or a non-ASCII character is close."""
    near = text[start - 3:start] if start > 3 else text[:start]
    if not _BEFORE_HINT.search(near):
        return False
    before = _context_before(text, start, 16)
    return bool(_CLOCK_BEFORE.search(before) or _DATE_BEFORE.search(before))


def _take_colon_times(text: str, refs: list[TimeRef]) -> None:
    matches = [m for m in _COLON_TIME.finditer(text)
               if not (m.start() and text[m.start() - 1] in _NOT_BEFORE_TIME)]
    index = 0
    while index < len(matches):
        match = matches[index]
        index += 1
        if _clock_before(text, match.start()):
            continue
        seconds = _colon_seconds(match)
        if index < len(matches):
            nxt = matches[index]
            if _RANGE_JOIN.fullmatch(text, match.end(), nxt.start()):
                end = _colon_seconds(nxt)
                if end > seconds and not _clock_before(text, nxt.start()):
                    refs.append(TimeRef(seconds, end, "range", match.start(), nxt.end()))
                    index += 1
                    continue
        refs.append(TimeRef(seconds, None, "colon", match.start(), match.end()))


def _take_korean(text: str, refs: list[TimeRef]) -> None:
    for match in _KOREAN.finditer(text):
        start = match.start()
        if start and text[start - 1].isdigit():
            continue
        minutes, seconds = match.groups()
        if seconds is not None and int(seconds) >= 60:
            continue
        if _KOREAN_NOT_POSITION.match(text, match.end()):
            continue
        before = _context_before(text, start, 10)
        hours = _KOREAN_HOURS_BEFORE.search(before)
        if hours:
            if int(minutes) >= 60:
                continue
            start -= len(hours.group(0))
            before = _context_before(text, start, 6)
        elif _KOREAN_CLOCK_BEFORE.search(before):
            continue
        if _CLOCK_BEFORE.search(before):
            continue
        total = int(hours.group(1) if hours else 0) * 3600 + int(minutes) * 60 + int(seconds or 0)
        refs.append(TimeRef(total, None, "korean", start, match.end()))
