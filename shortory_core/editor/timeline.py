"""The project's finished shorts as one OpenTimelineIO timeline.

Every clip points at the SOURCE video (the editor re-cuts from the original, not from our
render), with ``source_range`` the short's exact span in frames of the video's rate. Clips sit
end to end, best first by the 0–100 score (clips without one follow in time order): an editor
trims from the top of a selects reel. A marker on each video clip sits at the short's peak.
``metadata["shortory"]`` holds what the short was cut for; ``.otio`` keeps all of it, and the
formats that cannot (FCPXML, FCP 7 XML, EDL) get what they carry from ``formats.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from shortory_core.errors import ShortoryError
from shortory_core.records import ClipRecord, ClipStatus, VideoInfo
from shortory_core.store import Store

NO_SHORTS = "no rendered shorts to export: render some in the studio first"
FALLBACK_FPS = 25.0  # a video whose rate was never read
# The rates editors name, exactly: 29.97 is 30000/1001, and a float near it means that.
STANDARD_RATES = tuple(Fraction(r) for r in (24, 25, 30, 48, 50, 60)) + tuple(
    Fraction(n * 1000, 1001) for n in (24, 30, 60))
META = "shortory"


def frame_rate(fps: float) -> float:
    """The video's rate as an editor names it: a standard rate when ``fps`` is within 0.01 of
    one (probes report 29.97 as 29.97002997… or 29.97), else ``fps`` itself."""
    fps = fps if fps > 0 else FALLBACK_FPS
    near = min(STANDARD_RATES, key=lambda r: abs(float(r) - fps))
    return float(near) if abs(float(near) - fps) < 0.01 else fps


@dataclass(frozen=True)
class Exportable:
    """What the timeline is made of: the source video and its finished shorts, in order."""

    video: VideoInfo
    source: Path
    rate: float
    clips: list[ClipRecord]


def exportable(store: Store, project_id: int) -> Exportable:
    """The project's source video and finished shorts, best first; refuses (``ShortoryError``)
    when there is nothing to export."""
    video = store.get_video(project_id)
    clips = [c for c in store.clips(project_id) if c.status == ClipStatus.DONE and c.path]
    if video is None or not clips:
        raise ShortoryError(NO_SHORTS)
    clips.sort(key=lambda c: (-_total(c) if _total(c) is not None else 1, c.start, c.id))
    return Exportable(video, store.media_path(video.path), frame_rate(video.fps), clips)


def _total(clip: ClipRecord) -> int | None:
    score = clip.meta.get("score")
    return int(score["total"]) if isinstance(score, dict) and "total" in score else None


def frames(seconds: float, rate: float) -> RationalTime:
    """A time of the source video on its frame grid (the nearest frame)."""
    return RationalTime(round(seconds * rate), rate)


def editor_timeline(store: Store, project_id: int, rate: float | None = None
                    ) -> otio.schema.Timeline:
    """The timeline: one video track (and the audio track, when the video has sound) of the
    finished shorts, cut from the source video, in frames of the video's rate (or of ``rate``,
    for a format that knows only some rates)."""
    made = exportable(store, project_id)
    rate = rate or made.rate
    project = store.get_project(project_id)
    whole = TimeRange(RationalTime(0, rate), frames(made.video.duration, rate))
    timeline = otio.schema.Timeline(name=project.name if project else f"project {project_id}")
    timeline.global_start_time = RationalTime(0, rate)
    kinds = [otio.schema.TrackKind.Video] + (
        [otio.schema.TrackKind.Audio] if made.video.has_audio else [])
    for kind in kinds:
        track = otio.schema.Track(name="V1" if kind == otio.schema.TrackKind.Video else "A1",
                                  kind=kind)
        for clip in made.clips:
            track.append(_clip(store, clip, made, whole, kind == otio.schema.TrackKind.Video))
        timeline.tracks.append(track)
    return timeline


def _clip(store: Store, clip: ClipRecord, made: Exportable, whole: TimeRange, video: bool
          ) -> otio.schema.Clip:
    rate = made.rate
    start, end = frames(clip.start, rate), frames(clip.end, rate)
    reference = otio.schema.ExternalReference(target_url=made.source.resolve().as_uri(),
                                              available_range=whole)
    reference.name = made.source.name
    item = otio.schema.Clip(name=clip.label or f"short {clip.id}", media_reference=reference,
                            source_range=TimeRange(start, end - start))
    item.metadata[META] = clip_metadata(store, clip)
    peak = clip.meta.get("peak_time")
    if video and isinstance(peak, int | float):
        at = frames(min(max(float(peak), clip.start), clip.end), rate)
        at = min(at, end - RationalTime(1, rate))  # on a frame of the clip, not past its end
        marker = otio.schema.Marker(name=f"peak {clip.meta.get('emotion', clip.kind)}",
                                    marked_range=TimeRange(at, RationalTime(0, rate)),
                                    color=otio.schema.MarkerColor.RED)
        marker.metadata[META] = {"peak_time": float(peak)}
        item.markers.append(marker)
    return item


def clip_metadata(store: Store, clip: ClipRecord) -> dict:
    """What the short was cut for and where its files are (plain JSON values)."""
    meta = clip.meta
    files = {name: str(store.media_path(meta[name])) for name in ("srt", "vtt")
             if isinstance(meta.get(name), str) and meta[name]}
    return {
        "clip_id": clip.id, "label": clip.label, "kind": clip.kind,
        "emotion": meta.get("emotion", clip.kind), "emotions": meta.get("emotions", []),
        "start": clip.start, "end": clip.end, "peak_time": meta.get("peak_time"),
        "score": meta.get("score"), "prominence_score": clip.score,
        "signals": meta.get("signals", {}), "attention": meta.get("attention"),
        "top_comment": meta.get("top_comment", ""),
        "rendered": str(store.media_path(clip.path)), **files,
    }
