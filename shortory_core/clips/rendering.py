"""Asking for clips: each becomes a row in ``clips`` (what was asked) and a queued ``render``
job (the work, ``kinds/rendering.py``), so a page returns at once.

A vertical clip follows the video's main face over its span (``reframe.py``); a captioned clip
gets its label drawn once as a PNG (``caption.py``). Both are decided per request and kept in
the clip's row, so a clip can be rendered again exactly as asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shortory_core.clips.render import Mode
from shortory_core.jobs import JobService
from shortory_core.records import ClipStatus


@dataclass(frozen=True)
class ClipRequest:
    start: float
    end: float
    score: float
    label: str
    vertical: bool = False
    caption: tuple[str, str] | None = None  # (title, comment) drawn over the clip
    meta: dict = field(default_factory=dict)  # what the clip was cut for (emotion, scores)


def queue_clips(service: JobService, project_id: int, kind: str, requests: list[ClipRequest],
                mode: Mode = "exact") -> list[int]:
    """Record one clip per request and queue its render; returns the clip ids. A request for
    a span already rendered (or on its way) with the same options reuses that clip: the
    same moments asked twice give one clip each, not two."""
    store = service.store
    existing = {_identity(c.start, c.end, c.mode, c.vertical, c.meta.get("caption")): c.id
                for c in store.clips(project_id)
                if c.status.pending or c.status == ClipStatus.DONE}
    ids = []
    for r in requests:
        caption = list(r.caption) if r.caption else None
        key = _identity(r.start, r.end, mode, r.vertical, caption)
        if key in existing:
            ids.append(existing[key])
            continue
        clip_id = store.add_clip(
            project_id, kind, r.start, r.end, score=r.score, label=r.label, mode=mode,
            vertical=r.vertical, meta=r.meta | ({"caption": caption} if caption else {}))
        existing[key] = clip_id
        ids.append(clip_id)
        service.submit("render", {"clip_id": clip_id}, project_id=project_id,
                       subject_id=clip_id)
    return ids


def _identity(start: float, end: float, mode: str, vertical: bool,
              caption: list[str] | None) -> tuple:
    """What makes two clips the same file: the span (to the hundredth of a second), the cut
    mode, the shape and the caption."""
    return (round(start, 2), round(end, 2), mode, bool(vertical), tuple(caption or ()))
