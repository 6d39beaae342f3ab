"""Reaction timelines and model evaluation as Plotly figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from shortory_core.charts.hover import at_time
from shortory_core.charts.palette import ATTENTION_COLOUR, EMOTION_COLOURS
from shortory_core.charts.time_axis import video_time_axis
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.vision.evaluate import Scores


def reaction_figure(samples: pd.DataFrame, duration: float | None = None,
                    revision: str = "reaction") -> go.Figure:
    """Five emotion probabilities and attention on one video-time axis (two rows), framed on
    the session's own span (a reaction may cover seconds of a long video), the navigator
    under it spanning the whole video (``duration``)."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35],
                           vertical_spacing=0.06)
    faces = samples[samples["face_found"] == 1]
    for emotion in PRODUCT_EMOTIONS:
        figure.add_scatter(x=faces["video_time"], y=faces[emotion], name=emotion,
                           mode="lines", line={"color": EMOTION_COLOURS[emotion], "width": 2},
                           row=1, col=1, **at_time(faces["video_time"]))
    figure.add_scatter(x=samples["video_time"], y=samples["attention"], name="attention",
                       mode="lines", line={"color": ATTENTION_COLOUR, "width": 2}, row=2, col=1,
                       **at_time(samples["video_time"]))
    absent = samples[samples["face_found"] == 0]
    if len(absent):
        figure.add_scatter(x=absent["video_time"], y=[0] * len(absent), name="no face",
                           mode="markers", marker={"color": "#565f89", "size": 5}, row=2, col=1)
    figure.update_yaxes(range=[0, 1.02], row=1, col=1, title="probability")
    figure.update_yaxes(range=[0, 1.02], row=2, col=1, title="attention")
    figure.update_xaxes(title="video time", row=2, col=1)
    figure.update_layout(height=500, margin={"l": 50, "r": 20, "t": 30, "b": 40},
                         legend={"orientation": "h", "y": 1.1})
    return video_time_axis(figure, duration=duration, revision=revision)


def confusion_figure(scores: Scores, title: str) -> go.Figure:
    figure = go.Figure(go.Heatmap(
        z=scores.confusion, x=scores.labels, y=scores.labels, colorscale="Blues",
        text=scores.confusion, texttemplate="%{text}",
        hovertemplate="truth %{y}, guess %{x}: %{z}<extra></extra>",
    ))
    figure.update_layout(title=title, height=380, margin={"l": 70, "r": 20, "t": 40, "b": 60},
                         xaxis={"title": "predicted"},
                         yaxis={"title": "true", "autorange": "reversed"})
    return figure


def per_class_figure(scores: Scores) -> go.Figure:
    figure = go.Figure()
    for metric in ("precision", "recall", "f1"):
        values = getattr(scores, metric)
        figure.add_bar(x=scores.labels, y=[values[label] for label in scores.labels],
                       name=metric)
    figure.update_layout(barmode="group", height=320, yaxis={"range": [0, 1]},
                         margin={"l": 40, "r": 20, "t": 30, "b": 40})
    return figure


def live_strip(recent: list[tuple[float, str | None, float]]) -> go.Figure:
    """The last seconds of a live session: attention as a line, each sample's dominant
    emotion as a coloured dot on it."""
    times = [r[0] for r in recent]
    figure = go.Figure()
    figure.add_scatter(x=times, y=[r[2] for r in recent], mode="lines",
                       line={"color": ATTENTION_COLOUR, "width": 2}, name="attention")
    for emotion in PRODUCT_EMOTIONS:
        points = [r for r in recent if r[1] == emotion]
        if points:
            figure.add_scatter(x=[p[0] for p in points], y=[p[2] for p in points],
                               mode="markers", name=emotion,
                               marker={"color": EMOTION_COLOURS[emotion], "size": 6})
    figure.update_yaxes(range=[0, 1.05], title="attention")
    figure.update_xaxes(title="video time")
    figure.update_layout(height=220, margin={"l": 40, "r": 10, "t": 10, "b": 30},
                         legend={"orientation": "h", "y": -0.35}, showlegend=True)
    return video_time_axis(figure, duration=None, revision="live", navigator=False)
