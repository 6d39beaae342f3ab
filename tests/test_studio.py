"""The highlights studio: picking on the chart, face-following shorts, captions, exports, the
render CLI and the page itself through AppTest."""

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import av
import cv2
import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.charts.studio import PEAK_TRACE, bucket_max, studio_figure, trace_names
from shortory_core.clips.framing import plan_framing
from shortory_core.clips.layouts import LAYOUTS
from shortory_core.clips.library import METADATA_NAME, clips_zip
from shortory_core.clips.reframe import crop_path, window_size
from shortory_core.clips.render import RenderError, render_clip
from shortory_core.clips.spec import ShortSpec
from shortory_core.demo import ASSETS
from shortory_core.highlights.peaks import Peak, PeakOptions, find_highlights, fused_score, peak_at
from shortory_core.highlights.picking import StudioPicks, read_picks, session_picks
from shortory_core.highlights.shorts import (
    ShortOptions,
    merge_overlapping,
    plan_shorts,
    render_peaks,
)
from shortory_core.highlights.timeline import build_timeline
from shortory_core.kinds import job_service
from shortory_core.signals.grid import Bins, bin_means, grid
from shortory_core.signals.mentions import extract_mentions
from shortory_core.signals.mentions_by_time import MentionsByTime
from shortory_core.sources.video_file import probe_video
from shortory_core.store import Store
from shortory_core.timefmt import clock_at, format_seconds
from shortory_core.vision.cards import default_card
from shortory_core.vision.face_detector import FaceDetector
from tests.conftest import run_job
from tests.test_highlights import bump, synthetic
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
SIZE, FPS, SECONDS, FACE = (1280, 720), 30, 8, 300


