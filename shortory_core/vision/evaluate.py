"""Evaluating an emotion model on a labelled folder: one sub-folder per class.

Class folders are matched to the model's labels case-insensitively, with common synonyms
(``anger``/``angry``, ``happiness``/``happy``…). Scores are reported for the model's own
classes and for the five product emotions (through the card's mapping), with per-class
precision, recall and F1 and a confusion matrix. Images are face crops by default; with
detectors they are whole photos and the largest detected face is used. Images larger than
``images.MAX_PIXELS`` and flat images are skipped, with the reason, before they are decoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from shortory_core.errors import ShortoryError
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.vision.emotion import EmotionScores
from shortory_core.vision.ensemble import Classifier
from shortory_core.vision.face_detector import FaceDetector
from shortory_core.vision.images import ImageRefused, read_rgb
from shortory_core.vision.profiles import Example, Profile

SYNONYMS = {
    "anger": "angry", "mad": "angry", "happiness": "happy", "joy": "happy", "smile": "happy",
    "sadness": "sad", "surprised": "surprise", "disgusted": "disgust", "fearful": "fear",
    "afraid": "fear", "calm": "neutral", "none": "neutral",
}
BATCH = 64


@dataclass
class Scores:
    """Accuracy, per-class metrics and the confusion matrix (rows: truth, columns: guess)."""

    labels: list[str]
    confusion: np.ndarray
    accuracy: float
    precision: dict[str, float]
    recall: dict[str, float]
    f1: dict[str, float]
    support: dict[str, int]

    @property
    def images(self) -> int:
        """How many images these scores are over."""
        return int(self.confusion.sum())

    def as_dict(self) -> dict:
        return {"labels": self.labels, "accuracy": self.accuracy, "images": self.images,
                "confusion": self.confusion.tolist(), "precision": self.precision,
                "recall": self.recall, "f1": self.f1, "support": self.support}

    @classmethod
    def from_dict(cls, data: dict) -> Scores:
        """The scores back from ``as_dict`` (a job's stored result)."""
        fields = {k: v for k, v in data.items() if k != "images"}
        return cls(**(fields | {"confusion": np.asarray(data["confusion"], dtype=int)}))


@dataclass
class Evaluation:
    raw: Scores
    product: Scores
    images: int
    skipped: dict[str, str]  # folder or file → why

    def as_dict(self) -> dict:
        return {"images": self.images, "skipped": self.skipped, "raw": self.raw.as_dict(),
                "product": self.product.as_dict()}

    def report(self, model: str) -> str:
        """The figures for a terminal: every accuracy with the image count it is over, and
        what was skipped and why."""
        lines = [f"model: {model}",
                 f"accuracy over the model's {len(self.raw.labels)} classes: "
                 f"{self.raw.accuracy:.1%} on {self.raw.images} images",
                 f"accuracy over the five product emotions: {self.product.accuracy:.1%} on "
                 f"{self.product.images} images"]
        if self.skipped:
            reasons: dict[str, int] = {}
            for why in self.skipped.values():
                reasons[why] = reasons.get(why, 0) + 1
            lines.append(f"skipped {len(self.skipped)}: " + ", ".join(
                f"{n} {why}" for why, n in sorted(reasons.items(), key=lambda i: -i[1])))
        return "\n".join(lines)

    @classmethod
    def from_dict(cls, data: dict) -> Evaluation:
        return cls(raw=Scores.from_dict(data["raw"]), product=Scores.from_dict(data["product"]),
                   images=int(data["images"]), skipped=dict(data["skipped"]))


def score(truth: list[int], guess: list[int], labels: list[str]) -> Scores:
    n = len(labels)
    confusion = np.zeros((n, n), dtype=int)
    np.add.at(confusion, (np.asarray(truth, int), np.asarray(guess, int)), 1)
    hits = np.diag(confusion).astype(float)
    predicted, actual = confusion.sum(0), confusion.sum(1)
    precision = np.divide(hits, predicted, out=np.zeros(n), where=predicted > 0)
    recall = np.divide(hits, actual, out=np.zeros(n), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros(n), where=both > 0)
    total = confusion.sum()

    def per(values: np.ndarray) -> dict[str, float]:
        return {label: round(float(v), 4) for label, v in zip(labels, values, strict=True)}

    return Scores(labels, confusion, round(float(hits.sum() / total), 4) if total else 0.0,
                  per(precision), per(recall), per(f1),
                  {label: int(a) for label, a in zip(labels, actual, strict=True)})


def match_label(folder: str, labels: tuple[str, ...]) -> str | None:
    """The model label a class folder stands for: case-insensitive, synonyms understood, and
    numbering prefixes such as ``1 - Happy`` or ``03_sad`` ignored."""
    name = re.sub(r"^[\d\s._-]+", "", folder.strip().lower()).strip() or folder.strip().lower()
    name = SYNONYMS.get(name, name)
    return next((label for label in labels if label.lower() == name), None)


@dataclass
class LabelledFaces:
    """A labelled folder as the model read it: each face's true label (an index into the
    model's labels) and its scores, and what was skipped and why."""

    truth: list[int]
    scores: list[EmotionScores]
    skipped: dict[str, str]

    def examples(self, labels: tuple[str, ...], mapping: dict[str, str]) -> list[Example]:
        """The faces whose class is a product emotion, as profile examples."""
        return [Example.of(mapping[labels[t]], s.product, s.features)
                for t, s in zip(self.truth, self.scores, strict=True) if labels[t] in mapping]


def read_labelled_folder(folder: Path, classifier: Classifier,
                         detectors: Sequence[FaceDetector] = (),
                         progress: Callable[[float], None] | None = None) -> LabelledFaces:
    """Score every labelled image under ``folder`` (one sub-folder per class); ``progress``
    hears the fraction of images read (and may raise to stop). With ``detectors`` the images
    are whole photos: each detector is tried in turn until one finds a face (the full-range
    model misses faces that fill the photo, which the short-range one finds)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ShortoryError(f"{folder} is not a folder of class folders.")
    labels = classifier.card.labels
    skipped: dict[str, str] = {}
    items: list[tuple[Path, int]] = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        label = match_label(sub.name, labels)
        if label is None:
            skipped[sub.name] = f"no model label matches (labels: {', '.join(labels)})"
            continue
        for file in sorted(f for f in sub.iterdir() if f.is_file()):
            if cv2.haveImageReader(str(file)):  # any format this OpenCV decodes: TIFF, PGM…
                items.append((file, labels.index(label)))
            else:
                skipped[f"{sub.name}/{file.name}"] = "not an image OpenCV can read"
    if not items:
        raise ShortoryError(f"No labelled images under {folder}: expected one sub-folder per "
                            f"class named like the model's labels ({', '.join(labels)}).")
    tensors, truth = [], []
    for done, (path, label_index) in enumerate(items):
        if progress is not None and done % 16 == 0:
            progress(done / len(items))
        try:
            rgb = read_rgb(path)
        except ImageRefused as refused:
            skipped[f"{path.parent.name}/{path.name}"] = str(refused)
            continue
        if detectors:
            faces = next((found for d in detectors if (found := d.detect(rgb))), [])
            if not faces:
                skipped[f"{path.parent.name}/{path.name}"] = "no face found"
                continue
            box, margin = max(faces, key=lambda f: f.area).box, None
        else:
            box, margin = (0.0, 0.0, float(rgb.shape[1]), float(rgb.shape[0])), 0
        tensors.append(classifier.preprocess(rgb, box, margin))
        truth.append(label_index)
    if not tensors:
        raise ShortoryError(f"None of the {len(items)} images under {folder} could be scored "
                            f"(first reasons: {'; '.join(list(skipped.values())[:3])}).")
    scores: list[EmotionScores] = []
    for start in range(0, len(tensors), BATCH):
        scores += classifier.classify_prepared(tensors[start:start + BATCH])
    return LabelledFaces(truth, scores, skipped)


def evaluate_folder(folder: Path, classifier: Classifier,
                    detectors: Sequence[FaceDetector] = (),
                    progress: Callable[[float], None] | None = None,
                    profile: Profile | None = None) -> Evaluation:
    """Score ``classifier`` on every labelled image under ``folder``. With a viewer's
    ``profile``, the product emotions are read through it (the model's own classes are not:
    a profile adapts the five product emotions)."""
    faces = read_labelled_folder(folder, classifier, detectors, progress)
    labels, mapping = classifier.card.labels, classifier.card.product_mapping
    products = [s.product for s in faces.scores]
    if profile is not None:
        products = [profile.adjust_scores(s.product, s.features) for s in faces.scores]
    raw_guess = [labels.index(max(s.raw, key=s.raw.__getitem__)) for s in faces.scores]
    product_pairs = [(PRODUCT_EMOTIONS.index(mapping[labels[t]]),
                      PRODUCT_EMOTIONS.index(max(p, key=p.__getitem__)))
                     for t, p in zip(faces.truth, products, strict=True) if labels[t] in mapping]
    return Evaluation(
        raw=score(faces.truth, raw_guess, list(labels)),
        product=score([t for t, _ in product_pairs], [g for _, g in product_pairs],
                      list(PRODUCT_EMOTIONS)),
        images=len(faces.truth), skipped=faces.skipped,
    )
