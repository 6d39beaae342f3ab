"""The editor timeline written in each format an editor opens, through OpenTimelineIO's
adapters, with what each format can carry of our metadata:

- ``otio`` (OpenTimelineIO JSON; DaVinci Resolve reads it): everything.
- ``fcpxml`` (Final Cut Pro, Resolve): in/out, the peak markers, a note per clip (the score's
  reason) and keywords (emotion, score).
- ``fcp7`` (FCP 7 XML, which Premiere Pro imports): in/out, the markers with a comment, and
  the clip's master comments (score, emotion, reason, rendered file).
- ``edl`` (CMX 3600): in/out as timecode at 24, 25 or 30 fps (29.97 drop frame; another rate
  is re-cut to the nearest of those), reel names of at most 8 characters, the markers as LOC
  lines and our metadata as comment lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import opentimelineio as otio

from shortory_core.editor.timeline import META, editor_timeline, exportable
from shortory_core.errors import ShortoryError
from shortory_core.store import Store

# format → (adapter, file suffix, MIME type)
FORMATS = {
    "otio": ("otio_json", ".otio", "application/json"),
    "fcpxml": ("fcpx_xml", ".fcpxml", "application/xml"),
    "fcp7": ("fcp_xml", ".xml", "application/xml"),
    "edl": ("cmx_3600", ".edl", "text/plain"),
}
EDL_RATES = (24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0)
REEL_CHARS = 8

# The FCPXML adapter looks frame durations up by rate, with 29.97 as the only key for NTSC; a
# clip at exactly 30000/1001 fps (what "29.97" is) would get none and fail. Exact rates, added
# to the module OpenTimelineIO's plugin loader runs (not necessarily the one ``import`` gives).
_FCPX_DURATIONS = otio.adapters.from_name("fcpx_xml").module().FRAMERATE_FRAMEDURATION
for _rate, _duration in ((24000 / 1001, "1001/24000s"), (30000 / 1001, "1001/30000s"),
                         (60000 / 1001, "1001/60000s")):
    _FCPX_DURATIONS.setdefault(_rate, _duration)


def edl_rate(rate: float) -> float:
    """The EDL timecode rate for a video of ``rate`` fps: itself when it is one EDLs know, else
    the known rate that a whole multiple or fraction of it lands on most nearly (50 → 25,
    59.94 → 29.97, 15 → 30)."""
    return min(((abs(rate * f - r) / r, r) for r in EDL_RATES
                for f in (1, 1 / 2, 1 / 3, 1 / 4, 2, 3)), key=lambda pair: pair[0])[1]


def reel_name(source: Path) -> str:
    """An EDL reel name: the source file's name, letters and digits only, at most 8."""
    return re.sub(r"[^A-Za-z0-9]", "", source.stem).upper()[:REEL_CHARS] or "AX"


def timeline_for(store: Store, project_id: int, fmt: str) -> otio.schema.Timeline:
    """The editor timeline as ``fmt`` will carry it (see the module's docstring)."""
    if fmt not in FORMATS:
        raise ShortoryError(f"no export format {fmt!r}; one of {', '.join(FORMATS)}")
    made = exportable(store, project_id)
    rate = edl_rate(made.rate) if fmt == "edl" else made.rate
    timeline = editor_timeline(store, project_id, rate)
    reel = reel_name(made.source)
    for clip in timeline.find_clips():
        _carry(clip, clip.metadata[META], reel)
    return timeline


def _carry(clip: otio.schema.Clip, meta: dict, reel: str) -> None:
    """Our metadata in the places FCPXML, FCP 7 XML and EDLs keep (each adapter reads only its
    own namespace, so one timeline can hold them all)."""
    score = meta.get("score") or {}
    total = score.get("total", "")
    why = score.get("why", "") or meta.get("label", "")
    emotion = str(meta.get("emotion", ""))
    clip.media_reference.metadata["fcpx"] = {
        "note": why,
        "keywords": [{"start": "0s", "duration": "0s", "value": f"{emotion}, score {total}"}],
    }
    clip.metadata["fcp_xml"] = {"comments": {
        "mastercomment1": f"score {total}", "mastercomment2": emotion,
        "mastercomment3": why, "mastercomment4": str(meta.get("rendered", ""))}}
    clip.metadata["cmx_3600"] = {"reel": reel, "comments": [
        _edl_comment(f"SHORTORY SCORE {total} EMOTION {emotion}"), _edl_comment(why)]}
    for marker in clip.markers:
        marker.metadata["fcp_xml"] = {"comment": f"{emotion} peak, score {total}"}


def _edl_comment(text: str) -> str:
    """One EDL comment line: one line of plain ASCII (EDL readers expect nothing else)."""
    return " ".join(text.encode("ascii", "replace").decode("ascii").split())


def timeline_bytes(store: Store, project_id: int, fmt: str) -> bytes:
    """The project's editor timeline as a file of format ``fmt``, in memory (a download)."""
    adapter = FORMATS[fmt][0] if fmt in FORMATS else ""
    timeline = timeline_for(store, project_id, fmt)
    kwargs = {"rate": timeline.tracks[0].duration().rate} if fmt == "edl" else {}
    text = otio.adapters.write_to_string(timeline, adapter_name=adapter, **kwargs)
    return text.encode("utf-8")


def export_timeline(store: Store, project_id: int, fmt: str, out: Path) -> Path:
    """Write the project's finished shorts as an editor timeline of format ``fmt`` to ``out``;
    refuses (``ShortoryError``) a project with no finished shorts or an unknown format."""
    data = timeline_bytes(store, project_id, fmt)
    out.write_bytes(data)
    return out