@pytest.fixture(scope="module")
def moving_face(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A landscape 720p video with sound in which a real face (a demo viewer) crosses the frame
    from left to right: what a 9:16 crop has to follow."""
    path = tmp_path_factory.mktemp("media") / "moving_face.mp4"
    faces = []
    with av.open(str(ASSETS / "reaction_expressions_woman.mp4")) as clip:
        for frame in clip.decode(video=0):
            faces.append(cv2.resize(frame.to_ndarray(format="bgr24"), (FACE, FACE)))
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = *SIZE, "yuv420p"
        audio = out.add_stream("aac", rate=44100)
        count = SECONDS * FPS
        for i in range(count):
            canvas = np.full((SIZE[1], SIZE[0], 3), 60, np.uint8)
            x = face_left(i / FPS)
            canvas[200:200 + FACE, x:x + FACE] = faces[i % len(faces)]
            out.mux(video.encode(av.VideoFrame.from_ndarray(canvas, format="bgr24")))
        out.mux(video.encode())
        tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(44100 * SECONDS) / 44100))
        for start in range(0, len(tone), 1024):
            chunk = av.AudioFrame.from_ndarray(tone[None, start:start + 1024].astype(np.float32),
                                               format="fltp", layout="mono")
            chunk.sample_rate = 44100
            out.mux(audio.encode(chunk))
        out.mux(audio.encode())
    return path


def face_left(t: float) -> int:
    return int(100 + (SIZE[0] - FACE - 200) * t / SECONDS)


def frames_at(path: Path, times: list[float]) -> list[np.ndarray]:
    """RGB frames shown at ``times`` (the last frame starting at or before each time)."""
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    starts = [f.time for f in frames]
    return [frames[max(int(np.searchsorted(starts, t + 1e-6)) - 1, 0)].to_ndarray(format="rgb24")
            for t in times]


# -- reframing and captions ----------------------------------------------------------------

def test_window_is_the_largest_even_nine_by_sixteen() -> None:
    assert window_size(1280, 720) == (404, 720)
    assert window_size(1920, 1080) == (606, 1080)
    assert window_size(720, 1280) == (720, 1280)  # already portrait: the whole frame
    width, height = window_size(640, 641)
    assert width % 2 == 0 and height % 2 == 0 and abs(width / height - 9 / 16) < 0.01


def test_crop_path_follows_the_face_and_stays_in_frame() -> None:
    times = np.arange(0, 8, 0.25)
    centres = np.where(times < 3, np.nan, 0.2 + 0.1 * times)  # no face for 3 s, then moving
    path = crop_path(times, centres, 1280, 720)
    assert (path.xs >= 0).all() and (path.xs <= 1280 - path.width).all()
    assert np.all(np.diff(path.xs) >= -1)  # glides one way, as the face does
    nobody = crop_path(times, np.full(len(times), np.nan), 1280, 720)
    assert np.allclose(nobody.xs, (1280 - 404) / 2) and "clip" not in nobody.expression()


def test_vertical_short_keeps_the_moving_face_centred_with_sound(moving_face: Path,
                                                                 tmp_path: Path) -> None:
    framing = plan_framing(moving_face, 1.0, 7.0, LAYOUTS["9:16"], *SIZE, upscale=False)
    out = render_clip(moving_face, 1.0, 7.0, tmp_path / "short.mp4", crop=framing)
    info = probe_video(out)
    assert (info.width, info.height) == (404, 720) and info.has_audio
    assert abs(info.duration - 6.0) <= 0.1
    detector = FaceDetector(default_card("face_detection_full"))
    for t, frame in zip(np.arange(0.25, 6, 0.5), frames_at(out, list(np.arange(0.25, 6, 0.5))),
                        strict=True):
        faces = detector.detect(frame)
        assert faces, f"no face in the short at {t} s"
        x0, _, x1, _ = max(faces, key=lambda f: f.area).box
        # the window lets the face roam its middle half, then glides after it: never lost
        assert x0 > -5 and x1 < 409 and abs((x0 + x1) / 2 - 202) < 404 * 0.3, t
    # a fixed centre crop would not do: the face's centre leaves it at both ends of the span
    for t in (1.5, 6.5):
        assert abs(face_left(t) + FACE / 2 - 640) > 404 / 2


def test_a_new_frame_or_captions_need_exact_mode(moving_face: Path, tmp_path: Path) -> None:
    framing = plan_framing(moving_face, 2.0, 4.0, LAYOUTS["9:16"], *SIZE, upscale=False)
    with pytest.raises(RenderError, match="exact mode"):
        render_clip(moving_face, 2.0, 4.0, tmp_path / "x.mp4", mode="copy", crop=framing)
    assert not (tmp_path / "x.mp4").exists()


# -- timeline, chart and picking -----------------------------------------------------------

def test_samples_five_a_second_fill_the_tenth_second_grid_but_not_absences() -> None:
    times = np.r_[np.arange(10, 20, 0.2), np.arange(30, 40, 0.2)]
    samples = pa.table({"session_id": np.ones(len(times), np.int64), "video_time": times,
                        "happy": np.full(len(times), 0.5)})
    with duckdb.connect() as connection:
        connection.register("samples", samples)
        happy = bin_means(connection, "samples", ("happy",), Bins(0.1, 0, 500),
                          np.array([1]))[0, 0]
    watched = np.isfinite(happy)
    t = grid(50.0, 0.1)
    assert watched[(t > 10.1) & (t < 19.7)].all()  # the 0.2 s holes between samples are bridged
    assert not watched[(t > 20.5) & (t < 29.5)].any()  # ten seconds away are not


def test_a_short_spike_keeps_its_height_when_the_chart_is_thinned() -> None:
    t = grid(7200.0, 0.1)
    values = np.zeros(len(t))
    values[40_000] = 0.9
    x, y = bucket_max(t, values)
    assert len(x) <= 1500 and y.max() == pytest.approx(0.9)
    assert abs(x[np.argmax(y)] - t[40_000]) < 5


def demo_picking(demo_home: Path):
    store = Store(demo_home)
    timeline = build_timeline(store, store.demo_project_id())
    peaks = find_highlights(timeline)
    figure = studio_figure(timeline, fused_score(timeline, PeakOptions().weights, 20), peaks, 20)
    return timeline, peaks, trace_names(figure)


def test_chart_picks_a_star_a_line_near_a_peak_a_free_moment_or_a_box(demo_home: Path) -> None:
    timeline, peaks, names = demo_picking(demo_home)
    star = names.index(PEAK_TRACE)
    happy = next(i for i, p in enumerate(peaks) if p.kind == "happy")
    picks = read_picks({"points": [{"curve_number": star, "x": peaks[happy].time,
                                    "customdata": happy}], "box": []},
                       names, PEAK_TRACE, peaks, timeline, 10.0)
    assert picks.peak_indices == {happy} and not picks.spans
    near = read_picks({"points": [{"curve_number": names.index("happy"),
                                   "x": peaks[happy].time + 0.4}]},
                      names, PEAK_TRACE, peaks, timeline, 10.0)
    assert near.peak_indices == {happy}  # the line under the star picks the same peak
    free = read_picks({"points": [{"curve_number": names.index("attention"), "x": 41.0}]},
                      names, PEAK_TRACE, peaks, timeline, 5.0)
    [span] = free.spans
    assert (span.start, span.end) == (36.0, 46.0) and span.kind == "surprise"  # jump scare
    box = read_picks({"points": [{"curve_number": star, "customdata": happy, "x": 19.5}],
                      "box": [{"x": [17.5, 22.0], "y": [0, 1]}]},
                     names, PEAK_TRACE, peaks, timeline, 10.0)
    [span] = box.spans
    assert not box.peak_indices and (span.start, span.end) == (17.5, 22.0)
    assert span.kind == "happy"  # Kai's and Noa's smiles at the goal
    assert not read_picks(None, names, PEAK_TRACE, peaks, timeline, 10.0)


def as_plotly_reports(seconds: float) -> str:
    """A video time as a click on the chart's date axis reports it: ``1970-01-01 00:01:05.4``
    (Plotly drops a fraction's trailing zeros)."""
    stamp = clock_at(seconds).replace("T", " ")
    return stamp.rstrip("0").rstrip(".") if "." in stamp else stamp


def test_picks_read_the_clock_values_a_date_axis_reports(demo_home: Path) -> None:
    timeline, peaks, names = demo_picking(demo_home)
    star = names.index(PEAK_TRACE)
    happy = next(i for i, p in enumerate(peaks) if p.kind == "happy")
    selection = {"points": [{"curve_number": star, "point_number": 0, "point_index": 0,
                             "x": as_plotly_reports(peaks[happy].time), "y": 0.8,
                             "customdata": happy}], "box": [], "lasso": [],
                 "point_indices": [0]}
    assert read_picks(selection, names, PEAK_TRACE, peaks, timeline, 10.0).peak_indices == {
        happy}
    free = read_picks({"points": [{"curve_number": names.index("attention"),
                                   "x": "1970-01-01 00:00:41"}]},
                      names, PEAK_TRACE, peaks, timeline, 5.0)
    assert [(s.start, s.end) for s in free.spans] == [(36.0, 46.0)]
    box = read_picks({"points": [], "box": [{"x": ["1970-01-01 00:01:03.5",
                                                   "1970-01-01 00:01:08"], "y": [0, 1]}]},
                     names, PEAK_TRACE, peaks, timeline, 10.0)
    assert [(s.start, s.end) for s in box.spans] == [(63.5, 68.0)]


def test_peak_at_a_span_nobody_watched_is_kept_as_picked(demo_home: Path) -> None:
    store = Store(demo_home)
    timeline = build_timeline(store, store.demo_project_id())
    peak = peak_at(timeline, 100.0, 110.0)
    assert peak.kind == "picked" and peak.attention is None and peak.end == 110.0


def test_picks_outlive_the_selection_they_were_read_from(demo_home: Path) -> None:
    """A pick is taken from the chart's selection once; the empty selection of a chart
    widget made afresh (its figure changed) leaves it; only ``clear`` drops it."""
    timeline, peaks, names = demo_picking(demo_home)
    state: dict = {}
    picking = session_picks(state, 1)
    assert session_picks(state, 1) is picking and session_picks(state, 2) is not picking
    box = {"points": [], "box": [{"x": ["1970-01-01 00:00:17.5", "1970-01-01 00:00:22"]}]}
    picking.take(box, names, PEAK_TRACE, peaks, timeline, 10.0)
    [span] = picking.picked
    assert (span.start, span.end, picking.seek_s) == (17.5, 22.0, 17.5)
    picking.take({"points": [], "box": []}, names, PEAK_TRACE, peaks, timeline, 10.0)
    assert picking.picked == (span,)
    assert picking.resolve(peaks).spans == (span,) and not picking.resolve(peaks).peak_indices

    star = names.index(PEAK_TRACE)
    happy = next(i for i, p in enumerate(peaks) if p.kind == "happy")
    click = {"points": [{"curve_number": star, "customdata": happy, "x": peaks[happy].time}]}
    picking.take(click, names, PEAK_TRACE, peaks, timeline, 10.0)  # a new pick replaces
    assert picking.resolve(peaks).peak_indices == {happy} and not picking.resolve(peaks).spans
    assert picking.seek_s == peaks[happy].time
    assert picking.resolve(peaks[happy + 1:]).spans == (peaks[happy],)  # a slider moved it

    key = picking.chart_key(1)
    picking.clear()
    assert not picking.picked and picking.chart_key(1) != key  # a fresh, empty chart
    picking.take(click, names, PEAK_TRACE, peaks, timeline, 10.0)  # the same click is new
    assert picking.resolve(peaks).peak_indices == {happy}
    assert isinstance(state["studio-picks-1"], StudioPicks)


def peak(kind: str, time: float, start: float, end: float, score: float = 0.5) -> Peak:
    return Peak(time, kind, score, 0.2, 0.8, start, end)


def test_no_merged_short_passes_the_cap() -> None:
    """Ten overlapping ±60 s moments (the 6 min 19 s "short" of a real debate) stay shorts
    of at most 60 s each; ones that fit together still merge."""
    moments = [peak("happy", t, t - 60, t + 60) for t in range(600, 1000, 40)]
    shorts = merge_overlapping(moments)
    assert len(shorts) == 10 and all(s.end - s.start <= 60.0 for s in shorts)
    assert all(s.trim_note() and s.why() == "" for s in shorts)
    assert [(s.start, s.end) for s in shorts[:2]] == [(570, 630), (610, 670)]  # on each peak

    close = [peak("happy", 30, 20, 40), peak("surprise", 34, 24, 44)]
    [both] = merge_overlapping(close)
    assert (both.start, both.end) == (20, 44) and both.trim_note() == ""
    assert len(merge_overlapping(close, max_length_s=20.0)) == 2  # 24 s would pass the cap
    assert [(s.start, s.end) for s in merge_overlapping(close, merge=False)] == [(20, 40),
                                                                                (24, 44)]


def test_a_long_pick_is_trimmed_around_its_peak_inside_the_pick() -> None:
    [middle] = merge_overlapping([peak("picked", 100, 0, 300)], max_length_s=60.0)
    assert (middle.start, middle.end) == (70, 130)
    assert "around its peak at 1:40" in middle.trim_note()
    [edge] = merge_overlapping([peak("sad", 10, 0, 300)], max_length_s=60.0)
    assert (edge.start, edge.end) == (0, 60)  # the peak near the start: the cut stays inside
    options = ShortOptions(max_length_s=30.0, merge=False)
    assert [(s.start, s.end) for s in plan_shorts([peak("sad", 10, 0, 300)], options)] == [
        (0, 30)]


# -- rendering peaks, the library and its exports ------------------------------------------

def wait_for_clips(store: Store, project_id: int, count: int) -> list:
    def ended() -> list | None:
        clips = store.clips(project_id)
        return clips if len(clips) >= count and all(
            c.status in ("done", "failed") for c in clips) else None

    return wait_until(ended, f"{count} clips to finish rendering", timeout=180)


def test_peaks_render_as_vertical_captioned_shorts_filed_by_emotion(
        moving_face: Path, tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    project_id = run_job(store, "import", {"video": str(moving_face),
                                           "name": "moving face"}).result["project_id"]
    timeline = synthetic({"happy": bump(grid(100.0, 0.1), 3.0, 0.8)})
    peaks = [p for p in find_highlights(timeline, PeakOptions(top_k=1, pad_s=2.0))
             if p.kind == "happy"]
    ids = render_peaks(job_service(store), project_id, peaks,
                       MentionsByTime(extract_mentions([])),
                       ShortOptions(spec=ShortSpec(layout="9:16", captions="label", snap=False)))
    [clip] = wait_for_clips(store, project_id, len(ids))
    assert clip.status == "done", clip.error
    assert clip.kind == "happy" and clip.vertical and clip.meta["title"].startswith("happy")
    info = probe_video(store.media_path(clip.path))
    assert (info.width, info.height) == (404, 720) and info.has_audio
    assert abs(info.duration - (clip.end - clip.start)) <= 0.1
    [peak] = peaks
    assert clip.label == f"happy · {format_seconds(peak.time)}" and clip.score == peak.score

    archive = zipfile.ZipFile(io.BytesIO(clips_zip(store, store.clips(project_id))))
    names = archive.namelist()
    assert METADATA_NAME in names and len(names) == 2
    [video_name] = [n for n in names if n.endswith(".mp4")]
    assert video_name.startswith("happy-") and video_name.endswith("-9x16.mp4")
    assert archive.getinfo(video_name).file_size == store.media_path(clip.path).stat().st_size
    table = pd.read_csv(io.BytesIO(archive.read(METADATA_NAME)))
    assert table.loc[0, "kind"] == "happy" and table.loc[0, "duration_s"] == pytest.approx(4.0)


def test_render_cli_cuts_a_vertical_short_and_refuses_a_bad_span(moving_face: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "cli.mp4"
    run = subprocess.run([sys.executable, "-m", "shortory_core", "render", str(moving_face),
                          "--span", "1", "4.5", "--layout", "9:16", "--no-snap", "--out",
                          str(out), "--json"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    result = json.loads(run.stdout)
    assert (result["width"], result["height"]) == (404, 720) and result["has_audio"]
    assert abs(result["duration"] - 3.5) <= 0.1 and out.is_file()
    bad = subprocess.run([sys.executable, "-m", "shortory_core", "render", str(moving_face),
                          "--span", "5", "50"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "not inside the video" in bad.stderr


# -- the page ------------------------------------------------------------------------------

def render_label(app: AppTest) -> str:
    return next(b.label for b in app.button if b.label.startswith("Render"))


def test_studio_page_sliders_selection_and_render(demo_copy: Path) -> None:
    app = AppTest.from_file(str(ROOT / "pages/studio.py"), default_timeout=60).run()
    assert not app.exception
    metric = {m.label: m.value for m in app.metric}
    found = int(metric["Peaks found"])
    merged = [c.value for c in app.caption if c.value.startswith("Merged: ")]
    shorts = int(render_label(app).split()[1])
    assert found >= 5 and merged and shorts < found  # overlapping peaks are one short each
    assert all("overlap by more than half" in text for text in merged)

    app.sidebar.slider[1].set_value(0.4).run()  # prominence: only the strong peaks remain
    fewer = int({m.label: m.value for m in app.metric}["Peaks found"])
    assert 0 < fewer < found
    app.sidebar.slider[1].set_value(0.1).run()

    store = Store(demo_copy)
    timeline = build_timeline(store, store.demo_project_id())
    peaks = find_highlights(timeline)
    names = trace_names(studio_figure(timeline, fused_score(timeline, PeakOptions().weights, 20),
                                      peaks, 20))
    surprise = next(i for i, p in enumerate(peaks) if p.kind == "surprise")
    app.session_state[f"studio-chart-{store.demo_project_id()}-0"] = {"selection": {
        "points": [{"curve_number": names.index(PEAK_TRACE), "customdata": surprise,
                    "x": peaks[surprise].time}], "point_indices": [0], "box": [], "lasso": []}}
    app.run()
    assert render_label(app) == "Render 1 short"

    next(b for b in app.button if b.label.startswith("Render")).click().run()
    project_id = store.demo_project_id()
    [clip] = wait_for_clips(store, project_id, 1)
    assert clip.status == "done" and clip.kind == "surprise"
    assert abs(clip.start - (peaks[surprise].time - 10)) < 0.2
    app.run()
    assert "Shorts" in [s.value for s in app.subheader]
    assert [t.label for t in app.tabs] == ["surprise (1)"]
    # the latest viewer's mood picks shorts from the library, with its reason
    assert any(m.value.startswith("**For Sam") for m in app.markdown)
    assert any("You looked mostly" in c.value and "surprise short" in c.value
               for c in app.caption)


def press_render(app: AppTest, label: str) -> None:
    next(b for b in app.button if b.label == label).click().run()


def test_box_and_moment_picks_survive_toggles_and_render_exactly_their_span(
        demo_copy: Path) -> None:
    """The user's path: drag a box, toggle the options, press Render: one job for exactly
    the box; then clear, click an empty spot, press: one job for that moment ± padding."""
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    app = AppTest.from_file(str(ROOT / "pages/studio.py"), default_timeout=90).run()
    assert not app.exception and render_label(app) != "Render 1 short"
    chart = f"studio-chart-{project_id}-0"
    app.session_state[chart] = {"selection": {
        "points": [], "point_indices": [], "lasso": [],
        "box": [{"x": ["1970-01-01 00:00:17.5", "1970-01-01 00:00:22"], "y": [0, 1]}]}}
    app.run()
    assert render_label(app) == "Render 1 short"
    assert app.get("video")[0].proto.start_time == 17  # the player starts at the pick
    platform = next(t for t in app.toggle if t.label.startswith("Platform size"))
    platform.set_value(True).run()
    platform.set_value(False).run()
    next(r for r in app.radio if r.label == "Captions").set_value("label").run()
    assert render_label(app) == "Render 1 short"  # the pick outlived three reruns
    press_render(app, "Render 1 short")
    [clip] = store.clips(project_id)
    assert clip.meta["asked"] == [17.5, 22.0] and clip.kind == "happy"
    assert clip.meta["title"].startswith("happy") and clip.meta["short"]["captions"] == "label"

    press_render(app, "Clear picks")
    assert render_label(app) != "Render 1 short"
    fused = demo_picking(demo_copy)[2].index("fused")
    app.session_state[f"studio-chart-{project_id}-1"] = {"selection": {
        "points": [{"curve_number": fused, "x": "1970-01-01 00:00:41", "y": 0.4}],
        "point_indices": [0], "box": [], "lasso": []}}  # an empty spot of the fused line
    app.run()
    press_render(app, "Render 1 short")
    clips = sorted(wait_for_clips(store, project_id, 2), key=lambda c: c.id)
    assert [c.meta["asked"] for c in clips] == [[17.5, 22.0], [31.0, 51.0]]  # ± 10 s
    assert all(c.status == "done" for c in clips), [c.error for c in clips]
    for clip in clips:  # each edge moved at most the tolerance, to a clean point, and says why
        asked = clip.meta["asked"]
        assert abs(clip.start - asked[0]) <= 1.5 and abs(clip.end - asked[1]) <= 1.5
        assert clip.meta["edges"]["start"]["why"] and clip.meta["edges"]["end"]["why"]
    assert not app.exception
