"""A remote viewer's calibration: the numbers a browser sends make the same calibration the
Watch page makes from the same faces, and malformed numbers are refused plainly."""

import numpy as np
import pytest

from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.remote.calibration import (
    calibration_for_browser,
    calibration_from_browser,
    profile_of,
)
from shortory_core.vision.calibration import calibrate_guided
from shortory_core.vision.engine import FrameAnalysis, VisionEngine
from tests.test_profiles import labelled_frames


@pytest.fixture(scope="module")
def woman_prompted() -> dict[str, list[FrameAnalysis]]:
    """The fixture woman's rest, frown and surprise, read by the engine as a viewer would be."""
    engine = VisionEngine()
    prompted: dict[str, list[FrameAnalysis]] = {}
    for i, (label, rgb) in enumerate(labelled_frames("reaction_expressions_woman.mp4", 5.0)):
        prompted.setdefault(label, []).append(engine.analyse(rgb, i / 5.0, colour="rgb"))
    return prompted


def as_sent(analysis: FrameAnalysis) -> dict:
    """One frame as the browser sends it."""
    if not analysis.face_found:
        return {"face": False}
    return {"face": True, "emo": [analysis.emotions[e] for e in PRODUCT_EMOTIONS],
            "feat": analysis.features.tolist(), "att": analysis.attention}


def test_the_browsers_numbers_make_the_watch_pages_calibration(woman_prompted) -> None:
    assert {"neutral", "angry", "surprise"} <= woman_prompted.keys()
    local = calibrate_guided(woman_prompted, "Anna", "fer-mini-xception")
    sent = {e: [as_sent(a) for a in frames] for e, frames in woman_prompted.items()}
    remote = calibration_from_browser(sent, "Anna", "fer-mini-xception")
    assert remote.emotion_gain == pytest.approx(local.emotion_gain)
    assert remote.attention_gain == pytest.approx(local.attention_gain)
    assert remote.profile is not None and remote.profile.classes == local.profile.classes
    assert np.allclose(remote.profile.prototypes, local.profile.prototypes, atol=1e-5)

    shipped = calibration_for_browser(remote)
    again = profile_of(shipped, "Anna")
    frown = woman_prompted["angry"][0]
    assert again.adjust_scores(frown.emotions, frown.features) == pytest.approx(
        remote.profile.adjust_scores(frown.emotions, frown.features))


@pytest.mark.parametrize(("prompted", "says"), [
    ({"bored": [{"face": True}]}, "not an emotion"),
    ({"neutral": [{"face": True, "emo": [0.2] * 4, "feat": [1.0], "att": 1}]}, "needs 5"),
    ({"neutral": [{"face": True, "emo": [0.2] * 5, "feat": [float("nan")], "att": 1}]},
     "finite"),
    ({"neutral": [{"face": True, "emo": "happy", "feat": [1.0], "att": 1}]}, "list of numbers"),
    ({"neutral": [{"face": True, "emo": [0.2] * 5, "feat": [1.0], "att": True}]}, "finite"),
    ({"neutral": [{"face": False}] * 10}, "resting frames"),
    ({"neutral": [{"face": False}] * 401}, "more than a prompt"),
])
def test_malformed_calibration_numbers_are_refused_plainly(prompted: dict, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        calibration_from_browser(prompted, "Anna", "fer-mini-xception")


def test_rest_alone_calibrates_without_a_profile(woman_prompted) -> None:
    sent = {"neutral": [as_sent(a) for a in woman_prompted["neutral"]]}
    shipped = calibration_for_browser(calibration_from_browser(sent, "Anna", "m"))
    assert shipped["profile"] is None and profile_of(shipped, "Anna") is None
    assert shipped["emotion_gain"].keys() == set(PRODUCT_EMOTIONS)
    assert 1.0 <= shipped["attention_gain"] <= 2.0
