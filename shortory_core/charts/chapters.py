"""Chapter starts drawn on a chart of video time: a dotted line each, and a thin mark at the
bottom of a row whose hover names the chapter and where it came from (the video's own
chapters, or a viewer's chapter list). The crowd chart and the studio's timeline share them."""

from __future__ import annotations

import plotly.graph_objects as go

from shortory_core.signals.chapters import ChapterMarker
from shortory_core.timefmt import format_seconds

CHAPTER_COLOUR = "#9aa5ce"
CHAPTER_TRACE = "chapters"


def add_chapters(figure: go.Figure, chapters: list[ChapterMarker], *, row: int | None = None
                 ) -> None:
    """Mark ``chapters`` on ``figure`` (x in seconds): lines across every row, hover marks on
    ``row`` (a subplot's row; ``None`` for a figure of one plot)."""
    if not chapters:
        return
    where = {"row": row, "col": 1} if row is not None else {}
    for chapter in chapters:
        figure.add_vline(x=chapter.seconds, line={"color": CHAPTER_COLOUR, "width": 1,
                                                  "dash": "dot"}, layer="below",
                         **({"row": "all", "col": 1} if row is not None else {}))
    figure.add_scatter(
        x=[c.seconds for c in chapters], y=[0.0] * len(chapters), mode="markers",
        marker={"symbol": "line-ns-open", "size": 14, "color": CHAPTER_COLOUR},
        name=CHAPTER_TRACE, text=[c.title for c in chapters],
        customdata=[[format_seconds(c.seconds), "the video" if c.source == "video" else
                     "a viewer's chapter list"] for c in chapters],
        hovertemplate="chapter at %{customdata[0]}: %{text}<br>"
                      "from %{customdata[1]}<extra></extra>", **where)
