"""Formatting video time (seconds of the source video) for people."""

from __future__ import annotations

import math


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


def parse_seconds(text: str) -> float:
    """``"1:15"`` → ``75.0``, ``"1:02:03"`` → ``3723.0``, ``"42.5"`` → ``42.5``; a clear
    ``ValueError`` for anything else."""
    parts = text.strip().split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"{text!r} is not a time: write seconds or m:ss") from None
    if not 1 <= len(values) <= 3 or any(not math.isfinite(v) or v < 0 for v in values) or any(
            v >= 60 for v in values[1:]):
        raise ValueError(f"{text!r} is not a time: write seconds or m:ss")
    total = 0.0
    for value in values:
        total = total * 60 + value
    return total
