"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(func: Callable[[], object], repeat: int = 5, warm_up: bool = True
                   ) -> float:
    """Median wall time of ``repeat`` calls (one warm-up call first, unless told not to: a
    30-second baseline needs no warming)."""
    if warm_up:
        func()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(title: str, rows: list[tuple[str, float]], baseline: str, ours: str) -> str:
    """Lines with every timing and the baseline/ours ratio."""
    timings = dict(rows)
    lines = [f"== {title}"]
    lines += [f"  {name:<44} {seconds * 1000:10.1f} ms" for name, seconds in rows]
    lines.append(f"  speed-up ({baseline} / {ours}): {timings[baseline] / timings[ours]:.1f}x")
    return "\n".join(lines)
