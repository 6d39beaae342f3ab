"""Turning ranked comment moments into queued clips."""

from __future__ import annotations

from shortory_core.clips.render import Mode
from shortory_core.clips.rendering import ClipRequest, queue_clips
from shortory_core.jobs import JobService
from shortory_core.signals.comment_moments import Moment, merge_clip_spans


def render_comment_moments(service: JobService, project_id: int,
                           moments: list[Moment], mode: Mode = "exact") -> list[int]:
    """Queue one clip per merged span of the moments (labelled by the moments' ranks);
    returns the queued clip ids."""
    requests = [
        ClipRequest(s.start, s.end, s.score,
                    "moment " + " + ".join(f"#{rank}" for rank in sorted(s.moments)))
        for s in merge_clip_spans(moments)
    ]
    return queue_clips(service, project_id, "comments", requests, mode=mode)
