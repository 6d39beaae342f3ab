"""What the user picked on the studio chart, read from Plotly's selection state.

A click on a peak's star picks that peak, and so does a click on that emotion's line within
``SNAP_S`` of the peak (the star sits on the line, and Plotly may give the click to either). A
click anywhere else picks the moment at that time (± the clip padding); a dragged box picks
exactly its time span. Both kinds of pick become
``Peak`` records filed under the emotion strongest there (``peaks.peak_at``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shortory_core.highlights.peaks import Peak, peak_at
from shortory_core.highlights.timeline import ProjectTimeline
from shortory_core.timefmt import seconds_of

MIN_SPAN_S = 1.0
SNAP_S = 1.0


@dataclass(frozen=True)
class Picks:
    peak_indices: frozenset[int]  # found peaks chosen by clicking their star
    spans: tuple[Peak, ...]  # moments picked elsewhere on the chart

    def __bool__(self) -> bool:
        return bool(self.peak_indices or self.spans)


def _peak_index(point: Mapping[str, Any]) -> int | None:
    data = point.get("customdata")
    if isinstance(data, list):
        data = data[0] if data else None
    return int(data) if isinstance(data, int | float) else None


def _snap(kind: str, x: float, peaks: list[Peak]) -> int | None:
    """The peak of ``kind`` within ``SNAP_S`` of ``x``, if any."""
    near = [(abs(p.time - x), i) for i, p in enumerate(peaks) if p.kind == kind
            and abs(p.time - x) <= SNAP_S]
    return min(near)[1] if near else None


def read_picks(selection: Mapping[str, Any] | None, trace_names: list[str], peak_trace: str,
               peaks: list[Peak], timeline: ProjectTimeline, pad_s: float) -> Picks:
    """Picks from a ``st.plotly_chart`` selection (``{"points": [...], "box": [...]}``), its
    x values clock times on the chart's date axis (``seconds_of``).
    ``trace_names`` names the figure's traces by curve number; stars are ``peak_trace``."""
    if not selection:
        return Picks(frozenset(), ())
    boxes = []
    for box in selection.get("box", []):
        xs = sorted(x for x in map(seconds_of, box.get("x", [])) if x is not None)
        if len(xs) == 2 and xs[1] - xs[0] >= MIN_SPAN_S:
            boxes.append((xs[0], xs[1]))
    if boxes:  # a dragged box also reports every point inside it: the box is the pick
        spans = [peak_at(timeline, start, end) for start, end in sorted(set(boxes))]
        return Picks(frozenset(), tuple(spans))
    chosen: set[int] = set()
    times: set[float] = set()
    for point in selection.get("points", []):
        curve, x = point.get("curve_number"), seconds_of(point.get("x"))
        name = trace_names[curve] if isinstance(curve, int) and curve < len(trace_names) else ""
        if x is None:
            continue
        index = _peak_index(point) if name == peak_trace else _snap(name, x, peaks)
        if index is not None and index < len(peaks):
            chosen.add(index)
        else:
            times.add(x)
    spans = [peak_at(timeline, x - pad_s, x + pad_s) for x in sorted(times)]
    return Picks(frozenset(chosen), tuple(spans))
