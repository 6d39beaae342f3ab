"""Phone and webcam videos as they really come: stored sideways with a rotation flag, and with
a variable frame rate. Made here from the real face clips with ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from shortory_core.clips.render import ffmpeg_exe
from shortory_core.live.movie import VideoReader
from shortory_core.reactions.recording import sampled_frames
from shortory_core.sources.video_file import probe_video
from shortory_core.store import Store
from shortory_core.vision.cards import default_card
from shortory_core.vision.face_detector import FaceDetector
from tests.conftest import FACE_CLIPS, run_job

PORTRAIT = FACE_CLIPS / "reaction_webcam_glasses.mp4"  # 720×1280, upright
EXPRESSIONS = FACE_CLIPS / "reaction_expressions_woman.mp4"  # 512×512, 30 fps, 11.8 s


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def sideways(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The portrait clip as a phone stores it: frames turned to landscape, and a display
    matrix saying to turn them back by 90°."""
    folder = tmp_path_factory.mktemp("phone")
    stored = folder / "stored.mp4"
    ffmpeg("-i", str(PORTRAIT), "-t", "4", "-vf", "transpose=1", "-c:v", "libx264",
           "-c:a", "aac", str(stored))
    flagged = folder / "phone.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(stored), "-c", "copy", str(flagged))
    return flagged


@pytest.fixture(scope="module")
def variable_rate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The expressions clip with a 2 s hole and every third frame dropped elsewhere, the
    kept frames keeping their times (variable frame rate, as browsers record)."""
    out = tmp_path_factory.mktemp("vfr") / "vfr.mp4"
    ffmpeg("-i", str(EXPRESSIONS), "-vf",
           "select='not(between(n,60,120))*not(eq(mod(n,3),0))'", "-fps_mode", "vfr",
           "-c:v", "libx264", "-an", str(out))
    return out


def test_a_rotated_video_is_probed_as_it_is_displayed(sideways: Path) -> None:
    info = probe_video(sideways)
    assert (info.width, info.height) == (720, 1280)


def test_analysis_sees_a_rotated_video_upright(sideways: Path) -> None:
    upright = dict(sampled_frames(PORTRAIT, 2.0, 0.0, 4.0))
    turned = dict(sampled_frames(sideways, 2.0))
    assert list(turned) == list(upright) == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
    detector = FaceDetector(default_card("face_detection_short"))
    for t, frame in turned.items():
        assert frame.shape == upright[t].shape and frame.shape[0] > frame.shape[1]
        assert np.abs(frame.astype(int) - upright[t].astype(int)).mean() < 8
        assert detector.detect(frame), f"no face at {t} s"


def test_a_vertical_short_of_a_rotated_video_keeps_the_whole_face(sideways: Path,
                                                                  store: Store) -> None:
    from shortory_core.clips.rendering import ClipRequest, queue_clips
    from shortory_core.clips.spec import ShortSpec
    from shortory_core.kinds import job_service

    project_id = run_job(store, "import", {"video": str(sideways)}).result["project_id"]
    assert (store.get_video(project_id).width, store.get_video(project_id).height) == (720, 1280)
    service = job_service(store)
    [clip_id] = queue_clips(service, project_id, "picked",
                            [ClipRequest(0.5, 3.0, 1.0, "phone",
                                         spec=ShortSpec(layout="9:16", snap=False))])
    [render] = store.jobs.listing(kinds=("render",))
    assert service.wait(render.id, 120).status == "done"
    clip = store.media_path(store.clip(clip_id).path)
    info = probe_video(clip)
    assert info.height > info.width
    [frame] = [f for t, f in sampled_frames(clip, 1.0, 1.0, 1.5)]
    faces = FaceDetector(default_card("face_detection_short")).detect(frame)
    assert faces, "no face in the short"
    x0, y0, x1, y1 = max(faces, key=lambda f: f.area).box
    assert x0 > 0 and x1 < frame.shape[1] and y0 > 0 and y1 < frame.shape[0]


def test_the_watch_player_sends_a_rotated_video_upright(sideways: Path) -> None:
    reader = VideoReader(sideways)
    frame = reader.frame_at(1.0)
    reader.close()
    assert reader.size[1] > reader.size[0] and (frame.width, frame.height) == reader.size
    [expected] = [f for _, f in sampled_frames(PORTRAIT, 1.0, 1.0, 1.5, max_side=854)]
    shown = frame.to_ndarray(format="rgb24")
    assert shown.shape == expected.shape
    assert np.abs(shown.astype(int) - expected.astype(int)).mean() < 12


def test_variable_frame_rate_gives_evenly_spaced_samples(variable_rate: Path) -> None:
    times = [t for t, _ in sampled_frames(variable_rate, 5.0)]
    steady = [t for t, _ in sampled_frames(EXPRESSIONS, 5.0)]
    assert times == steady  # the same grid as the steady original: no gaps, no extra
    assert np.allclose(np.diff(times), 0.2)
    assert len(times) == 59  # 0.0 … 11.6 s
