"""The vision engine on real faces: skimage's astronaut and the MIT face clips."""

from pathlib import Path

import numpy as np
import pytest
from skimage import data

from shortory_core.config import MODELS_DIR
from shortory_core.reactions.recording import analyse_recording
from shortory_core.vision.attention import AttentionTracker, head_angles
from shortory_core.vision.calibration import calibrate
from shortory_core.vision.cards import default_card, load_card
from shortory_core.vision.emotion import square_crop
from shortory_core.vision.engine import VisionEngine
from shortory_core.vision.ensemble import emotion_classifier
from shortory_core.vision.face_detector import FaceDetector, make_anchors, weighted_nms
from tests.conftest import FACE_CLIPS

CLIPS = FACE_CLIPS


@pytest.fixture(scope="module")
def engine() -> VisionEngine:
    return VisionEngine()


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return data.astronaut()  # RGB, a smiling face near x 177..272, y 66..161


def test_anchor_layouts_match_the_models() -> None:
    assert make_anchors(128, [8, 16], [2, 6]).shape == (896, 2)
    assert make_anchors(192, [4], [1]).shape == (2304, 2)


@pytest.mark.parametrize("kind", ["face_detection_short", "face_detection_full"])
def test_both_detectors_find_the_astronaut(astronaut: np.ndarray, kind: str) -> None:
    [face] = FaceDetector(default_card(kind)).detect(astronaut)
    x0, y0, x1, y1 = face.box
    assert 165 < x0 < 190 and 260 < x1 < 285 and 60 < y0 < 90 and 160 < y1 < 185
    right_eye, left_eye, nose = face.keypoints[:3]
    assert right_eye[0] < nose[0] < left_eye[0] and nose[1] > right_eye[1]


def test_no_face_in_a_blank_or_noisy_frame(engine: VisionEngine) -> None:
    blank = np.zeros((480, 640, 3), np.uint8)
    noise = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    for frame in (blank, noise):
        result = engine.analyse(frame, 0.0)
        assert not result.face_found and result.n_faces == 0
        assert result.attention == 0.0 and result.emotions is None


def test_weighted_nms_merges_overlaps_and_keeps_separate_faces() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], float)
    points = np.zeros((3, 6, 2))
    merged = weighted_nms(boxes, points, np.array([0.9, 0.6, 0.8]))
    assert len(merged) == 2
    np.testing.assert_allclose(merged[0][0], [0.4, 0.4, 10.4, 10.4])


def test_astronaut_reads_happy_and_attentive(engine: VisionEngine, astronaut: np.ndarray
                                             ) -> None:
    result = engine.analyse(astronaut, 0.0, colour="rgb")
    assert result.face_found and result.n_faces == 1
    assert result.dominant == "happy" and result.emotions["happy"] > 0.95
    assert result.raw_emotions["happy"] > 0.95 and len(result.raw_emotions) == 7
    assert abs(result.yaw) < 15 and result.attention > 0.7


def test_bgr_and_rgb_inputs_agree(engine: VisionEngine, astronaut: np.ndarray) -> None:
    rgb = engine.analyse(astronaut, 0.0, colour="rgb")
    bgr = engine.analyse(np.ascontiguousarray(astronaut[:, :, ::-1]), 0.0, colour="bgr")
    assert rgb.emotions == pytest.approx(bgr.emotions)


def test_several_faces_are_counted_and_the_viewer_is_the_largest(astronaut: np.ndarray
                                                                ) -> None:
    import cv2

    engine = VisionEngine(detector="full")  # faces under a fifth of the frame
    canvas = np.full((512, 1024, 3), 255, np.uint8)
    canvas[:, :512] = astronaut
    canvas[:420, 560:980] = cv2.resize(astronaut, (420, 420))  # a second, smaller face
    result = engine.analyse(canvas, 0.0, colour="rgb")
    assert result.n_faces == 2 and result.box[2] < 512
    assert len(result.extra["all_faces"]) == 2


def test_crop_pads_instead_of_leaving_the_image() -> None:
    image = np.full((50, 50), 7, np.uint8)
    crop = square_crop(image, (0, 0, 40, 20), margin=10)
    assert crop.shape == (60, 60) and crop[0, 0] == 0 and crop[30, 30] == 7


