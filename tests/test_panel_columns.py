"""The panel's read side over the samples' Parquet parts: DuckDB bins exactly as the NumPy
binning did (on the demo's real viewers), the grid follows the samples and not the video's
length, the heatmap at many viewers is a summary that keeps its outliers, and the bench runs."""

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from shortory_core.bench.panel import (
    _before_bin_means,
    as_json,
    compare,
    faces_from,
    row,
    synthetic_panel,
    viewer_samples,
)
from shortory_core.charts.panel import heatmap_figure, panel_figure
from shortory_core.panel import grids as grids_module
from shortory_core.panel.grids import SIGNALS, load_grids
from shortory_core.panel.quality import Thresholds
from shortory_core.panel.stats import PanelOptions, agreement, curves, heatmap, panel_peaks
from shortory_core.records import ProjectDraft, SessionDraft, SessionKind, VideoInfo
from shortory_core.store import Store
from shortory_core.store.sample_files import seq_key


@pytest.fixture(scope="module")
def demo_parts(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, int]:
    home = tmp_path_factory.mktemp("columns") / "home"
    shutil.copytree(demo_home, home)
    store = Store(home)
    return store, store.demo_project_id()


@pytest.mark.parametrize("step", [0.1, 1.0])
def test_duckdb_bins_the_demo_viewers_as_numpy_did(demo_parts: tuple[Store, int],
                                                   step: float) -> None:
    store, project = demo_parts
    duration = store.get_video(project).duration
    grids = load_grids(store, project, step, thresholds=Thresholds(), duration=duration)
    bins = len(grids.t)
    assert grids.t[0] == pytest.approx(step / 2) and bins == int(np.ceil(duration / step))
    for v, quality in enumerate(grids.quality):
        table = pq.read_table(store.sample_part_paths([quality.session_id])).sort_by("seq")
        face, paused = (table.column(c).to_numpy() for c in ("face_found", "paused"))
        times = table.column("video_time").to_numpy()
        kept = (face > 0) & (paused == 0) & np.isfinite(times)
        columns = np.stack([table.column(c).to_numpy(zero_copy_only=False)
                            .astype(float) for c in SIGNALS], axis=1)
        expected = _before_bin_means(times[kept], columns[kept], bins, step)
        assert np.isfinite(expected).any()
        np.testing.assert_allclose(grids.values[:, v], expected, rtol=1e-6, atol=1e-7)
        assert quality.samples == len(table)  # the figures kept with the parts' rows
        playing = paused == 0
        assert quality.face_rate == pytest.approx(face[playing].mean())
        assert quality.paused_share == pytest.approx((~playing).mean())
        span = np.ptp(table.column("source_time").to_numpy())
        assert quality.fps == pytest.approx((len(table) - 1) / span)
    # without a duration the grid is the stretch with samples: the same values, cut
    spanned = load_grids(store, project, step, thresholds=Thresholds())
    first = round(spanned.t[0] / step - 0.5)
    np.testing.assert_array_equal(spanned.values,
                                  grids.values[:, :, first:first + len(spanned.t)])
    assert np.isnan(grids.values[:, :, :first]).all()
    assert spanned.duration == duration


