"""One video-time x axis for every chart: ticks in m:ss or h:mm:ss at any zoom, opened on
where the data is, a range navigator under it, and the user's zoom kept across reruns.

Plotly only relabels ticks as you zoom on a *date* axis, so video time is drawn as a datetime
from epoch 0 (``x`` seconds → ``"1970-01-01T00:00:x"``) with a clock ``tickformat``; numbers
on a date axis are no use (four-digit ones read as years, others shift with the browser's time
zone). Chart builders keep working in seconds: ``video_time_axis`` converts every trace and
shape of a finished figure in one pass, and ``timefmt.seconds_of`` turns what Plotly's
selection reports (``"1970-01-01 00:10:43.2"``) back into seconds.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from shortory_core.timefmt import clock_at, clock_x

HOUR_S = 3600.0
MARGIN = 0.03  # of the data's extent, either side
MIN_MARGIN_S = 0.5


def clock_format(duration: float) -> str:
    """m:ss for a video under an hour, h:mm:ss from an hour on."""
    return "%-H:%M:%S" if duration >= HOUR_S else "%-M:%S"


def data_extent(figure: go.Figure) -> tuple[float, float] | None:
    """First and last video time (s) where any trace shows something: a finite value, a
    non-zero bar, a heatmap column with a finite cell."""
    times: list[np.ndarray] = []
    for trace in figure.data:
        x = getattr(trace, "x", None)
        if x is None or trace.type not in ("scatter", "scattergl", "bar", "heatmap"):
            continue
        x = np.asarray(x, dtype=float)
        if trace.type == "heatmap":
            z = np.asarray(trace.z, dtype=float)
            shown = np.isfinite(z).any(axis=0) if z.ndim == 2 else np.ones(len(x), bool)
        else:
            y = np.asarray(trace.y, dtype=float)
            shown = np.isfinite(y) & ((y != 0) if trace.type == "bar" else True)
        times.append(x[shown[:len(x)] & np.isfinite(x[:len(shown)])])
    found = np.concatenate(times) if times else np.empty(0)
    return (float(found.min()), float(found.max())) if len(found) else None


def video_time_axis(figure: go.Figure, *, duration: float | None, revision: str,
                    navigator: bool = True) -> go.Figure:
    """Put ``figure`` (built with x in seconds) on a clock axis, opened on its data's extent
    with a small margin, a range navigator under the bottom row showing the whole video
    (``duration``, when known; none when not ``navigator``), and ``revision`` as
    ``uirevision``: the same for a project's chart on every rerun, so a zoom survives reruns
    and picks (Plotly keeps a user's range while the figure's own range is unchanged)."""
    extent = data_extent(figure)
    whole = (0.0, float(duration)) if duration and math.isfinite(duration) else extent
    start, end = extent or whole or (0.0, 1.0)
    margin = max((end - start) * MARGIN, MIN_MARGIN_S)
    start, end = max(start - margin, 0.0), end + margin
    for trace in figure.data:
        _to_clock(trace)
    for shape in figure.layout.shapes:
        if str(shape.xref or "x").startswith("x") and "domain" not in str(shape.xref or ""):
            shape.x0, shape.x1 = clock_at(float(shape.x0)), clock_at(float(shape.x1))
    form = clock_format(max((whole or (0.0, end))[1], end))
    axes = sorted((name for name in figure.layout.to_plotly_json() if name.startswith("xaxis")),
                  key=_axis_number) or ["xaxis"]
    figure.update_xaxes(type="date", tickformat=form, hoverformat=form,
                        tickformatstops=[{"dtickrange": [None, 1000],
                                          "value": f"{form}.%1f"}],
                        range=[clock_at(start), clock_at(end)])
    if navigator:
        slider = {"visible": True, "thickness": 0.08}
        if whole:
            slider["range"] = [clock_at(min(whole[0], start)), clock_at(max(whole[1], end))]
        figure.layout[axes[-1]].rangeslider = slider
    figure.update_layout(uirevision=revision)
    return figure


def _to_clock(trace: object) -> None:
    """The trace's x as clock values, without the points that draw nothing (a 4-hour grid
    where viewers cover 40 s would otherwise send every empty second to the browser)."""
    x = getattr(trace, "x", None)
    if x is None or not len(x) or isinstance(np.asarray(x).flat[0], str):
        return
    kind = getattr(trace, "type", "")
    if kind in ("scatter", "scattergl", "bar"):
        _keep(trace, _drawn(kind, np.asarray(trace.y, dtype=float)), axis=0)
    elif kind == "heatmap":
        _keep(trace, _within(np.isfinite(np.asarray(trace.z, dtype=float)).any(axis=0)), axis=1)
    trace.x = clock_x(np.asarray(trace.x, dtype=float))
    if kind == "bar" and isinstance(trace.width, int | float):
        trace.width = trace.width * 1000  # a bar's width on a date axis is in milliseconds


def _drawn(kind: str, y: np.ndarray) -> np.ndarray:
    """Points that show: a bar that is not empty; for a line, each value and one missing
    point of every gap (one breaks the line as well as many)."""
    shown = np.isfinite(y) & (y != 0) if kind == "bar" else np.isfinite(y)
    if kind == "bar":
        return shown
    first_of_gap = ~shown & np.concatenate([[True], shown[:-1]])
    return _within(shown) & (shown | first_of_gap)


def _within(shown: np.ndarray) -> np.ndarray:
    """From the first shown point to the last."""
    index = np.flatnonzero(shown)
    keep = np.zeros(len(shown), bool)
    if len(index):
        keep[index[0]:index[-1] + 1] = True
    return keep


def _keep(trace: object, keep: np.ndarray, axis: int) -> None:
    """Every per-point array of ``trace`` cut down to ``keep`` (along ``axis`` for a grid)."""
    if keep.all():
        return
    for name in ("x", "y", "z", "text", "customdata", "hovertext"):
        values = getattr(trace, name, None)
        if values is None or isinstance(values, str):
            continue
        array = np.asarray(values)
        along = min(axis, array.ndim - 1)  # a grid's x runs along its columns
        if along >= 0 and array.shape[along] == len(keep):
            setattr(trace, name, np.compress(keep, array, axis=along))


def _axis_number(name: str) -> int:
    digits = name.removeprefix("xaxis")
    return int(digits) if digits.isdigit() else 1
