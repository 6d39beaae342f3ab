"""Video time (seconds of the source video) written for people and read back from them.

``format_seconds`` and ``parse_seconds`` are inverses to the second: every page's time field
and every CLI option that takes a time read what ``format_seconds`` writes, so a 4-hour video's
``2:41:07`` can be typed as shown. ``clock_x`` and ``seconds_of`` are the other pair: video
time as the datetimes from epoch 0 that the charts' date axes draw (see
``charts/time_axis.py``), and back from what a chart selection reports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import numpy as np

# Plain seconds ("73", "73.5"), m:ss ("1:13", "75:00") or h:mm:ss ("1:02:33.5"): after the
# first field each field is two digits below 60, so "1:2:33" is refused rather than guessed.
_TIME = re.compile(r"(?:(?P<h>\d+):(?P<hm>[0-5]\d)|(?P<m>\d+)):(?P<s>[0-5]\d(?:\.\d+)?)"
                   r"|(?P<plain>\d+(?:\.\d+)?)", re.ASCII)
HINT = "write seconds, m:ss or h:mm:ss (75, 1:15, 1:02:33)"
_EPOCH = np.datetime64(0, "ms")


def format_seconds(seconds: float) -> str:
    """``75.4`` → ``"1:15"``, ``3723`` → ``"1:02:03"``: the form viewers write in comments
    (``"–"`` for a time that is not a number)."""
    if not math.isfinite(seconds):
        return "–"
    whole = round(max(seconds, 0.0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_exact(seconds: float) -> str:
    """``19.55`` → ``"0:19.55"``, ``120`` → ``"2:00"``: ``format_seconds`` keeping up to two
    decimals, for tables where a span's edges must read back as they are."""
    if not math.isfinite(seconds):
        return "–"
    hundredths = round(max(seconds, 0.0) * 100)
    whole, fraction = divmod(hundredths, 100)
    text = format_seconds(whole)
    return f"{text}.{fraction:02d}".rstrip("0") if fraction else text


def parse_seconds(text: str) -> float:
    """``"73.5"`` → ``73.5``, ``"1:13"`` → ``73.0``, ``"1:02:33.5"`` → ``3753.5``: what people
    type into a time field; ``ValueError`` saying what to write for anything else (negative,
    ``nan``, ``1:2:33``, ``1:75``)."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text[:40]!r} is not a time: {HINT}.")
    if match["plain"] is not None:
        seconds = float(match["plain"])
    else:
        hours, minutes = (int(match["h"]), int(match["hm"])) if match["h"] else (0, int(match["m"]))
        seconds = (hours * 60 + minutes) * 60 + float(match["s"])
    if not math.isfinite(seconds):
        raise ValueError(f"{text[:40]!r} is not a time: {HINT}.")
    return seconds


def clock_x(seconds: Iterable[float] | np.ndarray) -> np.ndarray:
    """Video times as the date-axis values Plotly reads (``None`` where a time is missing)."""
    values = np.asarray(seconds, dtype=float)
    finite = np.isfinite(values)
    stamps = np.datetime_as_string(
        np.round(np.where(finite, values, 0.0) * 1000).astype("int64").astype("datetime64[ms]"),
        unit="ms").astype(object)
    stamps[~finite] = None
    return stamps


def clock_at(seconds: float) -> str:
    """One video time as a date-axis value (a shape's edge, a range end)."""
    return str(clock_x([seconds])[0])


def seconds_of(x: object) -> float | None:
    """Seconds from a selection's ``x``: a date-axis string (``"1970-01-01 00:10:43.2"``) or a
    plain number; ``None`` for anything else."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int | float):
        return float(x) if math.isfinite(x) else None
    if not isinstance(x, str):
        return None
    try:
        stamp = np.datetime64(x.strip().replace(" ", "T"), "us")
    except ValueError:
        return None
    return float((stamp - _EPOCH) / np.timedelta64(1, "us")) / 1e6
