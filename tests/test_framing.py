"""Layouts: a short's picture in 16:9, 9:16, 1:1 and 4:5, a crop that holds still on a still
speaker and follows a moving one, a stacked split for two people, platform sizes."""

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from shortory_core.clips.framing import Framing, plan_framing
from shortory_core.clips.layouts import LAYOUTS
from shortory_core.clips.render import ffmpeg_exe, path_arg, render_clip, run_ffmpeg
from shortory_core.demo import ASSETS
from shortory_core.sources.video_file import probe_video
from shortory_core.vision.cards import default_card
from shortory_core.vision.face_detector import Face, FaceDetector

WOMAN = ASSETS / "reaction_expressions_woman.mp4"  # 512×512, swaying, with sound
MAN = ASSETS / "reaction_smile_man.mp4"  # 512×512, 3 s
STILL = ASSETS / "reaction_webcam_glasses.mp4"  # 720×1280, a still talking head


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector(default_card("face_detection_full"))


def made(path: Path, *args: str, seconds: float) -> Path:
    """``path`` made by ffmpeg from ``args`` (inputs and filters), H.264 for ``seconds``."""
    return run_ffmpeg([ffmpeg_exe(), "-v", "error", "-y", *args, "-t", str(seconds),
                       "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                       "-progress", "pipe:1", "-nostats", "-f", "mp4",
                       path_arg(path.with_name(path.name + ".part"))], path, seconds)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("framing")


@pytest.fixture(scope="module")
def still_head(media: Path) -> Path:
    """The still talking head in a 1280×720 frame, off to the right, as a webcam talk looks."""
    return made(media / "still.mp4", "-i", path_arg(STILL), "-vf",
                "scale=-2:720,pad=1280:720:760:0:color=0x303040", seconds=6)


@pytest.fixture(scope="module")
def walking_face(media: Path) -> Path:
    """A real face crossing a 1280×720 frame left to right at 110 px/s, with its sound."""
    return made(media / "walking.mp4", "-i", path_arg(WOMAN), "-filter_complex",
                "color=c=0x404040:s=1280x720:r=30[bg];[0:v]scale=300:300[face];"
                "[bg][face]overlay=x='60+110*t':y=180:shortest=1[v]",
                "-map", "[v]", "-map", "0:a", "-c:a", "aac", seconds=8)


@pytest.fixture(scope="module")
def two_people(media: Path) -> Path:
    """Two real people side by side (1024×512): the woman left, the man right."""
    return made(media / "two.mp4", "-i", path_arg(WOMAN), "-stream_loop", "-1", "-i",
                path_arg(MAN), "-filter_complex", "[0:v][1:v]hstack=inputs=2[v]",
                "-map", "[v]", "-map", "0:a", "-c:a", "aac", seconds=4)


def frame_at(path: Path, t: float) -> np.ndarray:
    """The RGB frame on screen at ``t``."""
    with av.open(str(path)) as container:
        shown = None
        for frame in container.decode(video=0):
            if frame.time > t + 1e-6:
                break
            shown = frame
    assert shown is not None
    return shown.to_ndarray(format="rgb24")


def main_face(detector: FaceDetector, rgb: np.ndarray) -> Face:
    faces = detector.detect(rgb)
    assert faces, "no face"
    return max(faces, key=lambda f: f.area)


def test_a_still_speaker_gets_a_crop_that_never_moves(still_head: Path,
                                                       detector: FaceDetector,
                                                       tmp_path: Path) -> None:
    framing = plan_framing(still_head, 0.0, 6.0, LAYOUTS["9:16"], 1280, 720, detector=detector)
    assert framing is not None and framing.size == (1080, 1920) and not framing.stacked
    [pane] = framing.panes
    assert pane.xs.max() - pane.xs.min() <= 2  # no jitter, though the detector's box wanders
    assert "clip(" not in pane.crop()  # one fixed crop for the whole short
    out = render_clip(still_head, 0.0, 3.0, tmp_path / "still.mp4", crop=framing)
    info = probe_video(out)
    assert (info.width, info.height) == (1080, 1920)
    x0, _, x1, _ = main_face(detector, frame_at(out, 1.5)).box
    assert x0 > 0 and x1 < 1080 and abs((x0 + x1) / 2 - 540) < 1080 * 0.25


def test_a_swaying_speaker_keeps_one_window(detector: FaceDetector) -> None:
    # her face wanders over 40% of a 9:16 window's width as she talks: the window holds
    framing = plan_framing(WOMAN, 0.0, 11.5, LAYOUTS["9:16"], 512, 512, detector=detector)
    assert framing is not None
    [pane] = framing.panes
    assert pane.xs.max() - pane.xs.min() <= 2


def test_a_moving_face_is_followed_by_a_gliding_crop(walking_face: Path,
                                                     detector: FaceDetector,
                                                     tmp_path: Path) -> None:
    framing = plan_framing(walking_face, 0.0, 8.0, LAYOUTS["9:16"], 1280, 720, upscale=False,
                           detector=detector)
    assert framing is not None and framing.size == (404, 720)
    [pane] = framing.panes
    assert pane.xs[-1] - pane.xs[0] > 600  # it followed her across
    speeds = np.abs(np.diff(pane.xs) / np.diff(pane.times))
    assert speeds.max() < 0.75 * 404  # a glide, never a jump
    out = render_clip(walking_face, 0.0, 8.0, tmp_path / "walking.mp4", crop=framing)
    assert probe_video(out).has_audio
    for t in np.arange(0.25, 8.0, 0.5):
        x0, _, x1, _ = main_face(detector, frame_at(out, t)).box
        assert x0 > -5 and x1 < 409, f"the face left the short at {t} s"


