"""The panel on a synthetic panel of 24 viewers assembled from real analysed faces (the demo's
recorded viewers): most smile at 0:30 and 1:10, four at 0:50; two junk sessions (a camera
that rarely saw a face, a session with no samples) must be left out, with their reasons."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.bench.panel import faces_from, synthetic_panel
from shortory_core.demo import DEMO_NAME
from shortory_core.panel.grids import load_grids
from shortory_core.panel.quality import Thresholds
from shortory_core.panel.stats import (
    PanelCurves,
    PanelOptions,
    agreement,
    curves,
    group_difference,
    panel_peaks,
)
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.store import Store
from shortory_core.store.sample_files import sample_table
from tests.conftest import FACE_CLIPS

ROOT = Path(__file__).resolve().parents[1]
AGREE = (30.0, 70.0)


@pytest.fixture(scope="module")
def panel_home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    import shutil

    home = tmp_path_factory.mktemp("panel") / "home"
    shutil.copytree(demo_home, home)
    store = Store(home)
    staging = home / "staging" / "panel"
    staging.mkdir(parents=True)
    project = synthetic_panel(store, faces_from(store, store.demo_project_id()), viewers=24,
                              duration=90.0, agree_at=list(AGREE), stray_at=[50.0], strays=4,
                              folder=staging)
    rare = store.create_session(project, "fake camera", "live", meta={"group": "A"})
    store.write_samples(rare, "analysis", sample_table(rare, [
        {"seq": i, "video_time": i / 5, "source_time": i / 5, "paused": 0,
         "face_found": int(i % 10 == 0), "n_faces": 1, "happy": 0.9, "sad": 0.0, "angry": 0.0,
         "neutral": 0.1, "surprise": 0.0, "attention": 0.0} for i in range(450)]))
    store.create_session(project, "camera off", "live")
    return home, project


def test_junk_sessions_are_left_out_with_their_reason(panel_home: tuple[Path, int]) -> None:
    home, project = panel_home
    grids = load_grids(Store(home), project)
    verdicts = {q.viewer: q for q in grids.quality}
    assert len(grids.quality) == 26 and grids.included.sum() == 24
    assert not verdicts["fake camera"].included
    assert "face seen 10% of the time" in verdicts["fake camera"].reason
    assert verdicts["camera off"].reason == "no samples"
    assert verdicts["viewer 0007"].face_rate == 1.0 and verdicts["viewer 0007"].fps == 5.0


def test_the_panel_finds_the_moments_viewers_share(panel_home: tuple[Path, int]) -> None:
    home, project = panel_home
    grids = load_grids(Store(home), project)
    included = grids.subset(grids.included)
    options = PanelOptions()
    panel = curves(included, options)
    happy = [p for p in panel_peaks(panel, options) if p.emotion == "happy"]
    assert sorted(round(p.time) for p in happy[:2]) == [30, 70] or all(
        min(abs(p.time - a) for a in AGREE) <= 1.5 for p in happy[:2])
    assert all(p.n == 24 and p.share >= 0.7 for p in happy[:2])
    stray = panel.share["happy"][int(50 / grids.step)]
    assert stray < 0.3  # four of 24 smiled at 0:50: no panel moment
    windows = agreement(included, options).windows
    assert list(windows["emotion"][:2]) == ["happy", "happy"]
    for _, window in windows.head(2).iterrows():
        assert any(window["start"] - 1 <= at <= window["end"] + 1 for at in AGREE)
    assert windows["agreement"].iloc[0] > 0.4 and windows["n"].iloc[0] == 24
    band = panel.high["happy"] - panel.low["happy"]
    assert np.nanmax(band) > 0 and np.all(panel.low["happy"] <= panel.mean["happy"] + 1e-9)


def test_normalisation_reads_each_viewer_against_their_own_face(
        panel_home: tuple[Path, int]) -> None:
    home, project = panel_home
    store = Store(home)
    always = store.create_session(project, "always smiling", "recording")
    store.write_samples(always, "analysis", sample_table(always, [
        {"seq": i, "video_time": i / 5, "source_time": i / 5, "paused": 0, "face_found": 1,
         "n_faces": 1, "happy": 0.8, "sad": 0.05, "angry": 0.05, "neutral": 0.05,
         "surprise": 0.05, "attention": 0.9} for i in range(450)]))
    try:
        grids = load_grids(store, project)
        one = grids.subset(np.array([q.viewer == "always smiling" for q in grids.quality]))
        raw = curves(one, PanelOptions(normalise=False))
        normalised = curves(one, PanelOptions())
        assert np.nanmin(raw.share["happy"]) == 1.0  # raw: smiling all the time
        assert np.nanmax(normalised.share["happy"]) == 0.0  # own baseline: nothing stands out
    finally:
        store.delete_session(always)  # the other tests see the panel as built


def test_hand_choices_override_the_verdict(panel_home: tuple[Path, int]) -> None:
    home, project = panel_home
    store = Store(home)
    by_name = {s.viewer: s.id for s in store.sessions(project)}
    store.update_session(by_name["viewer 0003"], panel="exclude")
    store.update_session(by_name["fake camera"], panel="include")
    try:
        verdicts = {q.viewer: q for q in load_grids(store, project).quality}
        assert not verdicts["viewer 0003"].included
        assert verdicts["viewer 0003"].reason == "excluded by hand"
        assert verdicts["fake camera"].included
        assert verdicts["fake camera"].reason.startswith("included by hand despite")
        stricter = load_grids(store, project, thresholds=Thresholds(min_face_seconds=200))
        assert stricter.included.sum() == 1  # only the hand-included one
    finally:
        store.update_session(by_name["viewer 0003"], panel=None)
        store.update_session(by_name["fake camera"], panel=None)


def test_two_groups_of_the_same_people_do_not_differ(panel_home: tuple[Path, int]) -> None:
    home, project = panel_home
    grids = load_grids(Store(home), project)
    included = grids.subset(grids.included)
    diff = group_difference(included, "A", "B")
    assert diff.n_a + diff.n_b == 24
    covered = (diff.low["happy"] <= 0) & (diff.high["happy"] >= 0)
    assert np.nanmean(covered) >= 0.9  # alternating tags: zero inside the band almost always


def test_the_cli_prints_sessions_peaks_and_agreement(panel_home: tuple[Path, int]) -> None:
    home, project = panel_home
    done = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                           "panel", str(project), "--json"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["viewers"] == 26 and result["included"] == 24
    junk = next(s for s in result["sessions"] if s["viewer"] == "fake camera")
    assert junk["verdict"] == "excluded" and "face seen" in junk["reason"]
    assert {"time", "emotion", "share", "n"} <= set(result["peaks"][0])
    assert result["agreement"][0]["emotion"] == "happy"


def test_react_adds_a_recorded_viewer_to_the_panel(demo_home: Path, tmp_path: Path) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    done = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                           "react", DEMO_NAME, str(FACE_CLIPS / "reaction_smile_man.mp4"),
                           "--viewer", "Ana", "--offset", "20", "--group", "B", "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["samples"] > 10 and result["group"] == "B"
    session = Store(home).session(result["session_id"])
    assert session.viewer == "Ana" and session.meta["group"] == "B"
    assert session.time_offset == 20.0 and session.status == "analysed"
    refused = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                              "react", "1", str(tmp_path / "none.mp4"), "--viewer", "X"],
                             capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert refused.returncode == 2 and "No recording at" in refused.stderr  # by its id too


def panel_page(home: Path, project: int, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The Panel page of ``project`` in the data folder ``home``, run once."""
    monkeypatch.setenv("SHORTORY_HOME", str(home))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "pages/panel.py"), default_timeout=60)
    app.query_params["project"] = str(project)
    return app.run()


