"""Per-viewer calibration from a few seconds of the viewer's resting face.

Faces differ: a resting face can read "sad" to a classifier, and a viewer in glasses or with a
low camera may never score full attention. Viewers' reactions also differ a lot, so research on
affective summaries normalises per viewer (Joho et al., 2011). Calibration therefore:

- emotions: multiplies each emotion's probability by ``target / resting`` and renormalises, so
  the resting face reads ``RESTING_TARGET`` (neutral 0.8) exactly and every other expression is
  read *relative to this viewer's rest*;
- attention: scales it by ``ATTENTION_TARGET / resting attention`` (only upwards, at most 2×),
  so the viewer's own baseline reads high.

With a viewer profile (``profiles.py``: guided prompts of rest, smile and surprise, or a folder
of the viewer's labelled faces), the profile reads the emotions instead of the resting gains:
it knows the viewer's smile and frown, not only their rest.

Face presence, counts, head angles, eye openness and gaze stay exactly as measured.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.vision.engine import FrameAnalysis
from shortory_core.vision.profiles import Example, Profile, fit_profile

PROMPT_S = 3.0
SETTLE_S = 0.8  # the first moments of a prompt are the face changing: not kept


@dataclass(frozen=True)
class Prompt:
    """One step of guided calibration: what the viewer is asked to show, and for how long."""

    emotion: str  # a product emotion
    instruction: str
    seconds: float = PROMPT_S


GUIDED = (Prompt("neutral", "Rest your face and look at the screen"),
          Prompt("happy", "Smile"),
          Prompt("surprise", "Look surprised: brows up, mouth open"))
OPTIONAL = (Prompt("sad", "Look sad"), Prompt("angry", "Frown as if angry"))

RESTING_TARGET = {"neutral": 0.8, "happy": 0.05, "sad": 0.05, "angry": 0.05, "surprise": 0.05}
ATTENTION_TARGET = 0.95
MAX_ATTENTION_GAIN = 2.0
MIN_REST_FRAMES = 3
EPSILON = 1e-4


@dataclass(frozen=True)
class Calibration:
    emotion_gain: dict[str, float]
    attention_gain: float
    frames: int
    profile: Profile | None = None

    @classmethod
    def from_profile(cls, profile: Profile) -> Calibration:
        """A stored profile alone (a recording, or a viewer who calibrated before)."""
        return cls({e: 1.0 for e in PRODUCT_EMOTIONS}, 1.0, 0, profile)

    def apply(self, analysis: FrameAnalysis) -> FrameAnalysis:
        if not analysis.face_found or analysis.emotions is None:
            return analysis
        if self.profile is not None and analysis.features is not None:
            emotions = self.profile.adjust_scores(analysis.emotions, analysis.features)
        else:
            weighted = {e: analysis.emotions[e] * self.emotion_gain[e] for e in PRODUCT_EMOTIONS}
            total = sum(weighted.values()) or 1.0
            emotions = {e: v / total for e, v in weighted.items()}
        return replace(analysis, emotions=emotions,
                       attention=min(1.0, analysis.attention * self.attention_gain))


def calibrate(resting: list[FrameAnalysis]) -> Calibration:
    """A calibration from frames of the viewer at rest; raises ``ValueError`` if too few
    show a face (the page then asks the viewer to look at the screen and try again)."""
    faces = [a for a in resting if a.face_found and a.emotions]
    if len(faces) < MIN_REST_FRAMES:
        raise ValueError(f"Only {len(faces)} resting frames showed a face; "
                         f"{MIN_REST_FRAMES} are needed to calibrate.")
    mean = {e: float(np.mean([a.emotions[e] for a in faces])) for e in PRODUCT_EMOTIONS}
    gain = {e: RESTING_TARGET[e] / max(mean[e], EPSILON) for e in PRODUCT_EMOTIONS}
    resting_attention = float(np.median([a.attention for a in faces]))
    attention_gain = float(np.clip(ATTENTION_TARGET / max(resting_attention, EPSILON),
                                   1.0, MAX_ATTENTION_GAIN))
    return Calibration(gain, attention_gain, len(faces))


def calibrate_guided(prompted: dict[str, list[FrameAnalysis]], viewer: str, model: str
                     ) -> Calibration:
    """Rest gains and attention from the resting (``neutral``) frames and, when more than rest
    was prompted, a profile from every prompted emotion; ``ValueError`` names what is
    missing."""
    calibration = calibrate(prompted.get("neutral", []))
    if len(prompted) < 2:
        return calibration
    examples = [Example.of(emotion, a.emotions, a.features)
                for emotion, frames in prompted.items() for a in frames
                if a.face_found and a.emotions and a.features is not None]
    return replace(calibration, profile=fit_profile(viewer, model, examples))
