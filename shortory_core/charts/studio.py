"""The studio chart: every registered signal of a project stacked on one video-time axis,
fused interest on top, peaks marked.

Peaks are found on the full-resolution timeline; only the drawing is thinned. Each row keeps
the maximum of every bucket of bins (``MAX_POINTS`` buckets per trace), so a short spike still
shows at its height on a 2-hour video. Line traces carry markers: Plotly only reports clicks
on markers, and a click is how the user picks a moment (a drag pans, as a click would not reach
Plotly's click event in its box-select mode; the box tool is one press away). The figure never
shows the picks: Streamlit names the chart's widget after its figure, so a figure redrawn with
them would be a new widget and drop its selection.
"""

from __future__ import annotations

import warnings

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from shortory_core.charts.chapters import add_chapters
from shortory_core.charts.hover import at_time
from shortory_core.charts.palette import FUSED_COLOUR, SIGNAL_COLOURS
from shortory_core.charts.time_axis import video_time_axis
from shortory_core.highlights.peaks import Peak
from shortory_core.highlights.timeline import ProjectTimeline
from shortory_core.signals.chapters import ChapterMarker
from shortory_core.signals.grid import smooth
from shortory_core.signals.signal import Signal
from shortory_core.timefmt import format_seconds

MAX_POINTS = 1500
PEAK_TRACE = "peaks"
FUSED_ROW = "fused interest"


def bucket_max(t: np.ndarray, values: np.ndarray, max_points: int = MAX_POINTS
               ) -> tuple[np.ndarray, np.ndarray]:
    """(bucket centre times, bucket maxima); NaN where a bucket has no data."""
    size = max(int(np.ceil(len(t) / max_points)), 1)
    if size == 1:
        return t, values
    pad = (-len(values)) % size
    padded = np.concatenate([values, np.full(pad, np.nan)]).reshape(-1, size)
    times = np.concatenate([t, np.full(pad, np.nan)]).reshape(-1, size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # empty buckets stay NaN
        return np.nanmean(times, axis=1), np.nanmax(padded, axis=1)


def signal_rows(timeline: ProjectTimeline) -> dict[str, list[Signal]]:
    """The chart's rows (each signal's ``row``, in registry order) that have any data: a
    value somewhere that is not missing and not zero (a project with no viewers gets no
    "viewers" row of zeros)."""
    rows: dict[str, list[Signal]] = {}
    for signal in timeline.signals:
        if np.nan_to_num(timeline[signal.name]).any():
            rows.setdefault(signal.row, []).append(signal)
    return rows


def studio_figure(timeline: ProjectTimeline, fused: np.ndarray, peaks: list[Peak],
                  smoothing_bins: int = 1, max_points: int = MAX_POINTS,
                  revision: str = "studio", chapters: list[ChapterMarker] | None = None
                  ) -> go.Figure:
    """One row for fused interest, then one per signal row of the registry (emotions,
    attention, viewers, comment mentions, "Most replayed"…), each drawn once it has data.
    Level signals are drawn smoothed as the peak finder sees them, so each star (emotion
    peaks on their signal's row, fused peaks on the fused row) sits on its line; a star's
    customdata is its index in ``peaks``. ``chapters`` are marked across every row."""
    rows = signal_rows(timeline)
    titles = [FUSED_ROW, *rows]
    heights = [0.2] + [0.12 + 0.05 * len(signals) for signals in rows.values()]
    figure = make_subplots(rows=len(titles), cols=1, shared_xaxes=True, row_heights=heights,
                           vertical_spacing=0.035, subplot_titles=titles)
    row_of = {s.name: titles.index(row) + 1 for row, signals in rows.items() for s in signals}
    line = {"mode": "lines+markers", "marker": {"size": 3}, "line": {"width": 1.6},
            "connectgaps": False}
    t = timeline.t
    # Stars first: where a star and a line point coincide, Plotly gives the click to the
    # earlier trace, and a click on a star should pick that peak.
    starred: dict[int, list[int]] = {}
    for index, peak in enumerate(peaks):
        starred.setdefault(1 if peak.kind == "fused" else row_of.get(peak.kind, 1), []).append(
            index)
    for row, indices in sorted(starred.items()):
        figure.add_scatter(
            x=[peaks[i].time for i in indices],
            y=[_star_height(timeline, peaks[i]) for i in indices],
            name=PEAK_TRACE, mode="markers", row=row, col=1, showlegend=row == min(starred),
            marker={"symbol": "star", "size": 14, "line": {"width": 1, "color": "#1a1b26"},
                    "color": [SIGNAL_COLOURS.get(peaks[i].kind, FUSED_COLOUR)
                              for i in indices]},
            customdata=indices,
            text=[f"{peaks[i].kind} peak at {format_seconds(peaks[i].time)} · score "
                  f"{peaks[i].score:.2f}" for i in indices],
            hovertemplate="%{text}<extra></extra>",
        )
    x, y = bucket_max(t, fused, max_points)
    figure.add_scatter(x=x, y=y, name="fused", row=1, col=1, line_color=FUSED_COLOUR, **line,
                       **at_time(x))
    figure.update_yaxes(range=[0, 1.05], row=1, col=1)
    for signal in timeline.signals:
        if signal.name not in row_of:
            continue
        values = timeline[signal.name]
        if signal.scale != "rate":
            values = smooth(values, smoothing_bins)
        x, y = bucket_max(t, values, max_points)
        where = {"row": row_of[signal.name], "col": 1}
        hover = at_time(x, f"%{{y:.{1 if signal.unit else 2}f}}{signal.unit}")
        if signal.style == "bar":
            figure.add_bar(x=x, y=np.nan_to_num(y), name=signal.label,
                           marker_color=signal.colour, **where, **hover)
        else:
            figure.add_scatter(x=x, y=y, name=signal.label, line_color=signal.colour,
                               fill="tozeroy" if signal.style == "area" else None,
                               **line, **where, **hover)
        if not signal.unit:  # a 0–1 level; rates and counts scale to their data
            figure.update_yaxes(range=[0, 1.05], **where)
    add_chapters(figure, chapters or [], row=1)
    figure.update_xaxes(title="video time", row=len(titles), col=1)
    figure.update_layout(height=180 * len(titles) + 60,
                         margin={"l": 50, "r": 20, "t": 80, "b": 40},
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                         hovermode="closest")
    return video_time_axis(figure, duration=len(timeline.t) * timeline.step, revision=revision)


def _star_height(timeline: ProjectTimeline, peak: Peak) -> float:
    """Where a peak's star sits: on its row's line. A comment peak's row is a rate (mentions
    / s), which its 0–1 score is not, so its star sits on the rate at its time."""
    signal = next((s for s in timeline.signals if s.name == peak.kind), None)
    if signal is None or signal.scale != "rate":
        return peak.score
    return float(timeline[peak.kind][int(np.argmin(np.abs(timeline.t - peak.time)))])


def trace_names(figure: go.Figure) -> list[str]:
    """Trace names by curve number, as Plotly's selection reports points."""
    return [trace.name or "" for trace in figure.data]
