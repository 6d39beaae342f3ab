"""Viewer profiles on people the models never saw: the three fixture people, labelled by eye.

Each fixture clip has spans labelled by eye (``demo/assets/expressions.json``). For every person,
``SHOTS`` labelled faces per emotion are drawn as the prompts, a profile is fitted on them, and
the person's *other* labelled faces are scored with and without it. Draws are repeated and
averaged. Beside the profile, the same prompts fit the simpler alternative, a per-viewer bias on
the model's log-probabilities, so the choice of method stays measured.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from shortory_core.demo import ASSETS
from shortory_core.reactions.recording import sampled_frames
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.vision.cards import ModelCard, emotion_cards
from shortory_core.vision.engine import VisionEngine
from shortory_core.vision.profiles import Example, fit_profile

LABELS = ASSETS / "expressions.json"
SHOTS = 2
DRAWS = 100
SAMPLE_FPS = 10.0


@dataclass(frozen=True)
class Lift:
    """One person's accuracy on held-out faces: the model alone, with a profile, with a bias."""

    person: str
    faces: int
    before: float
    profile: float
    bias: float

    @property
    def gain(self) -> float:
        return self.profile - self.before


def labelled_clips() -> list[str]:
    return list(json.loads(LABELS.read_text())["clips"])


def labelled_frames(clip: str, fps: float = SAMPLE_FPS
                    ) -> Iterator[tuple[float, str | None, np.ndarray]]:
    """(time, label by eye or ``None`` between spans, RGB frame) for a fixture clip."""
    spans = json.loads(LABELS.read_text())["clips"][clip]
    for t, rgb in sampled_frames(ASSETS / clip, fps):
        label = next((e for e, ranges in spans.items()
                      if any(a <= t <= b for a, b in ranges)), None)
        yield t, label, rgb


def labelled_faces(card: ModelCard) -> dict[str, list[Example]]:
    """Every labelled fixture frame (at ``SAMPLE_FPS``) with a face, per person (clip). Every
    frame goes through the engine, so it follows the face as it would in a recording."""
    engine = VisionEngine(emotion_card=card, use_iris=False)
    people: dict[str, list[Example]] = {}
    for clip in labelled_clips():
        engine.reset()
        examples = []
        for t, label, rgb in labelled_frames(clip):
            analysis = engine.analyse(rgb, t, colour="rgb")
            if label and analysis.face_found and analysis.features is not None:
                examples.append(Example.of(label, analysis.emotions, analysis.features))
        people[clip.removesuffix(".mp4")] = examples
    return people


def measure_lift(person: str, examples: list[Example], shots: int = SHOTS,
                 draws: int = DRAWS, seed: int = 0) -> Lift:
    """Mean held-out accuracy over ``draws`` random choices of ``shots`` prompts per emotion."""
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[int]] = {}
    for i, x in enumerate(examples):
        by_class.setdefault(x.emotion, []).append(i)
    before, after, biased = [], [], []
    for _ in range(draws):
        prompts = [int(i) for idx in by_class.values()
                   for i in rng.choice(idx, size=shots, replace=False)]
        rest = sorted(set(range(len(examples))) - set(prompts))
        profile = fit_profile(person, "", [examples[i] for i in prompts])
        bias = fit_bias([examples[i] for i in prompts])
        truth = np.array([PRODUCT_EMOTIONS.index(examples[i].emotion) for i in rest])
        p = np.stack([examples[i].probabilities for i in rest])
        f = np.stack([examples[i].features for i in rest])
        before.append(np.mean(p.argmax(1) == truth))
        after.append(np.mean(profile.adjust(p, f).argmax(1) == truth))
        biased.append(np.mean((np.log(p + 1e-9) + bias).argmax(1) == truth))
    return Lift(person, len(examples), float(np.mean(before)), float(np.mean(after)),
                float(np.mean(biased)))


def fit_bias(examples: list[Example], steps: int = 300, rate: float = 0.5,
             decay: float = 0.01) -> np.ndarray:
    """The alternative a profile is measured against: one log-bias per product emotion that
    maximises the prompts' likelihood (gradient descent, L2 pull toward no bias)."""
    logp = np.log(np.stack([x.probabilities for x in examples]) + 1e-9)
    onehot = np.eye(len(PRODUCT_EMOTIONS))[[PRODUCT_EMOTIONS.index(x.emotion) for x in examples]]
    bias = np.zeros(len(PRODUCT_EMOTIONS))
    for _ in range(steps):
        z = logp + bias
        q = np.exp(z - z.max(1, keepdims=True))
        q /= q.sum(1, keepdims=True)
        bias -= rate * ((q - onehot).mean(0) + decay * bias)
    return bias


def run() -> str:
    cards = emotion_cards()
    lines = [f"viewer profiles: {SHOTS} prompts per emotion, {DRAWS} draws, held-out accuracy "
             "on the fixture people (labelled by eye)"]
    for card in cards:
        started = time.perf_counter()
        lifts = [measure_lift(person, examples)
                 for person, examples in labelled_faces(card).items()]
        lines.append(f"  {card.name} ({time.perf_counter() - started:.0f} s)")
        for lift in lifts:
            lines.append(f"    {lift.person:28s} {lift.faces:4d} faces  model {lift.before:6.1%}"
                         f"  profile {lift.profile:6.1%} ({lift.gain:+.1%})  bias {lift.bias:6.1%}")
        gains = [lift.gain for lift in lifts]
        lines.append(f"    mean lift {np.mean(gains):+.1%} (worst person {min(gains):+.1%}); "
                     f"bias alone {np.mean([x.bias - x.before for x in lifts]):+.1%}")
    return "\n".join(lines)
