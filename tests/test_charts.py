"""The figures pages show, read back from Plotly's JSON (arrays come base64-encoded)."""

import base64
import json

import numpy as np
import pandas as pd

from shortory_core.charts.crowd import crowd_figure
from shortory_core.charts.panel import band_outlines, heatmap_figure, panel_figure
from shortory_core.charts.reactions import reaction_figure
from shortory_core.panel.stats import PanelCurves
from shortory_core.records import PRODUCT_EMOTIONS, Comment, HeatPoint
from shortory_core.signals.comment_moments import MomentOptions, extract_mentions, find_moments
from shortory_core.signals.heatmap import heatmap_peaks
from shortory_core.timefmt import seconds_of


def values(array: object) -> np.ndarray:
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array)


def seconds(array: object) -> list[float | None]:
    """A figure's video-time values (clock values on its date axis) back in seconds."""
    return [seconds_of(x) for x in values(array)]


def test_crowd_figure_draws_mentions_moments_and_the_heatmap() -> None:
    comments = [Comment(f"c{i}", text, f"u{i}") for i, text in
                enumerate(["0:42", "0:43", "0:43", "1:30", "1:31"])]
    mentions = extract_mentions(comments, 120)
    moments = find_moments(mentions, 120, MomentOptions(top_k=2))
    heat = [HeatPoint(i * 6.0, (i + 1) * 6.0, v) for i, v in
            enumerate([0.2, 0.3, 0.2, 0.2, 0.2, 0.3, 0.2, 1.0, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2,
                       0.2, 0.6, 0.2, 0.2, 0.2, 0.2])]
    figure = json.loads(crowd_figure(mentions, moments, bin_seconds=5, duration=120,
                                     heatmap=heat, heat_peaks=heatmap_peaks(heat)).to_json())
    traces = {t["name"]: t for t in figure["data"]}
    assert set(traces) == {"mentions", "moments", "most replayed", "replay peaks"}
    rates = values(traces["mentions"]["y"])  # per second: a 5 s bin's count over 5
    assert rates.sum() * 5 == 5 and rates.max() == 3 / 5
    assert seconds(traces["moments"]["x"]) == [43.0, 90.5]
    assert seconds(traces["replay peaks"]["x"]) == [45.0, 93.0]
    assert traces["most replayed"]["yaxis"] == "y2" and figure["layout"]["yaxis2"]["visible"]
    assert len(figure["layout"]["shapes"]) == 2  # each moment's clip span shaded


def test_without_a_heatmap_its_axis_is_hidden() -> None:
    mentions = extract_mentions([Comment("a", "0:10")], None)
    figure = json.loads(crowd_figure(mentions, [], bin_seconds=2, duration=None).to_json())
    assert [t["name"] for t in figure["data"]] == ["mentions"]
    assert figure["layout"]["yaxis2"]["visible"] is False


FOUR_HOURS = 4 * 3600.0
WATCHED = (600.0, 640.0)  # the viewers' 40 s of a 4-hour debate


def long_panel() -> PanelCurves:
    """A panel on a 4-hour video's 1-s grid whose three viewers cover 40 s of it."""
    t = np.arange(int(FOUR_HOURS)) + 0.5
    seen = (t > WATCHED[0]) & (t < WATCHED[1])
    wave = np.where(seen, 0.5 + 0.4 * np.sin(t / 3), np.nan)
    names = [*PRODUCT_EMOTIONS, "attention"]
    return PanelCurves(t, np.where(seen, 3, 0), dict.fromkeys(names, wave),
                       dict.fromkeys(names, wave - 0.1), dict.fromkeys(names, wave + 0.1),
                       dict.fromkeys(names, wave), 3)


def x_axes(figure: dict) -> dict[str, dict]:
    return {k: v for k, v in figure["layout"].items() if k.startswith("xaxis")}


def test_a_long_videos_panel_opens_on_the_40_s_its_viewers_cover() -> None:
    figure = json.loads(panel_figure(long_panel(), revision="panel-7").to_json())
    axes = x_axes(figure)
    for axis in axes.values():
        start, end = (seconds_of(x) for x in axis["range"])
        assert WATCHED[0] - 3 < start < WATCHED[0] and WATCHED[1] < end < WATCHED[1] + 3
        assert axis["type"] == "date" and axis["tickformat"] == "%-H:%M:%S"
    [navigator] = [a["rangeslider"] for a in axes.values() if "rangeslider" in a]
    assert navigator["visible"] and [seconds_of(x) for x in navigator["range"]] == [
        0.0, FOUR_HOURS]
    assert figure["layout"]["uirevision"] == "panel-7"
    for trace in figure["data"]:  # empty hours are not sent: about 40 points a trace
        assert len(values(trace["x"])) <= 2 * 42
        assert all(WATCHED[0] - 1 <= seconds_of(x) <= WATCHED[1] + 1
                   for x in values(trace["x"]) if x is not None)
    assert len(json.dumps(figure)) < 200_000


