"""A remote viewer's calibration: built on the server from numbers the browser measured, and
sent back to the browser, which applies it to every later frame.

The browser runs the guided prompts of ``vision/calibration.py`` (rest, smile, surprise; sad
and angry when asked) and reports, per prompt, what it read on each frame: the product
emotions, the emotion model's features and attention. The server fits exactly the calibration
the Watch page fits (``calibrate_guided``: rest gains, attention gain, and a viewer profile
when more than rest was prompted), so a remote viewer is read the way a local one is.

The profile is kept with the viewer's session, not among the named viewer profiles: a name a
stranger types must not replace the profile of someone the analyst calibrated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.vision.calibration import Calibration, calibrate_guided
from shortory_core.vision.engine import FrameAnalysis
from shortory_core.vision.profiles import Profile

MAX_FRAMES_PER_PROMPT = 400
MAX_FEATURES = 4096


def calibration_from_browser(prompted: Mapping[str, Sequence[Mapping[str, Any]]],
                             viewer: str, model: str) -> Calibration:
    """The calibration of the frames the browser read under each prompt.

    Each frame is ``{"face": bool, "emo": [5 product probabilities], "feat": [features],
    "att": attention}``. ``ValueError`` says plainly what is wrong or missing (too few resting
    frames with a face, an unknown prompt, numbers that are not numbers).
    """
    frames: dict[str, list[FrameAnalysis]] = {}
    for emotion, readings in prompted.items():
        if emotion not in PRODUCT_EMOTIONS:
            raise ValueError(f"{emotion!r} is not an emotion this app prompts for")
        if len(readings) > MAX_FRAMES_PER_PROMPT:
            raise ValueError(f"{len(readings)} frames for one prompt is more than a prompt "
                             f"lasts ({MAX_FRAMES_PER_PROMPT} at most)")
        frames[emotion] = [_frame(reading) for reading in readings]
    return calibrate_guided(frames, viewer, model)


def calibration_for_browser(calibration: Calibration) -> dict[str, Any]:
    """What the browser needs to apply the calibration, as JSON-ready values.

    With a profile the browser reads emotions through it (``Profile.adjust``); without one it
    weighs each emotion by its rest gain and renormalises (``Calibration.apply``). Attention is
    multiplied by its gain and capped at 1 either way.
    """
    profile = calibration.profile
    return {
        "emotion_gain": dict(calibration.emotion_gain),
        "attention_gain": calibration.attention_gain,
        "profile": None if profile is None else {
            "model": profile.model, "classes": list(profile.classes),
            "centre": profile.centre.tolist(), "prototypes": profile.prototypes.tolist(),
            "blend": profile.blend, "temperature": profile.temperature},
    }


def profile_of(calibration: Mapping[str, Any] | None, viewer: str) -> Profile | None:
    """The profile inside a stored browser calibration (for the session's record)."""
    if not calibration or not calibration.get("profile"):
        return None
    data = calibration["profile"]
    return Profile(viewer, str(data["model"]), tuple(data["classes"]),
                   np.asarray(data["centre"], np.float64),
                   np.asarray(data["prototypes"], np.float64), float(data["blend"]),
                   float(data["temperature"]), {})


def _frame(reading: Mapping[str, Any]) -> FrameAnalysis:
    if not reading.get("face"):
        return FrameAnalysis(t=0.0, face_found=False, n_faces=0)
    emotions = _numbers(reading.get("emo"), "emo", len(PRODUCT_EMOTIONS))
    features = _numbers(reading.get("feat"), "feat", None)
    attention = _numbers([reading.get("att", 0.0)], "att", 1)[0]
    return FrameAnalysis(t=0.0, face_found=True, n_faces=1,
                         emotions=dict(zip(PRODUCT_EMOTIONS, emotions, strict=True)),
                         attention=float(np.clip(attention, 0.0, 1.0)),
                         features=np.asarray(features, np.float32))


def _numbers(values: Any, name: str, length: int | None) -> list[float]:
    if not isinstance(values, list) or not values or len(values) > MAX_FEATURES:
        raise ValueError(f"a calibration frame's {name!r} must be a list of numbers")
    if length is not None and len(values) != length:
        raise ValueError(f"a calibration frame's {name!r} needs {length} numbers, "
                         f"not {len(values)}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in values):
        raise ValueError(f"a calibration frame's {name!r} holds something that is not a "
                         "finite number")
    return [float(v) for v in values]