def test_landscape_from_a_phone_video_follows_the_face_up_and_down(
        detector: FaceDetector, tmp_path: Path) -> None:
    framing = plan_framing(STILL, 0.0, 4.0, LAYOUTS["16:9"], 720, 1280, upscale=False,
                           detector=detector)
    assert framing is not None and framing.size == (720, 404)
    [pane] = framing.panes
    assert pane.ys.max() - pane.ys.min() <= 2 and pane.ys[0] != (1280 - 404) / 2
    out = render_clip(STILL, 0.0, 2.0, tmp_path / "wide.mp4", crop=framing)
    x0, y0, x1, y1 = main_face(detector, frame_at(out, 1.0)).box
    assert y0 > -5 and y1 < 409 and abs((x0 + x1) / 2 - 360) < 100


def test_two_people_apart_get_a_stacked_split(two_people: Path, detector: FaceDetector,
                                              tmp_path: Path) -> None:
    framing = plan_framing(two_people, 0.0, 4.0, LAYOUTS["9:16"], 1024, 512, detector=detector)
    assert framing is not None and framing.stacked and framing.size == (1080, 1920)
    out = render_clip(two_people, 0.0, 2.0, tmp_path / "split.mp4", crop=framing)
    assert (probe_video(out).width, probe_video(out).height) == (1080, 1920)
    picture, source = frame_at(out, 1.0), frame_at(two_people, 1.0)
    left, right = source[:, :512], source[:, 512:]
    for half, person, other in ((picture[:960], left, right), (picture[960:], right, left)):
        face = looks(half, main_face(detector, half))
        x0, _, x1, _ = main_face(detector, half).box
        assert abs((x0 + x1) / 2 - 540) < 200  # the face sits in its own pane
        # and it is this pane's person: closer to their face in the source than the other's
        assert similarity(face, looks(person, main_face(detector, person))) > similarity(
            face, looks(other, main_face(detector, other)))


def looks(rgb: np.ndarray, face: Face) -> np.ndarray:
    """A face's pixels, grey and 32×32: enough to tell two people apart."""
    x0, y0, x1, y1 = (max(int(v), 0) for v in face.box)
    grey = cv2.cvtColor(rgb[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(float)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_a_source_in_the_layouts_shape_is_left_as_it_is(two_people: Path) -> None:
    # no crop and no scale: the render may copy the stream (no faces are looked for either)
    assert plan_framing(two_people, 0.0, 1.0, LAYOUTS["16:9"], 1280, 720, upscale=False) is None
    assert plan_framing(two_people, 0.0, 1.0, LAYOUTS["16:9"], 1920, 1080) is None
    assert plan_framing(two_people, 0.0, 1.0, LAYOUTS["1:1"], 1080, 1080) is None
    # at the platform's size: scaled whole, never cropped
    scaled = plan_framing(two_people, 0.0, 1.0, LAYOUTS["16:9"], 426, 240)
    assert isinstance(scaled, Framing) and scaled.size == (1920, 1080)
    [whole] = scaled.panes
    assert whole.size == (426, 240) and "scale=1920:1080" in scaled.filter("in", "out")


@pytest.mark.parametrize(("layout", "size"), [("1:1", (1080, 1080)), ("4:5", (1080, 1350)),
                                               ("16:9", (1920, 1080))])
def test_every_layout_is_delivered_at_its_platform_size(layout: str, size: tuple[int, int],
                                                        walking_face: Path,
                                                        detector: FaceDetector,
                                                        tmp_path: Path) -> None:
    source = walking_face if layout != "16:9" else STILL
    info = probe_video(source)
    framing = plan_framing(source, 1.0, 2.0, LAYOUTS[layout], info.width, info.height,
                           detector=detector)
    assert framing is not None and framing.size == size
    out = render_clip(source, 1.0, 2.0, tmp_path / "short.mp4", crop=framing)
    made_info = probe_video(out)
    assert (made_info.width, made_info.height) == size


def test_two_webcams_of_different_sizes_still_get_the_split(media: Path) -> None:
    """A call's two webcams side by side: a close face and a farther one (about 2.5× apart in
    area, as the new-user tryout's talk had): both people stay in the vertical short."""
    call = made(media / "call.mp4", "-i", path_arg(WOMAN), "-stream_loop", "-1", "-i",
                path_arg(STILL), "-filter_complex",
                "[0:v]scale=640:720:force_original_aspect_ratio=decrease,"
                "pad=640:720:(ow-iw)/2:(oh-ih)/2[a];[1:v]scale=640:720:"
                "force_original_aspect_ratio=decrease,pad=640:720:(ow-iw)/2:(oh-ih)/2[b];"
                "[a][b]hstack=inputs=2[v]", "-map", "[v]", seconds=4)
    framing = plan_framing(call, 0.0, 4.0, LAYOUTS["9:16"], 1280, 720)
    assert framing is not None and framing.stacked and framing.size == (1080, 1920)
