"""Signals as a registry: one module adds a signal, and the timeline, the fused score, the
studio chart with its sliders and saved settings, and the export all carry it, with no other
change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.charts.studio import studio_figure
from shortory_core.highlights.peaks import PeakOptions, find_highlights, fused_score
from shortory_core.highlights.timeline import build_timeline, timeline_frame
from shortory_core.panel.grids import SIGNALS as PANEL_COLUMNS
from shortory_core.signals.registry import SIGNALS, Registry
from shortory_core.signals.signal import Signal, SignalSource
from shortory_core.store import Store

ROOT = Path(__file__).resolve().parents[1]
CHAT_AT = (88.0, 88.5, 89.0, 89.2, 90.0)  # a burst of live-chat messages near 1:29


def chat_rate(source: SignalSource) -> np.ndarray:
    """Live-chat messages per second: the whole of a new signal's logic."""
    index = (np.array(CHAT_AT) / source.step).astype(int)
    return np.bincount(index, minlength=len(source.t)) / source.step


LIVE_CHAT = Signal("live_chat", "live chat / s", "#AA4499", "live chat",
                   "Live-chat replay messages per second.", chat_rate, weight=1.0,
                   weight_label="Live chat", scale="rate", style="bar", unit="/s")


def test_a_signal_added_in_one_place_reaches_every_consumer(demo_home: Path) -> None:
    store = Store(demo_home)
    project = store.demo_project_id()
    before = build_timeline(store, project)
    with SIGNALS.added(LIVE_CHAT):
        timeline = build_timeline(store, project)
        weights = PeakOptions().weights
        assert weights["live_chat"] == 1.0
        fused = fused_score(timeline, weights, 20)
        figure = studio_figure(timeline, fused, find_highlights(timeline), 20)
        frame = timeline_frame(timeline, fused)
    chat = timeline["live_chat"]
    assert chat.sum() * timeline.step == pytest.approx(len(CHAT_AT))
    assert timeline.t[chat > 0].min() > 87.9 and timeline.t[chat > 0].max() < 90.1
    plain = fused_score(before, PeakOptions().weights, 20)
    near = (timeline.t > 86) & (timeline.t < 92)
    assert np.nanmean(fused[near]) > 1.5 * np.nanmean(plain[near])  # the burst now counts
    trace = next(t for t in figure.data if t.name == "live chat / s")
    titles = [a.text for a in figure.layout.annotations]
    assert "live chat" in titles and trace.type == "bar"
    assert frame["live_chat"].sum() == pytest.approx(chat.sum()) and "fused_interest" in frame
    assert "live_chat" not in PANEL_COLUMNS  # not a face signal: the panel is unchanged
    assert "live_chat" not in SIGNALS  # registered for the block only


def test_the_studio_page_gives_a_new_signal_a_saved_weight_slider(demo_copy: Path) -> None:
    with SIGNALS.added(LIVE_CHAT):
        app = AppTest.from_file(str(ROOT / "pages/studio.py"), default_timeout=60).run()
        assert not app.exception
        slider = next(s for s in app.sidebar.slider if s.label == "Live chat")
        assert slider.value == 1.0
        slider.set_value(0.3).run()
        store = Store(demo_copy)
        assert store.page_settings(store.demo_project_id(), "studio")["w_live_chat"] == 0.3


def test_the_registry_refuses_a_name_twice_and_checks_values() -> None:
    registry = Registry((LIVE_CHAT,))
    with pytest.raises(ValueError, match="exists already"):
        registry.register(LIVE_CHAT)
    with pytest.raises(ValueError, match="exists already"):
        registry.register(Signal("video_time", "t", "#000000", "t", "", chat_rate))
    wrong = Signal("short", "short", "#000000", "short", "", lambda s: np.zeros(3))
    source = SignalSource(None, 1, None, np.arange(10.0), 1.0, lambda c: np.zeros((0, 10)))
    with pytest.raises(ValueError, match="gave"):
        wrong.values(source)


def test_a_row_with_nothing_to_show_is_left_off_the_chart(demo_home: Path,
                                                         tmp_path: Path) -> None:
    """A project whose viewers are all deleted keeps its comment rows, and gets no rows of
    zero viewers or empty emotions."""
    import shutil

    shutil.copytree(demo_home, tmp_path / "home")
    store = Store(tmp_path / "home")
    project = store.demo_project_id()
    for session in store.sessions(project):
        store.delete_session(session.id)
    timeline = build_timeline(store, project)
    figure = studio_figure(timeline, fused_score(timeline, PeakOptions().weights, 20), [], 20)
    titles = [a.text for a in figure.layout.annotations]
    assert not {"viewers", "emotions", "attention"} & set(titles)
    assert any("comment" in t.lower() for t in titles), titles
