"""This study's share of viewers against the norm of earlier studies: the norm's bands lie
flat behind the curve, because they are position-free (the shares of any moment of any
earlier study), and the study's best moment is marked."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from shortory_core.charts.hover import clock
from shortory_core.charts.palette import ATTENTION_COLOUR, SIGNAL_COLOURS, translucent
from shortory_core.charts.time_axis import video_time_axis
from shortory_core.panel.norms import Norm
from shortory_core.panel.stats import PanelCurves


def norm_figure(norm: Norm, panel: PanelCurves, signal: str, min_viewers: int, *,
                duration: float | None, revision: str = "panel-norm") -> go.Figure:
    """The share of viewers expressing ``signal`` over the video (drawn where at least
    ``min_viewers`` viewers had data: the moments the norm is made of), over the norm's
    10–90% and 25–75% bands and its median; ``duration``: the video's, for the navigator."""
    colour = SIGNAL_COLOURS.get(signal, ATTENTION_COLOUR)
    bands = norm.bands(signal)
    share = np.where(panel.n >= min_viewers, panel.share[signal], np.nan)
    shown = panel.t[np.isfinite(share)]
    span = [float(shown.min()), float(shown.max())] if len(shown) else [0.0, 1.0]
    figure = go.Figure()
    for (low, high), alpha in (((10, 90), 0.12), ((25, 75), 0.25)):
        figure.add_scatter(
            x=[span[0], span[1], span[1], span[0], span[0]],
            y=[bands[low], bands[low], bands[high], bands[high], bands[low]],
            fill="toself", fillcolor=translucent(colour, alpha), line={"width": 0},
            mode="lines", name=f"earlier studies, {low}–{high}% of moments",
            hovertemplate=f"{low}–{high}% of earlier moments: "
                          f"{bands[low]:.0%}–{bands[high]:.0%}<extra></extra>")
    figure.add_scatter(x=span, y=[bands[50]] * 2, mode="lines", name="their median",
                       line={"color": colour, "width": 1, "dash": "dash"},
                       hovertemplate=f"median of earlier moments: {bands[50]:.0%}"
                                     "<extra></extra>")
    figure.add_scatter(x=panel.t, y=share, mode="lines", name="this study",
                       line={"color": colour, "width": 2},
                       customdata=np.stack([clock(panel.t), panel.n.astype(str)], axis=1),
                       hovertemplate="%{customdata[0]}: %{y:.0%} of %{customdata[1]} "
                                     "viewers<extra></extra>")
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%", title="share of viewers")
    figure.update_layout(height=360, margin={"l": 50, "r": 20, "t": 30, "b": 40},
                         legend={"orientation": "h", "y": 1.1, "x": 0}, hovermode="closest")
    return video_time_axis(figure, duration=duration, revision=revision)