def test_the_panels_heatmap_opens_on_the_viewers_span_and_sends_only_it() -> None:
    panel = long_panel()
    frame = pd.DataFrame([panel.mean["happy"]] * 2, index=["Ana", "Ben"], columns=panel.t)
    figure = json.loads(heatmap_figure(frame, "happy").to_json())
    assert [round(seconds_of(x)) for x in figure["layout"]["xaxis"]["range"]] == [599, 641]
    [grid] = figure["data"]
    assert len(values(grid["x"])) == 40 and np.asarray(grid["customdata"]).shape == (2, 40)
    assert grid["customdata"][0][0] == "10:00"  # each cell's hover still names its time


def test_a_short_video_reads_m_ss_and_keeps_sub_second_ticks_apart() -> None:
    comments = [Comment("a", "0:42"), Comment("b", "0:43"), Comment("c", "12:30")]
    figure = json.loads(crowd_figure(extract_mentions(comments, 900), [], bin_seconds=2,
                                     duration=900).to_json())
    axis = figure["layout"]["xaxis"]
    assert axis["tickformat"] == "%-M:%S" and axis["hoverformat"] == "%-M:%S"
    assert axis["tickformatstops"] == [{"dtickrange": [None, 1000], "value": "%-M:%S.%1f"}]
    start, end = (seconds_of(x) for x in axis["range"])
    assert 10 < start < 42 and 752 < end < 800  # the mentions, not 0–15:00
    [bar] = figure["data"]
    assert bar["width"] == 2 * 0.95 * 1000  # milliseconds on a date axis
    assert seconds(bar["x"]) == [43.0, 751.0] and list(values(bar["y"])) == [1, 0.5]  # per second


def test_the_reaction_chart_opens_on_its_session_with_the_whole_video_under_it() -> None:
    samples = pd.DataFrame({"video_time": np.arange(9000.0, 9030.0, 0.5), "face_found": 1,
                            "attention": 0.7} | dict.fromkeys(PRODUCT_EMOTIONS, 0.2))
    figure = json.loads(reaction_figure(samples, FOUR_HOURS, revision="reaction-3").to_json())
    axes = x_axes(figure)
    assert [round(seconds_of(x)) for x in axes["xaxis"]["range"]] == [8999, 9030]
    assert axes["xaxis2"]["rangeslider"]["visible"]
    assert figure["layout"]["uirevision"] == "reaction-3"


def test_a_band_with_a_gap_is_two_outlines_not_a_triangle_across_it() -> None:
    t = np.arange(10.0)
    low = np.array([0, 0, 0, np.nan, np.nan, np.nan, 1, 1, 1, 1], float)
    x, y = band_outlines(t, low, low + 0.5)
    gaps = np.flatnonzero(np.isnan(x))
    assert list(gaps) == list(np.flatnonzero(np.isnan(y))) and len(gaps) == 2
    first, second = x[:gaps[0]], x[gaps[0] + 1:-1]
    assert sorted(set(first)) == [0, 1, 2] and sorted(set(second)) == [6, 7, 8, 9]
    assert [len(a) for a in band_outlines(t, np.full(10, np.nan), np.full(10, np.nan))] == [0, 0]
    figure = json.loads(panel_figure(long_panel()).to_json())  # gaps reach the browser as null
    bands = [trace for trace in figure["data"] if trace.get("fill") == "toself"]
    assert bands and all(None in trace["y"] for trace in bands if len(trace["y"]) > 4)


def test_the_studio_timeline_marks_chapters_across_every_row() -> None:
    from shortory_core.charts.studio import studio_figure, trace_names
    from shortory_core.signals.chapters import ChapterMarker
    from tests.test_highlights import synthetic

    timeline = synthetic({})
    chapters = [ChapterMarker(12.0, "Intro", "video"), ChapterMarker(61.5, "Q&A", "comments")]
    figure = studio_figure(timeline, np.zeros(len(timeline.t)), [], chapters=chapters)
    [marks] = [t for t in figure.data if t.name == "chapters"]
    assert list(marks.text) == ["Intro", "Q&A"]
    assert [seconds_of(x) for x in marks.x] == [12.0, 61.5]
    lines = [s for s in figure.layout.shapes if s.line.dash == "dot"]
    rows = len([n for n in figure.layout if str(n).startswith("yaxis")])
    assert len(lines) == 2 * rows  # each chapter drawn on every row
    assert "chapters" in trace_names(figure)
    plain = studio_figure(timeline, np.zeros(len(timeline.t)), [])
    assert "chapters" not in trace_names(plain) and not plain.layout.shapes
