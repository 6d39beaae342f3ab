"""Formatting video time (seconds of the source video) for people."""

from __future__ import annotations


def format_seconds(seconds: float) -> str:
    """``75.4`` → ``"1:15"``, ``3723`` → ``"1:02:03"``: the form viewers write in comments."""
    whole = round(max(seconds, 0.0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
