"""Benchmarks: ``python -m shortory_core bench``. Each prints its figures and the ratio against
a baseline run in the same process on the same data. They are measurements, not tests.

A benchmark is ``module`` (its ``run``) or ``module:function``; it returns its report, or a
dict with ``report`` and the figures that ``--json`` prints."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

BENCHMARKS: dict[str, str] = {
    "comments": "shortory_core.bench.comments",
    "comment-dump": "shortory_core.bench.comment_dump",
    "vision": "shortory_core.bench.vision",
    "studio": "shortory_core.bench.studio",
    "live": "shortory_core.bench.live",
    "panel": "shortory_core.bench.panel",
    "panel-10k": "shortory_core.bench.panel:run_10k",
    "profiles": "shortory_core.bench.profiles",
    "batch": "shortory_core.bench.batch",
    "speech": "shortory_core.bench.speech",
    "browser": "shortory_core.bench.browser",
}


def run_benchmarks(only: list[str] | None = None) -> dict[str, Any]:
    """Run the named benchmarks (all by default): their report, and the figures of those that
    give some (by benchmark under ``benchmarks``; at the top too when one was run)."""
    names = only or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        from shortory_core.errors import ShortoryError

        raise ShortoryError(f"Unknown benchmark {', '.join(unknown)}; "
                            f"choose from {', '.join(BENCHMARKS)}.")
    reports, figures = [], {}
    for name in names:
        module, _, function = BENCHMARKS[name].partition(":")
        run: Callable[[], str | dict[str, Any]] = getattr(import_module(module), function or "run")
        found = run()
        if isinstance(found, dict):
            found = dict(found)
            reports.append(found.pop("report"))
            figures[name] = found
        else:
            reports.append(found)
    result: dict[str, Any] = {"report": "\n\n".join(reports), "benchmarks": figures}
    return result | (figures[names[0]] if len(names) == 1 and figures else {})