def test_the_panel_page_shows_viewers_figures_and_exports(panel_home: tuple[Path, int],
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    app = panel_page(*panel_home, monkeypatch)
    assert not app.exception
    assert any("24 of 26 viewers" in c.value for c in app.caption)
    peaks = next(d.value for d in app.dataframe if "share" in d.value.columns)
    assert "happy" in set(peaks["emotion"]) and set(peaks["n"]) == {24}
    assert len(app.get("plotly_chart")) == 3  # panel, heatmap, groups
    assert len(app.get("download_button")) == 12  # six tables, CSV and Parquet
    app.toggle[0].set_value(False).run()  # raw probabilities
    assert not app.exception


def test_a_panel_peak_needs_five_viewers_behind_it(panel_home: tuple[Path, int]) -> None:
    home, project = panel_home
    grids = load_grids(Store(home), project)
    four = grids.subset(grids.included & (np.cumsum(grids.included) <= 4))
    panel = curves(four, PanelOptions())
    assert panel.n.max() == 4
    thin = panel_peaks(panel, PanelOptions(), thin=True)
    assert panel_peaks(panel, PanelOptions()) == [] and thin  # four viewers: none reported
    assert all(p.n == 4 for p in thin)
    assert panel_peaks(panel, PanelOptions(min_viewers=4)) == thin
    whole = curves(grids.subset(grids.included), PanelOptions())
    assert panel_peaks(whole, PanelOptions()) and not panel_peaks(whole, PanelOptions(),
                                                                   thin=True)


def test_a_damaged_viewer_is_named_and_left_out_and_the_page_stays(
        panel_home: tuple[Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(panel_home[0], home)
    project = panel_home[1]
    store = Store(home)
    bad = store.sessions(project)[3].id
    path = store.sample_part_paths([bad])[0]
    path.write_bytes(path.read_bytes()[:700])  # truncated, as a full disk or a bad copy leaves it
    app = panel_page(home, project, monkeypatch)
    assert not app.exception
    [error] = [e.value for e in app.error]
    assert f"samples of session {bad}" in error.replace("\\", "")
    assert "left out of the panel" in error
    assert any("23 of 26 viewers" in c.value for c in app.caption)
    viewers = next(d.value for d in app.dataframe if "verdict" in d.value.columns)
    assert viewers.set_index("session_id").loc[bad, "verdict"] == "excluded"


def test_the_strongest_moment_is_a_peak_even_in_the_first_second_of_data() -> None:
    t = np.arange(10) + 0.5
    flat = {e: np.zeros(10) for e in PRODUCT_EMOTIONS}
    share = dict(flat, happy=np.array([1.0, 1.0, 0.4, 0.2, 0.1, 0.1, 0.2, 0.6, 0.2, 0.1]))
    panel = PanelCurves(t, np.full(10, 8), flat, flat, flat, share, 8)
    found = [(p.time, p.share) for p in panel_peaks(panel, PanelOptions(min_share=0.5))]
    assert found == [(0.5, 1.0), (7.5, 0.6)]  # the plateau at the start, and the later one
