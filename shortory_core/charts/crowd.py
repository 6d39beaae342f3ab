"""The crowd chart: comment mentions over video time, moments marked, chapters and the
heatmap overlaid.

Bars read in mentions per second (a bin's count over its width), so the height of a moment
does not change with the bin slider and reads like every other rate of the app."""

from __future__ import annotations

import plotly.graph_objects as go

from shortory_core.charts.chapters import add_chapters
from shortory_core.charts.time_axis import video_time_axis
from shortory_core.records import HeatPoint
from shortory_core.signals.chapters import ChapterMarker
from shortory_core.signals.comment_moments import Mentions, Moment, mention_histogram
from shortory_core.signals.heatmap import HeatPeak
from shortory_core.timefmt import format_seconds

MOMENT_COLOUR = "rgba(255, 90, 95, 0.18)"


def crowd_figure(
    mentions: Mentions,
    moments: list[Moment],
    *,
    bin_seconds: float,
    duration: float | None,
    heatmap: list[HeatPoint] | None = None,
    heat_peaks: list[HeatPeak] | None = None,
    chapters: list[ChapterMarker] | None = None,
    revision: str = "crowd",
) -> go.Figure:
    """Mentions per second in each bin, moments shaded and numbered, chapter starts as dotted
    lines, "Most replayed" on a right axis; opened on where the mentions are (``revision``:
    see ``video_time_axis``)."""
    counts, lefts = mention_histogram(mentions, bin_seconds, duration)
    rates = counts / bin_seconds
    figure = go.Figure()
    figure.add_bar(
        x=lefts + bin_seconds / 2, y=rates, width=bin_seconds * 0.95, name="mentions",
        marker_color="#8ab4f8",
        customdata=[[f"{format_seconds(x)}–{format_seconds(x + bin_seconds)}", n]
                    for x, n in zip(lefts, counts.tolist(), strict=True)],
        hovertemplate="%{customdata[0]}: %{customdata[1]} mentions (%{y:.2f}/s)<extra></extra>",
    )
    top = max(float(rates.max(initial=0)), 1 / bin_seconds) * 1.08
    add_chapters(figure, chapters or [])
    for moment in moments:
        figure.add_vrect(x0=moment.start, x1=moment.end, fillcolor=MOMENT_COLOUR, line_width=0,
                         layer="below")
    if moments:
        figure.add_scatter(
            x=[m.centre for m in moments], y=[top] * len(moments),
            mode="markers+text", text=[f"#{m.rank}" for m in moments], textposition="top center",
            marker={"symbol": "triangle-down", "size": 12, "color": "#ff5a5f"}, name="moments",
            customdata=[[format_seconds(m.centre), m.mentions, m.unique_authors] for m in moments],
            hovertemplate="moment at %{customdata[0]}<br>%{customdata[1]} mentions, "
                          "%{customdata[2]} authors<extra></extra>",
        )
    if heatmap:
        figure.add_scatter(
            x=[(p.start + p.end) / 2 for p in heatmap], y=[p.value for p in heatmap],
            yaxis="y2", mode="lines", line={"color": "#f6c177", "width": 2},
            name="most replayed", hovertemplate="replayed %{y:.2f}<extra></extra>",
        )
    if heat_peaks:
        figure.add_scatter(
            x=[p.time for p in heat_peaks], y=[p.value for p in heat_peaks], yaxis="y2",
            mode="markers", marker={"symbol": "star", "size": 12, "color": "#f6c177"},
            name="replay peaks", hovertemplate="replay peak %{y:.2f}<extra></extra>",
        )
    figure.update_layout(
        height=360, margin={"l": 40, "r": 40, "t": 30, "b": 40}, bargap=0,
        xaxis={"title": "video time"},
        yaxis={"title": f"mentions / s ({bin_seconds:g} s bins)"},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 1.05], "showgrid": False,
                "title": "replayed", "visible": bool(heatmap)},
        legend={"orientation": "h", "y": 1.12},
    )
    return video_time_axis(figure, duration=duration, revision=revision)
