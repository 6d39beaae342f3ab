"""What the user picked on the studio chart, read from Plotly's selection state.

A click on a peak's star picks that peak, and so does a click on that emotion's line within
``SNAP_S`` of the peak (the star sits on the line, and Plotly may give the click to either). A
click anywhere else picks the moment at that time (± the clip padding); a dragged box picks
exactly its time span. Both kinds of pick become
``Peak`` records filed under the emotion strongest there (``peaks.peak_at``).

The picks themselves live in the session (``StudioPicks``), not in the chart's selection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
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


def _last_time(selection: Mapping[str, Any]) -> float | None:
    """Where the last pick of a selection is: a box's start, else the last clicked point."""
    for box in reversed(selection.get("box", [])):
        xs = [x for x in map(seconds_of, box.get("x", [])) if x is not None]
        if xs:
            return min(xs)
    for point in reversed(selection.get("points", [])):
        if (x := seconds_of(point.get("x"))) is not None:
            return x
    return None


@dataclass
class StudioPicks:
    """One project's picks in the studio, kept in the session rather than in the chart.

    Streamlit names a chart widget after its figure: when the figure changes, the chart comes
    back as a new widget with an empty selection, and a pick that lived only there was lost on
    the next rerun (a button press, an option toggle). So a selection is *taken* once, when it
    first appears, into ``picked``; an empty selection clears nothing by itself (it is what a
    fresh widget reports), only ``clear`` does: the "Clear picks" button and a double click
    on the chart (the chart's select callback, which fires on the user's own changes only).
    """

    picked: tuple[Peak, ...] = ()  # found peaks and picked spans, as they were picked
    seek_s: float | None = None  # where the last pick is: the player starts there
    taken: str = ""  # the selection ``picked`` was read from, as JSON
    generation: int = 0  # a new one gives the chart a fresh widget, its selection drawn away

    def chart_key(self, project_id: int) -> str:
        return f"studio-chart-{project_id}-{self.generation}"

    def take(self, selection: Mapping[str, Any] | None, trace_names: list[str],
             peak_trace: str, peaks: list[Peak], timeline: ProjectTimeline,
             pad_s: float) -> None:
        """Replace the picks with a new, non-empty selection (as Plotly replaces its own
        selection with a new one). ``peaks`` are those the chart was drawn with."""
        if not selection or not (selection.get("points") or selection.get("box")):
            return
        raw = json.dumps(selection, sort_keys=True, default=str)
        if raw == self.taken:
            return
        picks = read_picks(selection, trace_names, peak_trace, peaks, timeline, pad_s)
        self.picked = (*(peaks[i] for i in sorted(picks.peak_indices)), *picks.spans)
        self.seek_s = _last_time(selection)
        self.taken = raw

    def clear(self) -> None:
        """No picks, and a fresh chart widget, so that picking the same spot again is new."""
        self.picked, self.taken, self.generation = (), "", self.generation + 1

    def resolve(self, peaks: list[Peak]) -> Picks:
        """The picks against the peaks found now: a picked peak still found ticks its row, any
        other pick (a span, or a peak the sliders have since moved) is a row of its own."""
        found = {peak: index for index, peak in enumerate(peaks)}
        return Picks(frozenset(found[p] for p in self.picked if p in found),
                     tuple(p for p in self.picked if p not in found))


def session_picks(state: MutableMapping[str, Any], project_id: int) -> StudioPicks:
    """The project's ``StudioPicks`` in ``state`` (``st.session_state``), made on first use."""
    return state.setdefault(f"studio-picks-{project_id}", StudioPicks())
