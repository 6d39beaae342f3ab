"""The panel's figures: mean curves with their 95% bands, shares of viewers, and the
viewers × time heatmap. Hovers read in m:ss with named values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from shortory_core.charts.hover import clock
from shortory_core.charts.palette import ATTENTION_COLOUR, SIGNAL_COLOURS, translucent
from shortory_core.charts.time_axis import video_time_axis
from shortory_core.panel.stats import GroupDifference, PanelCurves, PanelPeak
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.timefmt import format_seconds
from shortory_core.untrusted import for_plotly


def panel_figure(panel: PanelCurves, peaks: list[PanelPeak] | None = None,
                 normalised: bool = True, revision: str = "panel") -> go.Figure:
    """Row 1: each emotion's mean across viewers with its 95% band; row 2: the share of
    viewers expressing it (and the attention share); row 3: viewers with data. Opened on
    the span the viewers cover (``revision``: see ``video_time_axis``)."""
    figure = make_subplots(rows=3, cols=1, shared_xaxes=True, row_heights=[0.45, 0.4, 0.15],
                           vertical_spacing=0.04,
                           subplot_titles=["mean across viewers (95% band)" +
                                           (" · z vs own baseline" if normalised else ""),
                                           "share of viewers expressing", "viewers with data"])
    times = clock(panel.t)
    for emotion in PRODUCT_EMOTIONS:
        colour = SIGNAL_COLOURS[emotion]
        _band(figure, panel.t, panel.low[emotion], panel.high[emotion], emotion, row=1, col=1)
        figure.add_scatter(x=panel.t, y=panel.mean[emotion], name=emotion, legendgroup=emotion,
                           line={"color": colour, "width": 2}, customdata=times,
                           hovertemplate=f"{emotion} at %{{customdata}}: mean %{{y:.2f}}"
                                         "<extra></extra>", row=1, col=1)
        figure.add_scatter(x=panel.t, y=panel.share[emotion], name=emotion, legendgroup=emotion,
                           showlegend=False, line={"color": colour, "width": 2},
                           customdata=np.stack([times, panel.n.astype(str)], axis=1),
                           hovertemplate=f"{emotion} at %{{customdata[0]}}: %{{y:.0%}} of "
                                         "%{customdata[1]} viewers<extra></extra>",
                           row=2, col=1)
    figure.add_scatter(x=panel.t, y=panel.share["attention"], name="attention",
                       line={"color": ATTENTION_COLOUR, "width": 2, "dash": "dot"},
                       customdata=times, row=2, col=1,
                       hovertemplate="attentive at %{customdata}: %{y:.0%}<extra></extra>")
    figure.add_bar(x=panel.t, y=panel.n, name="viewers", marker_color="#777777",
                   showlegend=False, customdata=times, row=3, col=1,
                   hovertemplate="%{customdata}: %{y} viewers<extra></extra>")
    for peak in peaks or []:
        figure.add_scatter(
            x=[peak.time], y=[peak.share], mode="markers", showlegend=False, row=2, col=1,
            marker={"symbol": "star", "size": 13, "color": SIGNAL_COLOURS[peak.emotion],
                    "line": {"width": 1, "color": "#111111"}},
            hovertemplate=(f"{peak.emotion} peak at {format_seconds(peak.time)}: "
                           f"{peak.share:.0%} of {peak.n} viewers<extra></extra>"))
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%", row=2, col=1)
    figure.update_xaxes(title="video time", row=3, col=1)
    figure.update_layout(height=760, margin={"l": 50, "r": 20, "t": 40, "b": 90},
                         legend={"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0},
                         hovermode="closest")
    return video_time_axis(figure, duration=panel.duration or _duration(panel.t),
                           revision=revision)


def heatmap_figure(frame: pd.DataFrame, emotion: str, revision: str = "panel-heatmap",
                   duration: float | None = None) -> go.Figure:
    """Viewers (rows) × video time (columns) of one emotion: an outlier is a row unlike the
    others. A summary (``stats.heatmap`` at many viewers) says which in its title; the
    range navigator shows the whole video (``duration``) when known."""
    t = frame.columns.to_numpy(dtype=float)
    times = np.tile(clock(t), (len(frame), 1))
    figure = go.Figure(go.Heatmap(
        z=frame.to_numpy(), x=t, y=[for_plotly(str(name)) for name in frame.index],
        colorscale="Viridis", customdata=times,
        hovertemplate="%{y} at %{customdata}: %{z:.2f}<extra></extra>",
        colorbar={"title": emotion}))
    summary = frame.attrs.get("summary")
    figure.update_layout(height=min(120 + 18 * len(frame), 900),
                         margin={"l": 160, "r": 20, "t": 50 if summary else 30, "b": 40},
                         yaxis={"autorange": "reversed"},
                         title={"text": for_plotly(summary), "font": {"size": 13}}
                         if summary else None)
    return video_time_axis(figure, duration=duration or _duration(t), revision=revision)


def difference_figure(diff: GroupDifference, revision: str = "panel-groups") -> go.Figure:
    """Group A minus group B per emotion, with the 95% band of the difference."""
    figure = go.Figure()
    times = clock(diff.t)
    for emotion in PRODUCT_EMOTIONS:
        colour = SIGNAL_COLOURS[emotion]
        _band(figure, diff.t, diff.low[emotion], diff.high[emotion], emotion)
        figure.add_scatter(x=diff.t, y=diff.difference[emotion], name=emotion,
                           legendgroup=emotion, line={"color": colour, "width": 2},
                           customdata=times,
                           hovertemplate=f"{emotion} at %{{customdata}}: {for_plotly(diff.a)} − "
                                         f"{for_plotly(diff.b)} = "
                                         "%{y:.2f}<extra></extra>")
    figure.add_hline(y=0, line={"color": "#888888", "width": 1})
    figure.update_layout(height=360, margin={"l": 50, "r": 20, "t": 30, "b": 40},
                         legend={"orientation": "h", "y": 1.08, "x": 0})
    return video_time_axis(figure, duration=_duration(diff.t), revision=revision)


def _band(figure: go.Figure, t: np.ndarray, low: np.ndarray, high: np.ndarray, emotion: str,
          **where: int) -> None:
    """A 95% band as a filled outline in the emotion's colour, grouped with its line: one
    closed outline per stretch with data, so a gap (nobody watching) is a gap, not a
    triangle drawn across it."""
    x, y = band_outlines(t, low, high)
    figure.add_scatter(x=x, y=y, fill="toself",
                       fillcolor=translucent(SIGNAL_COLOURS[emotion], 0.18),
                       line={"width": 0}, hoverinfo="skip", showlegend=False,
                       legendgroup=emotion, **where)


def band_outlines(t: np.ndarray, low: np.ndarray, high: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The outline of a band around each run where both edges are known (up the high edge,
    back down the low one), runs separated by NaN, which Plotly fills apart (arrays, not
    lists: Plotly copies and checks a list item by item, on every slider change)."""
    known = np.isfinite(low) & np.isfinite(high)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], known.astype(int), [0]])))
    x: list[np.ndarray] = []
    y: list[np.ndarray] = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        x += [t[start:stop], t[start:stop][::-1], [np.nan]]
        y += [high[start:stop], low[start:stop][::-1], [np.nan]]
    if not x:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(x).astype(float), np.concatenate(y).astype(float)


def _duration(t: np.ndarray) -> float | None:
    """The video's length as the panel's grid of bin centres covers it."""
    if len(t) == 0:
        return None
    half_step = float(t[1] - t[0]) / 2 if len(t) > 1 else float(t[0])
    return float(t[-1]) + half_step
