"""Hovers that read like a sentence: "happy at 1:05: 0.82", never raw coordinates."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from shortory_core.timefmt import format_seconds


def clock(times: Iterable[float]) -> list[str]:
    """Video times as m:ss (blank where a time is missing)."""
    return [format_seconds(float(t)) if np.isfinite(t) else "" for t in times]


def at_time(times: Iterable[float], value: str = "%{y:.2f}") -> dict:
    """Scatter/bar arguments for a hover "<trace name> at <m:ss>: <value>"."""
    return {"text": clock(times),
            "hovertemplate": f"%{{fullData.name}} at %{{text}}: {value}<extra></extra>"}
