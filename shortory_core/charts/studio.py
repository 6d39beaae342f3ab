"""The studio chart: every signal of a project stacked on one video-time axis, peaks marked.

Peaks are found on the full-resolution timeline; only the drawing is thinned. Each row keeps
the maximum of every bucket of bins (``MAX_POINTS`` buckets per trace), so a short spike still
shows at its height on a 2-hour video. Line traces carry markers: Plotly only reports clicks
on markers, and a click is how the user picks a moment.
"""

from __future__ import annotations

import warnings

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from shortory_core.charts.hover import at_time
from shortory_core.charts.palette import (
    ATTENTION_COLOUR,
    COMMENTS_COLOUR,
    EMOTION_COLOURS,
    FUSED_COLOUR,
)
from shortory_core.highlights.peaks import Peak, smooth
from shortory_core.highlights.timeline import ProjectTimeline
from shortory_core.timefmt import format_seconds

MAX_POINTS = 1500
PICKED_FILL = "rgba(158, 206, 106, 0.20)"
PEAK_TRACE = "peaks"


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


def studio_figure(timeline: ProjectTimeline, fused: np.ndarray, peaks: list[Peak],
                  smoothing_bins: int = 1, max_points: int = MAX_POINTS) -> go.Figure:
    """Rows: emotions, attention, fused interest, comment mentions, and "Most replayed" when
    known. Emotions and attention are drawn smoothed as the peak finder sees them, so each
    star (emotion peaks on the emotion row, fused peaks on the fused row) sits on its line;
    a star's customdata is its index in ``peaks``."""
    has_heatmap = bool(np.isfinite(timeline.heatmap).any())
    titles = ["emotions", "attention", "fused interest", "comment mentions / s"]
    heights = [0.34, 0.16, 0.2, 0.18]
    if has_heatmap:
        titles.append("most replayed")
        heights.append(0.12)
    figure = make_subplots(rows=len(titles), cols=1, shared_xaxes=True, row_heights=heights,
                           vertical_spacing=0.035, subplot_titles=titles)
    line = {"mode": "lines+markers", "marker": {"size": 3}, "line": {"width": 1.6},
            "connectgaps": False}
    t = timeline.t
    # Stars first: where a star and a line point coincide, Plotly gives the click to the
    # earlier trace, and a click on a star should pick that peak.
    for row, chosen in ((1, lambda p: p.kind != "fused"), (3, lambda p: p.kind == "fused")):
        indices = [i for i, p in enumerate(peaks) if chosen(p)]
        if indices:
            figure.add_scatter(
                x=[peaks[i].time for i in indices], y=[peaks[i].score for i in indices],
                name=PEAK_TRACE, mode="markers", row=row, col=1, showlegend=row == 1,
                marker={"symbol": "star", "size": 14, "line": {"width": 1, "color": "#1a1b26"},
                        "color": [EMOTION_COLOURS.get(peaks[i].kind, FUSED_COLOUR)
                                  for i in indices]},
                customdata=indices,
                text=[f"{peaks[i].kind} peak at {format_seconds(peaks[i].time)} · score "
                      f"{peaks[i].score:.2f}" for i in indices],
                hovertemplate="%{text}<extra></extra>",
            )
    for emotion, values in timeline.emotions.items():
        x, y = bucket_max(t, smooth(values, smoothing_bins), max_points)
        figure.add_scatter(x=x, y=y, name=emotion, row=1, col=1,
                           line_color=EMOTION_COLOURS.get(emotion), **line, **at_time(x))
    x, y = bucket_max(t, smooth(timeline.attention, smoothing_bins), max_points)
    figure.add_scatter(x=x, y=y, name="attention", row=2, col=1, line_color=ATTENTION_COLOUR,
                       **line, **at_time(x))
    x, y = bucket_max(t, fused, max_points)
    figure.add_scatter(x=x, y=y, name="fused", row=3, col=1, line_color=FUSED_COLOUR, **line,
                       **at_time(x))
    x, y = bucket_max(t, timeline.comments, max_points)
    figure.add_bar(x=x, y=np.nan_to_num(y), name="mentions", row=4, col=1,
                   marker_color=COMMENTS_COLOUR, **at_time(x, "%{y:.1f}/s"))
    if has_heatmap:
        x, y = bucket_max(t, timeline.heatmap, max_points)
        figure.add_scatter(x=x, y=y, name="most replayed", row=5, col=1, fill="tozeroy",
                           line_color=COMMENTS_COLOUR, **line, **at_time(x))
    for row in range(1, 4):
        figure.update_yaxes(range=[0, 1.05], row=row, col=1)
    figure.update_xaxes(title="video time (s)", row=len(titles), col=1)
    figure.update_layout(height=180 * len(titles), margin={"l": 50, "r": 20, "t": 80, "b": 40},
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                         hovermode="closest")
    return figure


def shade_picks(figure: go.Figure, picked: tuple[Peak, ...] | list[Peak]) -> None:
    """Shade the spans the user picked, across every row."""
    for peak in picked:
        figure.add_vrect(x0=peak.start, x1=peak.end, fillcolor=PICKED_FILL, line_width=0)


def trace_names(figure: go.Figure) -> list[str]:
    """Trace names by curve number, as Plotly's selection reports points."""
    return [trace.name or "" for trace in figure.data]
