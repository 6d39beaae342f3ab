"""A project's best shorts, asked for in one call: what the CLI's ``shorts`` does and what the
studio's button does with its own picks.

The best moments are the peaks of the fused interest score (every registered signal, each at
its default weight), merged under the length cap, each scored 0–100 and queued as a short made
as the ``ShortSpec`` says (edges snapped, captions, layout).
"""

from __future__ import annotations

from shortory_core.highlights.peaks import PeakOptions, find_highlights
from shortory_core.highlights.score import Scorer, viewer_faces
from shortory_core.highlights.shorts import ShortOptions, render_peaks
from shortory_core.highlights.timeline import build_timeline
from shortory_core.jobs import JobService
from shortory_core.signals.mentions_by_time import MentionsByTime
from shortory_core.signals.stored_mentions import project_mentions


def queue_best_shorts(service: JobService, project_id: int, top: int,
                      options: ShortOptions) -> list[int]:
    """Queue the project's ``top`` fused peaks as shorts; returns their clip ids (a short
    already made with the same options is reused, not made again)."""
    store = service.store
    video = store.get_video(project_id)
    duration = video.duration if video else None
    timeline = build_timeline(store, project_id)
    mentions = MentionsByTime(project_mentions(store, project_id, duration))
    peaks = [p for p in find_highlights(timeline, PeakOptions(top_k=top, emotions=()))
             if p.kind == "fused"]
    scorer = Scorer(timeline, mentions, viewer_faces(store, project_id, duration or 0.0))
    return render_peaks(service, project_id, peaks, mentions, options, scorer)
