"""Turning ranked comment moments into stored moments and queued clips."""

from __future__ import annotations

from shortory_core.clips.render import Mode
from shortory_core.clips.rendering import ClipRequest, queue_clips
from shortory_core.jobs import JobService
from shortory_core.signals.comment_moments import Moment, merge_clip_spans

MAX_IDS_KEPT = 200


def render_comment_moments(service: JobService, project_id: int,
                           moments: list[Moment], mode: Mode = "exact") -> list[int]:
    """Keep the moments as the project's comment moments and queue one clip per merged span;
    returns the queued clip ids."""
    service.store.replace_moments(project_id, "comments", [
        {"start": m.start, "end": m.end, "centre": m.centre, "score": m.score,
         "label": f"#{m.rank}", "mentions": m.mentions,
         "comment_ids": m.comment_ids[:MAX_IDS_KEPT]}
        for m in moments
    ])
    requests = [
        ClipRequest(s.start, s.end, s.score,
                    "moment " + " + ".join(f"#{rank}" for rank in sorted(s.moments)))
        for s in merge_clip_spans(moments)
    ]
    return queue_clips(service, project_id, "comments", requests, mode=mode)
