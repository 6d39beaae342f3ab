"""Viewer profiles: a few labelled faces of one person adapt the emotion model to that face.

A FER2013 model reads faces unlike its training data poorly: a resting face reads "sad", a
frown reads "surprise". A profile fixes that for one viewer from a handful of prompted faces
(rest, smile, surprise; optionally sad and angry), the way few-shot personalisation is done:

- each prompted emotion gets a **prototype**, the mean of that person's face features
  (the model's penultimate embedding when its card exports one, else its log-probabilities),
  centred on the person's own mean face and L2-normalised;
- a face is compared to every prototype by cosine similarity, softmax at temperature ``τ``;
- the result is **blended** with the model's own probabilities, ``(1 − α)·model + α·prototypes``,
  so emotions the viewer never prompted can still be read when the model is sure of them.

``α`` and ``τ`` are chosen per person by leave-one-out on the prompted faces themselves: each
face is scored by prototypes built without it, and the pair with the lowest log-loss wins.
Measured on the three fixture people (``bench --only profiles``), this lifted accuracy more
than a per-viewer bias and temperature on the model's outputs did.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shortory_core.records import PRODUCT_EMOTIONS

MIN_PER_CLASS = 1
MIN_CLASSES = 2
BLENDS = (0.0, 0.25, 0.5, 0.7, 0.85)
TEMPERATURES = (0.05, 0.1, 0.2, 0.4)
EPSILON = 1e-9
FORMAT = 1


@dataclass(frozen=True)
class Example:
    """One labelled face as the model saw it: its product probabilities and features."""

    emotion: str  # a product emotion
    probabilities: np.ndarray  # (5,) in PRODUCT_EMOTIONS order
    features: np.ndarray  # (d,)

    @classmethod
    def of(cls, emotion: str, emotions: Mapping[str, float], features: np.ndarray) -> Example:
        """A face as the engine or the classifier reports it: ``{emotion: probability}``."""
        return cls(emotion, _vector(emotions), features)


@dataclass(frozen=True)
class Profile:
    """One viewer's adaptation of one model (a profile fitted for another model is refused)."""

    name: str
    model: str  # the card name of the model it was fitted with
    classes: tuple[str, ...]  # the prompted product emotions, prototype order
    centre: np.ndarray  # (d,) the viewer's mean feature
    prototypes: np.ndarray  # (k, d), unit rows
    blend: float  # α
    temperature: float  # τ
    counts: dict[str, int]  # faces per prompted emotion

    def adjust(self, probabilities: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Product probabilities (…, 5) for faces with these features (…, d)."""
        similar = _unit(np.asarray(features, np.float64) - self.centre) @ self.prototypes.T
        votes = _softmax(similar / self.temperature)
        mixed = (1.0 - self.blend) * np.asarray(probabilities, np.float64)
        for k, emotion in enumerate(self.classes):
            mixed[..., PRODUCT_EMOTIONS.index(emotion)] += self.blend * votes[..., k]
        return mixed

    def adjust_scores(self, emotions: Mapping[str, float], features: np.ndarray
                      ) -> dict[str, float]:
        """The same for one face's ``{emotion: probability}``."""
        adjusted = self.adjust(_vector(emotions), features)
        return {e: float(p) for e, p in zip(PRODUCT_EMOTIONS, adjusted, strict=True)}

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "classes": list(self.classes), "centre": self.centre.tolist(),
            "prototypes": self.prototypes.tolist(), "blend": self.blend,
            "temperature": self.temperature, "counts": self.counts})

    @classmethod
    def from_json(cls, name: str, model: str, text: str) -> Profile:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"profile format {data.get('format')} is not {FORMAT}")
        return cls(name, model, tuple(data["classes"]), np.asarray(data["centre"]),
                   np.asarray(data["prototypes"]), float(data["blend"]),
                   float(data["temperature"]), dict(data["counts"]))


def fit_profile(name: str, model: str, examples: Sequence[Example]) -> Profile:
    """A profile from labelled faces of one person; ``ValueError`` says what is missing."""
    counts = {e: sum(x.emotion == e for x in examples) for e in PRODUCT_EMOTIONS}
    classes = tuple(e for e in PRODUCT_EMOTIONS if counts[e] >= MIN_PER_CLASS)
    if len(classes) < MIN_CLASSES:
        raise ValueError(f"A profile needs faces of at least {MIN_CLASSES} emotions; got "
                         + (", ".join(f"{counts[e]} {e}" for e in classes) or "none") + ".")
    features = np.stack([np.asarray(x.features, np.float64) for x in examples])
    probabilities = np.stack([np.asarray(x.probabilities, np.float64) for x in examples])
    truth = np.array([PRODUCT_EMOTIONS.index(x.emotion) for x in examples])
    centre = features.mean(0)
    unit = _unit(features - centre)
    member = np.array([[x.emotion == c for x in examples] for c in classes])  # (k, n)
    blend, temperature = _choose(unit, member, probabilities, truth, classes)
    return Profile(name, model, classes, centre, _prototypes(unit, member), blend, temperature,
                   {e: counts[e] for e in classes})


def _choose(unit: np.ndarray, member: np.ndarray, probabilities: np.ndarray,
            truth: np.ndarray, classes: tuple[str, ...]) -> tuple[float, float]:
    """(α, τ) with the lowest leave-one-out log-loss over the prompted faces. A face that is
    its emotion's only example has no prototype to be scored by, so it is left out; with no
    face left to score, the model keeps half the say at a middle temperature."""
    sums = member.astype(float) @ unit  # (k, d): each class's feature sum
    sizes = member.sum(1)
    rows, held = [], []
    for i in range(len(unit)):
        own = member[:, i]
        if sizes[own].min() < 2:
            continue
        left = sums - np.outer(own, unit[i])  # the prototypes without face i
        rows.append(_unit(left) @ unit[i])
        held.append(i)
    if not held:
        return 0.5, 0.1
    similar = np.stack(rows)
    columns = [PRODUCT_EMOTIONS.index(c) for c in classes]
    best, choice = np.inf, (0.5, 0.1)
    for blend, temperature in itertools.product(BLENDS, TEMPERATURES):
        mixed = (1.0 - blend) * probabilities[held]
        mixed[:, columns] += blend * _softmax(similar / temperature)
        loss = -np.log(mixed[np.arange(len(held)), truth[held]] + EPSILON).mean()
        if loss < best - 1e-12:
            best, choice = loss, (blend, temperature)
    return choice


def _vector(emotions: Mapping[str, float]) -> np.ndarray:
    return np.array([emotions[e] for e in PRODUCT_EMOTIONS])


def _prototypes(unit: np.ndarray, member: np.ndarray) -> np.ndarray:
    return _unit(member.astype(float) @ unit)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + EPSILON)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)