def test_smile_clip_peaks_happy_in_its_middle(engine: VisionEngine) -> None:
    samples = analyse_recording(CLIPS / "reaction_smile_man.mp4", [engine], fps=10)
    assert all(s.face_found for s in samples)
    happy = np.array([s.emotions["happy"] for s in samples])
    middle = happy[len(happy) // 4: 3 * len(happy) // 4]
    assert happy[:3].max() < 0.3 and happy[-3:].max() < 0.5
    assert middle.mean() > 0.6 and happy.argmax() in range(len(happy) // 4, 3 * len(happy) // 4)


def test_recordings_have_a_face_in_nearly_every_sample(engine: VisionEngine) -> None:
    for clip in ("reaction_expressions_woman.mp4", "reaction_webcam_glasses.mp4"):
        samples = analyse_recording(CLIPS / clip, [engine, VisionEngine(use_iris=False)])
        assert len(samples) >= 55
        assert np.mean([s.face_found for s in samples]) > 0.95
        times = [s.t for s in samples]
        assert times == sorted(times) and times[0] == 0.0


def test_womans_open_mouth_near_the_end_reads_surprise(engine: VisionEngine) -> None:
    samples = analyse_recording(CLIPS / "reaction_expressions_woman.mp4", [engine])
    surprise = np.array([s.emotions["surprise"] for s in samples])
    assert surprise[-10:].mean() > 0.5 > surprise[:10].mean()


def test_turning_away_and_closing_eyes_lower_attention() -> None:
    tracker = AttentionTracker()
    frontal = np.zeros((468, 3))
    frontal[234], frontal[454] = (0, 0, 0), (100, 0, 0)
    frontal[10], frontal[152] = (50, -60, 0), (50, 60, 0)
    for outer, inner, tops, bottoms, x in (
            (33, 133, (160, 158), (144, 153), 20), (263, 362, (385, 387), (380, 373), 80)):
        frontal[outer], frontal[inner] = (x - 10, 0, 0), (x + 10, 0, 0)
        for t, b in zip(tops, bottoms, strict=True):
            frontal[t], frontal[b] = (x, -3, 0), (x, 3, 0)
    assert head_angles(frontal) == (0.0, 0.0)
    assert tracker.update(0.0, frontal, [0.0, 0.0]).attention == 1.0
    turned = frontal.copy()
    turned[454] = (60, 0, 80)  # the far cheek swings away: yaw about 53°
    assert tracker.update(0.1, turned, None).head == 0.0
    closed = frontal.copy()
    for eye in ((160, 144), (158, 153), (385, 380), (387, 373)):
        closed[eye[0], 1] = closed[eye[1], 1] = 0.0
    assert tracker.update(1.0, closed, None).eyes == 1.0  # a blink starts
    assert tracker.update(1.3, closed, None).eyes == 1.0  # still a blink
    assert tracker.update(2.0, closed, None).eyes < 0.7  # eyes shut for a second
    assert tracker.update(3.1, closed, None).eyes == 0.0  # shut for two seconds
    assert tracker.update(3.2, frontal, [0.8, -0.8]).gaze < 0.5  # eyes back, looking aside


def test_calibration_moves_rest_to_neutral_and_keeps_the_rest() -> None:
    # the rest gains on the model that reads her rest as anything but neutral most surely
    # (the ensemble already reads 2 of these 5 frames neutral before any calibration)
    engine = VisionEngine(emotion_card=load_card(MODELS_DIR / "emotion_fer_mini_xception.json"))
    samples = analyse_recording(CLIPS / "reaction_expressions_woman.mp4", [engine])
    resting = samples[:5]  # her first second, before any expression: rarely read neutral
    assert sum(s.dominant == "neutral" for s in resting) < 3
    calibration = calibrate(resting)
    after = [calibration.apply(s) for s in samples]
    assert np.mean([a.emotions["neutral"] for a in after[:5]]) > 0.6
    assert sum(a.dominant == "neutral" for a in after[:5]) >= 4
    assert all(a.dominant == "neutral" for a in after[5:8])  # and the rest that follows
    assert np.mean([a.emotions["surprise"] for a in after[-10:]]) > 0.3  # still surprised
    for before, a in zip(samples, after, strict=True):
        assert (a.face_found, a.n_faces, a.head_pose, a.eyes_open, a.gaze, a.t) == (
            before.face_found, before.n_faces, before.head_pose, before.eyes_open,
            before.gaze, before.t)
        assert a.attention >= before.attention and sum(a.emotions.values()) == pytest.approx(1)
    with pytest.raises(ValueError, match="resting frames"):
        calibrate([engine.analyse(np.zeros((64, 64, 3), np.uint8), 0.0)])


def test_emotion_model_is_batched_and_matches_single_runs(astronaut: np.ndarray) -> None:
    classifier = emotion_classifier(load_card(MODELS_DIR / "emotion_ensemble.json"))  # 3 batches
    boxes = [(177, 66, 272, 161), (150, 40, 300, 190)]
    batch = classifier.classify(astronaut, boxes)
    single = [classifier.classify(astronaut, [b])[0] for b in boxes]
    for b, s in zip(batch, single, strict=True):
        assert b.product == pytest.approx(s.product, abs=1e-5)


def test_corrupt_recording_is_a_clear_error(tmp_path: Path, engine: VisionEngine) -> None:
    from shortory_core.errors import SourceError

    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 5000)
    with pytest.raises(SourceError):
        analyse_recording(bad, [engine])


def test_smoothing_steadies_emotions_and_leaves_absent_samples(engine: VisionEngine) -> None:
    import pandas as pd

    from shortory_core.reactions.timeline import sample_rows, smooth_emotions, timeline_frame
    from shortory_core.store.sample_files import sample_table

    samples = analyse_recording(CLIPS / "reaction_smile_man.mp4", [engine], fps=10)
    rows = sample_rows(samples, 0.0)
    rows.insert(5, dict(rows[5], seq=99, face_found=0, happy=None, dominant=None))
    raw = timeline_frame(sample_table(0, rows))
    smooth = smooth_emotions(raw, 5)
    faces = raw["face_found"] == 1
    emotions = ["happy", "sad", "angry", "neutral", "surprise"]

    def jitter(frame: pd.DataFrame) -> float:
        return float(frame.loc[faces, "happy"].diff().abs().sum())

    assert jitter(smooth) < jitter(raw)
    assert (smooth.loc[faces, emotions].sum(axis=1) - 1).abs().max() < 1e-6
    assert pd.isna(smooth.loc[~faces, "happy"]).all() and smooth_emotions(raw, 1) is raw
    recomputed = smooth.loc[faces, emotions].astype(float).idxmax(axis=1)
    assert (smooth.loc[faces, "dominant"] == recomputed).all()
