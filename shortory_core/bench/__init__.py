"""Benchmarks: ``python -m shortory_core bench``. Each prints its figures and the ratio against
a baseline run in the same process on the same data. They are measurements, not tests."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

BENCHMARKS: dict[str, str] = {
    "comments": "shortory_core.bench.comments",
    "comment-dump": "shortory_core.bench.comment_dump",
    "vision": "shortory_core.bench.vision",
    "studio": "shortory_core.bench.studio",
    "live": "shortory_core.bench.live",
    "panel": "shortory_core.bench.panel",
    "profiles": "shortory_core.bench.profiles",
    "batch": "shortory_core.bench.batch",
    "speech": "shortory_core.bench.speech",
    "browser": "shortory_core.bench.browser",
}


def run_benchmarks(only: list[str] | None = None) -> str:
    """Run the named benchmarks (all by default) and return their report."""
    names = only or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        from shortory_core.errors import ShortoryError

        raise ShortoryError(f"Unknown benchmark {', '.join(unknown)}; "
                            f"choose from {', '.join(BENCHMARKS)}.")
    reports = []
    for name in names:
        run: Callable[[], str] = import_module(BENCHMARKS[name]).run
        reports.append(run())
    return "\n\n".join(reports)