def test_whole_second_grids_add_up_the_parts_sums_as_binning_the_samples_does(
        demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    store = Store(home)
    project = store.demo_project_id()
    split, *_ = [s.id for s in store.sessions(project)]
    table = store.samples(split)  # as a live session's flushes: parts that end mid-second
    parts = [store.write_part_file(split, seq_key("live", at), table.slice(at, 7))
             for at in range(0, len(table), 7)]
    store.record_sample_parts(split, parts, replace=True)
    assert len(store.sample_parts(split)) > 2

    def binned_samples(*args: object) -> None:
        raise AssertionError("the samples were binned, not their sums")

    sums = {}
    with monkeypatch.context() as patched:
        patched.setattr(grids_module, "bin_means", binned_samples)
        for step in (1.0, 2.0):
            sums[step] = load_grids(store, project, step, thresholds=Thresholds()).values
    part = store.sample_parts(split)[0]  # one sums file damaged: the samples are binned
    (store.sample_folder(split) / part.seconds).write_bytes(b"not parquet " * 50)
    with caplog.at_level("WARNING", logger=grids_module.__name__):
        again = load_grids(store, project, thresholds=Thresholds()).values
    np.testing.assert_allclose(again, sums[1.0], rtol=1e-6, atol=1e-7)
    assert "binning the samples instead" in caplog.text

    def summed(*args: object) -> None:
        raise AssertionError("sums used for bins that split seconds")

    monkeypatch.setattr(grids_module, "bin_sums", summed)
    half = load_grids(store, project, 0.5, thresholds=Thresholds())
    assert np.isfinite(half.values).any()
    with sqlite3.connect(store.db_path) as conn:  # as parts written before sums were kept
        conn.execute("UPDATE sample_parts SET seconds = NULL")
    for step, values in sums.items():
        samples = load_grids(store, project, step, thresholds=Thresholds()).values
        assert np.isfinite(samples).sum() > 100
        np.testing.assert_allclose(values, samples, rtol=1e-6, atol=1e-7)


def test_many_viewers_are_binned_a_chunk_at_a_time_as_in_one_read(
        demo_parts: tuple[Store, int], monkeypatch: pytest.MonkeyPatch) -> None:
    store, project = demo_parts
    whole = load_grids(store, project, thresholds=Thresholds())
    monkeypatch.setattr(grids_module, "CHUNK_SAMPLES", 1)  # a query per viewer
    chunked = load_grids(store, project, thresholds=Thresholds())
    assert len(chunked.quality) >= 2
    np.testing.assert_array_equal(chunked.values, whole.values)
    np.testing.assert_array_equal(chunked.t, whole.t)


def test_a_window_of_a_long_video_costs_what_its_samples_cost(demo_parts: tuple[Store, int]
                                                             ) -> None:
    store, demo = demo_parts
    faces = faces_from(store, demo)
    video = 4 * 3600.0
    staging = store.root / "staging" / "window"
    staging.mkdir(parents=True)
    draft = ProjectDraft("Window", staging, video=VideoInfo("v.mp4", video, 640, 360, 25.0))
    draft.sessions += [SessionDraft(f"v{k}", SessionKind.RECORDING, "", 0.0, [])
                       for k in range(10)]
    project = store.commit_project(draft)
    rng = np.random.default_rng(3)
    start = 13_000.0  # the viewers watched 40 s from 3:36:40
    for session in store.sessions(project):
        store.write_samples(session.id, "analysis",
                            viewer_samples(faces, session.id, 40.0, [20.0], rng, start=start))
    grids = load_grids(store, project, thresholds=Thresholds(min_face_seconds=5))
    assert len(grids.t) == 40 and grids.t[0] == start + 0.5
    assert grids.values.shape == (len(SIGNALS), 10, 40) and grids.included.all()
    options = PanelOptions()
    panel = curves(grids, options)
    peaks = panel_peaks(panel, options)
    assert any(p.emotion == "happy" and abs(p.time - (start + 20)) <= 2 for p in peaks)
    assert agreement(grids, options).windows["start"].min() >= start
    figure = json.loads(panel_figure(panel, peaks).to_json())
    navigator = figure["layout"]["xaxis3"]["rangeslider"]["range"]
    assert navigator[0].startswith("1970-01-01T00:00:00") and "04:00:00" in navigator[1]


def test_the_heatmap_of_many_viewers_is_a_summary_that_keeps_its_outliers(
        demo_parts: tuple[Store, int]) -> None:
    store, demo = demo_parts
    staging = store.root / "staging" / "many"
    staging.mkdir(parents=True)
    project = synthetic_panel(store, faces_from(store, demo), viewers=60, duration=90.0,
                              agree_at=[30.0, 70.0], stray_at=[15.0, 45.0], strays=3,
                              folder=staging)
    grids = load_grids(store, project, thresholds=Thresholds())
    whole = heatmap(grids, "happy")
    assert len(whole) == 60 and "summary" not in whole.attrs
    summary = heatmap(grids, "happy", max_rows=30)
    outliers = [name for name in summary.index if name.startswith("outlier")]
    strays = {f"viewer {v:04d} #{grids.quality[v].session_id}" for v in range(3)}
    assert strays <= {name.removeprefix("outlier: ") for name in outliers[:3]}
    assert len(summary) < 60 and "bands" in summary.attrs["summary"]
    banded = sum(int(name.split(": ")[1].split()[0]) for name in summary.index
                 if name.startswith("band"))
    assert banded + len(outliers) == 60
    figure = json.loads(heatmap_figure(summary, "happy", duration=grids.duration).to_json())
    assert "60 viewers" in figure["layout"]["title"]["text"]


def test_sessions_without_samples_read_as_no_data(demo_parts: tuple[Store, int]) -> None:
    store, _ = demo_parts
    project = store.create_project("Empty panel")
    store.create_session(project, "camera off", "live")
    grids = load_grids(store, project)
    assert [q.reason for q in grids.quality] == ["no samples"]
    assert grids.values.shape == (len(SIGNALS), 1, 1) and np.isnan(grids.values).all()
    assert curves(grids).n.tolist() == [0]


def test_the_bench_compares_both_sides_at_a_small_size() -> None:
    found = compare(12, duration=60.0)
    assert found["today"]["samples"] == found["before"]["samples"] == 12 * 300
    assert found["today"]["peaks"] == found["before"]["peaks"]
    assert {"viewers", "read_s", "slider_ms", "peak_mb"} <= set(as_json(found))
    assert "SQLite rows + NumPy (before)" in row(found)
    window = compare(3, 20.0, video=3600.0, start=3000.0)  # the window row, made small
    assert window["today"]["samples"] == 3 * 100
    assert row(window).startswith("== panel-window (3 viewers × 20 s of a 1 h video")
    assert "target ≤ 100 ms: " in row(window)


def test_agreement_windows_do_not_move_with_where_the_grid_starts(
        demo_parts: tuple[Store, int]) -> None:
    store, project = demo_parts
    spanned = load_grids(store, project, thresholds=Thresholds())
    whole = load_grids(store, project, thresholds=Thresholds(),
                       duration=store.get_video(project).duration)
    assert spanned.t[0] > whole.t[0]  # the demo's viewers start after 0:00
    found = [agreement(g.subset(g.included)).windows.head(5) for g in (spanned, whole)]
    assert found[0].equals(found[1]) and found[0]["n"].max() >= 4
