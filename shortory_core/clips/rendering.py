"""Asking for clips: each becomes a row in ``clips`` (what was asked) and a queued ``render``
job (the work, ``kinds/rendering.py``), so a page returns at once.

How a short is made (layout, captions, clean edges, size: ``spec.py``) and its title line are
decided per request and kept in the clip's row, so a clip can be rendered again exactly as
asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shortory_core.clips.render import Mode
from shortory_core.clips.spec import ShortSpec
from shortory_core.jobs import JobService
from shortory_core.records import ClipStatus

PLAIN = ShortSpec(snap=False)  # a plain cut: the source's frame, no captions, edges as asked


@dataclass(frozen=True)
class ClipRequest:
    start: float
    end: float
    score: float
    label: str
    spec: ShortSpec = PLAIN
    title: str = ""  # the title line (emotion, score, top comment) when the spec shows one
    meta: dict = field(default_factory=dict)  # what the clip was cut for (emotion, scores)


def queue_clips(service: JobService, project_id: int, kind: str, requests: list[ClipRequest],
                mode: Mode = "exact") -> list[int]:
    """Record one clip per request and queue its render; returns the clip ids. A request for
    a span already rendered (or on its way) with the same options reuses that clip: the
    same moments asked twice give one clip each, not two."""
    store = service.store
    existing = {_identity(c.meta.get("asked", (c.start, c.end)), c.mode,
                          ShortSpec.of(c.meta, c.vertical), c.meta.get("title", "")): c.id
                for c in store.clips(project_id)
                if c.status.pending or c.status == ClipStatus.DONE}
    ids = []
    for r in requests:
        spec = r.spec if mode == "exact" else PLAIN  # a copy cut can only cut
        key = _identity((r.start, r.end), mode, spec, r.title)
        if key in existing:
            ids.append(existing[key])
            continue
        clip_id = store.add_clip(
            project_id, kind, r.start, r.end, score=r.score, label=r.label, mode=mode,
            vertical=spec.shape.vertical,
            meta=r.meta | {"short": spec.as_meta(), "title": r.title,
                           "asked": [r.start, r.end]})
        existing[key] = clip_id
        ids.append(clip_id)
        service.submit("render", {"clip_id": clip_id}, project_id=project_id,
                       subject_id=clip_id)
    return ids


def _identity(span: tuple[float, float] | list[float], mode: str, spec: ShortSpec,
              title: str) -> tuple:
    """What makes two clips the same file: the span asked (to the hundredth of a second;
    its edges may have moved since), the cut mode, how it is made and its title line."""
    start, end = span
    return (round(start, 2), round(end, 2), mode, spec, title if spec.shows_title else "")
