"""The viewer's browser reads faces as Python does: the bundle (onnxruntime-web in headless
Chromium) and ``VisionEngine`` analyse the very same frames (real faces of the demo reaction
clips, played through Chromium's fake camera) in the same order, at the same times, and must
agree on the dominant emotion of ≥ 95% of frames, with attention within 0.05 on average."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from shortory_core.bench.browser import (
    BrowserRun,
    camera_file,
    card_by_file,
    missing_tools,
    python_readings,
    run_in_chromium,
)
from shortory_core.bench.vision import recorded_frames
from shortory_core.demo import ASSETS
from shortory_core.remote.calibration import calibration_for_browser
from shortory_core.vision.calibration import Calibration
from shortory_core.vision.cards import DEFAULT_CARDS
from shortory_core.vision.engine import VisionEngine
from shortory_core.vision.profiles import Example, fit_profile

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))]

CLIPS = ["reaction_expressions_woman.mp4", "reaction_smile_man.mp4",
         "reaction_webcam_glasses.mp4"]
FRAMES = 90
FIGURES = Path(__file__).resolve().parents[1] / "build" / "browser_agreement.json"


ASTRONAUT = "skimage astronaut (a still photo)"


@pytest.fixture(scope="module")
def cameras(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cameras")
    photo = folder / "astronaut.png"  # a smiling face, framed as a webcam frames one
    cv2.imwrite(str(photo), cv2.cvtColor(data.astronaut()[0:300, 70:470], cv2.COLOR_RGB2BGR))
    return {clip: camera_file(ASSETS / clip, folder / f"{Path(clip).stem}.y4m")
            for clip in CLIPS} | {ASTRONAUT: camera_file(photo, folder / "astronaut.y4m")}


def agreement(run: BrowserRun, card_file: str, calibration: Calibration | None = None
              ) -> dict[str, float]:
    """The two readings of every frame compared: face found, dominant emotion, attention
    (Python's with ``calibration`` applied, as the browser applied it)."""
    python, _ = python_readings(run, card_by_file(card_file))
    if calibration is not None:
        python = [calibration.apply(reading) for reading in python]
    browser = run.results
    return {
        "frames": len(browser),
        "face_found": float(np.mean([b["faceFound"] for b in browser])),
        "same_face_found": float(np.mean([b["faceFound"] == p.face_found
                                          for b, p in zip(browser, python, strict=True)])),
        "same_dominant": float(np.mean([b["dominant"] == p.dominant
                                        for b, p in zip(browser, python, strict=True)])),
        "attention_difference": float(np.mean([abs(b["attention"] - p.attention)
                                               for b, p in zip(browser, python, strict=True)])),
        "emotion_difference": float(np.mean([
            max(abs(b["emotions"][e] - p.emotions[e]) for e in p.emotions)
            for b, p in zip(browser, python, strict=True) if b["faceFound"] and p.face_found])),
        # attention sits at 1 on most frames; its inputs say how close the landmarks are
        "yaw_difference_deg": _mean_difference(browser, python, "yaw"),
        "eye_ratio_difference": _mean_difference(browser, python, "ear"),
        "gaze_difference": _mean_difference(browser, python, "gaze"),
    }


def _mean_difference(browser: list[dict], python: list, name: str) -> float:
    pairs = [(b[name], getattr(p, name)) for b, p in zip(browser, python, strict=True)
             if b["faceFound"] and p.face_found and b[name] is not None
             and getattr(p, name) is not None]
    return float(np.mean([abs(b - p) for b, p in pairs])) if pairs else 0.0


def record(name: str, figures: dict[str, float]) -> None:
    """Keep the figures (build/, beside the screenshots) for the closing note."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    FIGURES.write_text(json.dumps(known | {name: figures}, indent=1))


@pytest.mark.parametrize("clip", [*CLIPS, ASTRONAUT])
def test_the_browser_reads_the_same_frames_as_python(clip: str, cameras: dict[str, Path]
                                                     ) -> None:
    card = DEFAULT_CARDS["emotion"]
    run = run_in_chromium(cameras[clip], FRAMES, card=card, keep=True)
    figures = agreement(run, card)
    record(f"{clip} · {card}", figures | {"browser_fps": run.fps})
    assert figures["face_found"] >= 0.9, figures  # the clip's real face is seen
    assert figures["same_face_found"] >= 0.95, figures
    assert figures["same_dominant"] >= 0.95, figures
    assert figures["attention_difference"] <= 0.05, figures


@pytest.mark.parametrize("card", sorted(
    p.name for p in (Path(__file__).resolve().parents[1] / "models").glob("emotion_*.json")
    if p.name != DEFAULT_CARDS["emotion"]))
def test_every_shipped_emotion_card_reads_alike(card: str, cameras: dict[str, Path]) -> None:
    run = run_in_chromium(cameras[CLIPS[0]], FRAMES, card=card, keep=True)
    figures = agreement(run, card)
    record(f"{CLIPS[0]} · {card}", figures | {"browser_fps": run.fps})
    assert figures["same_dominant"] >= 0.95, figures
    assert figures["attention_difference"] <= 0.05, figures


def test_a_viewer_profile_reads_alike(cameras: dict[str, Path]) -> None:
    """A profile fitted in Python (here from the clip's own faces, alternately labelled rest
    and smile: the arithmetic, not the labels, is under test) moves the browser's readings as
    it moves Python's."""
    card = DEFAULT_CARDS["emotion"]
    engine = VisionEngine(emotion_card=card_by_file(card))
    faces = [a for i, frame in enumerate(recorded_frames(ASSETS / CLIPS[0], 24, every=10))
             if (a := engine.analyse(frame, i / 3)).face_found]
    profile = fit_profile("viewer", card, [
        Example.of(("neutral", "happy")[i % 2], a.emotions, a.features)
        for i, a in enumerate(faces)])
    calibration = replace(Calibration.from_profile(profile), attention_gain=1.2)
    run = run_in_chromium(cameras[CLIPS[0]], FRAMES, card=card, keep=True,
                          calibration=calibration_for_browser(calibration))
    figures = agreement(run, card, calibration)
    record(f"{CLIPS[0]} · {card} · profile", figures)
    assert figures["same_dominant"] >= 0.95, figures
    assert figures["emotion_difference"] <= 0.05, figures
    assert figures["attention_difference"] <= 0.05, figures
