"""Cutting clips with the real ffmpeg, and the background queue that records them."""

from pathlib import Path

import av
import pytest

from shortory_core.clips.render import RenderError, render_clip
from shortory_core.clips.rendering import ClipRequest, queue_clips
from shortory_core.clips.spec import ShortSpec
from shortory_core.kinds import job_service
from shortory_core.sources.video_file import probe_video
from shortory_core.store import Store

VERTICAL = ShortSpec(layout="9:16", snap=False)


@pytest.fixture(scope="module")
def source(demo_home: Path) -> Path:
    store = Store(demo_home)
    return store.media_path(store.get_video(store.demo_project_id()).path)


def audio_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return float(stream.duration * stream.time_base)


def test_exact_cut_has_the_asked_length_and_sound(source: Path, tmp_path: Path) -> None:
    seen: list[float] = []
    out = render_clip(source, 33.0, 53.0, tmp_path / "clip.mp4", progress=seen.append)
    info = probe_video(out)
    assert info.duration == pytest.approx(20.0, abs=0.1)
    assert info.has_audio and audio_seconds(out) == pytest.approx(20.0, abs=0.1)
    assert (info.width, info.height) == (640, 360)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert not list(tmp_path.glob("*.part"))


def test_exact_cut_starts_on_the_asked_frame(source: Path, tmp_path: Path) -> None:
    """The demo flashes red at 42 s: a clip from 41 s is not red until 1 s in."""
    out = render_clip(source, 41.0, 44.0, tmp_path / "flash.mp4")
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    red = [f[180, 20, 0] > 150 and f[180, 20, 1] < 100 for f in frames]
    assert not any(red[:20]) and all(red[30:60])


def test_copy_mode_is_close_and_keeps_sound(source: Path, tmp_path: Path) -> None:
    out = render_clip(source, 33.0, 53.0, tmp_path / "copy.mp4", mode="copy")
    info = probe_video(out)
    assert 18.0 <= info.duration <= 23.0 and info.has_audio


def test_bad_spans_and_sources_are_clear_errors(source: Path, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="Empty or negative"):
        render_clip(source, 10.0, 10.0, tmp_path / "x.mp4")
    with pytest.raises(RenderError, match="missing"):
        render_clip(tmp_path / "none.mp4", 0.0, 1.0, tmp_path / "x.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video" * 100)
    with pytest.raises(RenderError, match="ffmpeg failed"):
        render_clip(junk, 0.0, 1.0, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_queue_renders_in_the_background_and_records_it(demo_home: Path, tmp_path: Path
                                                        ) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    store = Store(home)
    project_id = store.demo_project_id()
    service = job_service(store)
    ids = queue_clips(service, project_id, "comments", [ClipRequest(33, 53, 96, "moment #1"),
                                                        ClipRequest(60, 30, 1, "bad span")])
    renders = {j.subject_id: service.wait(j.id, 120)
               for j in store.jobs.listing(project_id=project_id, kinds=("render",))}
    clips = {c.id: c for c in store.clips(project_id)}
    good, bad = clips[ids[0]], clips[ids[1]]
    assert good.status == "done" and good.progress == 1.0
    assert renders[good.id].status == "done" and renders[good.id].progress == 1.0
    assert probe_video(store.media_path(good.path)).duration == pytest.approx(20.0, abs=0.1)
    assert bad.status == "failed" and "Empty or negative" in bad.error
    assert renders[bad.id].status == "failed" and "Empty or negative" in renders[bad.id].error
    assert [s.clips for s in store.list_projects() if s.project.id == project_id] == [1]
    assert not list(store.root.rglob("*.part")) and not list((store.root / "staging").iterdir())


def test_a_progress_callback_that_raises_stops_ffmpeg_and_leaves_no_file(source: Path,
                                                                        tmp_path: Path) -> None:
    from tests.test_jobs import ffmpeg_children

    def explode(fraction: float) -> None:
        if fraction > 0.05:
            raise RuntimeError("the page went away")

    out = tmp_path / "explode.mp4"
    with pytest.raises(RuntimeError, match="went away"):
        render_clip(source, 0.0, 60.0, out, progress=explode)
    assert not ffmpeg_children(str(out))  # killed and reaped, not left running
    assert not out.exists() and not list(tmp_path.glob("*.part"))


def test_the_same_span_asked_twice_is_one_clip(demo_copy: Path) -> None:
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    service = job_service(store, workers=False)
    try:
        first = queue_clips(service, project_id, "comments",
                            [ClipRequest(40.0, 44.0, 1.0, "a"),
                             ClipRequest(50.0, 52.0, 1.0, "b")])
        again = queue_clips(service, project_id, "picked",
                            [ClipRequest(40.0, 44.0, 2.0, "a again"),
                             ClipRequest(50.0, 52.0, 1.0, "b", spec=VERTICAL)])
        copy = queue_clips(service, project_id, "comments", [ClipRequest(40.0, 44.0, 1.0, "a")],
                           mode="copy")
    finally:
        service.close()
    assert again[0] == first[0]  # same span, same options: reused
    assert again[1] != first[1] and copy[0] not in first  # another shape or mode: its own
    assert len(store.clips(project_id)) == 4
