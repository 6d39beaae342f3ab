"""The jobs that sum a project up for a batch: its panel and its highlights.

Both hand what they found back in the job's result, which the batch summary and its
``--render`` read; neither writes anything else.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from shortory_core.highlights.peaks import find_highlights
from shortory_core.highlights.timeline import build_timeline
from shortory_core.jobs import JobContext, JobKind
from shortory_core.panel.grids import load_grids
from shortory_core.panel.stats import curves, panel_peaks


def panel_job(ctx: JobContext) -> dict[str, Any]:
    """``panel``: the project's viewers as a panel (quality verdicts, share curves, peaks)."""
    project_id = int(ctx.params["project_id"])
    ctx.progress(0.1, "Reading every viewer's samples")
    grids = load_grids(ctx.store, project_id)
    included = grids.subset(grids.included)
    peaks = panel_peaks(curves(included)) if len(included.quality) else []
    return {"summary": f"{len(included.quality)} of {len(grids.quality)} viewers in the "
                       f"panel; {len(peaks)} panel peaks.",
            "viewers": len(grids.quality), "included": len(included.quality),
            "peaks": [p.as_dict() for p in peaks]}


def highlights_job(ctx: JobContext) -> dict[str, Any]:
    """``highlights``: the project's peaks per emotion and of the fused score (what the
    studio would offer to render)."""
    project_id = int(ctx.params["project_id"])
    ctx.progress(0.1, "Joining the signals")
    peaks = find_highlights(build_timeline(ctx.store, project_id))
    return {"summary": f"{len(peaks)} highlights.", "peaks": [asdict(p) for p in peaks]}


KINDS = (
    JobKind("panel", "analysis", panel_job, None, "Panel aggregates"),
    JobKind("highlights", "analysis", highlights_job, None, "Find highlights"),
)
