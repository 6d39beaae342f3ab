"""The figures pages show, read back from Plotly's JSON (arrays come base64-encoded)."""

import base64
import json

import numpy as np

from shortory_core.charts.crowd import crowd_figure
from shortory_core.records import Comment, HeatPoint
from shortory_core.signals.comment_moments import MomentOptions, extract_mentions, find_moments
from shortory_core.signals.heatmap import heatmap_peaks


def values(array: object) -> np.ndarray:
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array)


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
    counts = values(traces["mentions"]["y"])
    assert counts.sum() == 5 and counts.max() == 3
    assert list(values(traces["moments"]["x"])) == [43.0, 90.5]
    assert list(values(traces["replay peaks"]["x"])) == [45.0, 93.0]
    assert traces["most replayed"]["yaxis"] == "y2" and figure["layout"]["yaxis2"]["visible"]
    assert len(figure["layout"]["shapes"]) == 2  # each moment's clip span shaded


def test_without_a_heatmap_its_axis_is_hidden() -> None:
    mentions = extract_mentions([Comment("a", "0:10")], None)
    figure = json.loads(crowd_figure(mentions, [], bin_seconds=2, duration=None).to_json())
    assert [t["name"] for t in figure["data"]] == ["mentions"]
    assert figure["layout"]["yaxis2"]["visible"] is False
