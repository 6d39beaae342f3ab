"""Model cards: what each ONNX model expects, read from the JSON written beside it.

A card lets another classifier drop in without code changes: a 5-class MobileNetV2 at 96×96
RGB or a 2-class EfficientNet at 224×224 RGB only needs its ``.onnx`` and a card naming its
labels, input size, colour, normalisation and how its labels map to the product's emotions.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort

from shortory_core.config import MODELS_DIR
from shortory_core.errors import ShortoryError
from shortory_core.records import PRODUCT_EMOTIONS

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)

DEFAULT_CARDS = {
    "emotion": "emotion_fer_mini_xception.json",
    "face_detection_short": "face_detection_short_range.json",
    "face_detection_full": "face_detection_full_range.json",
    "face_landmarks": "face_landmark.json",
    "iris_landmarks": "iris_landmark.json",
}


@dataclass(frozen=True)
class ModelCard:
    name: str
    task: str
    path: Path  # the .onnx file
    input_size: tuple[int, int]  # (height, width)
    colour: str  # "gray" or "rgb"
    normalisation: str  # "minus_one_to_one", "zero_to_one" or "imagenet"
    labels: tuple[str, ...] = ()
    product_mapping: dict[str, str] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    license: str = ""
    source: str = ""
    notes: str = ""

    def normalise(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 pixels (..., H, W[, C]) → float32 in the range the model was trained on."""
        x = pixels.astype(np.float32) / 255.0
        if self.normalisation == "minus_one_to_one":
            return (x - 0.5) * 2.0
        if self.normalisation == "imagenet":
            return (x - IMAGENET_MEAN) / IMAGENET_STD
        return x


def load_card(path: Path) -> ModelCard:
    """Read a card; its ``file`` is resolved beside it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        card = ModelCard(
            name=data["name"], task=data["task"], path=path.parent / data["file"],
            input_size=(int(data["input_size"][0]), int(data["input_size"][1])),
            colour=data.get("colour", "rgb"),
            normalisation=data.get("normalisation", "zero_to_one"),
            labels=tuple(data.get("labels", ())),
            product_mapping=dict(data.get("product_mapping", {})),
            extra=dict(data.get("extra", {})), license=data.get("license", ""),
            source=data.get("source", ""), notes=data.get("notes", ""),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise ShortoryError(f"Model card {path} is unreadable: {exc}") from exc
    if not card.path.is_file():
        raise ShortoryError(f"Model card {path.name} names {card.path.name}, which is missing.")
    unknown = set(card.product_mapping.values()) - set(PRODUCT_EMOTIONS)
    if unknown:
        raise ShortoryError(f"{path.name} maps to unknown emotions: {', '.join(sorted(unknown))}")
    return card


EMOTION_MODEL_ENV = "SHORTORY_EMOTION_MODEL"


def default_card(kind: str, models_dir: Path = MODELS_DIR) -> ModelCard:
    """The card of the model used for ``kind``. For emotions, ``$SHORTORY_EMOTION_MODEL``
    may name another card in ``models_dir`` (its name or file stem) or give a card's path:
    every page, job and command then uses that model."""
    chosen = os.environ.get(EMOTION_MODEL_ENV, "").strip() if kind == "emotion" else ""
    if not chosen:
        return load_card(models_dir / DEFAULT_CARDS[kind])
    if Path(chosen).suffix == ".json" and Path(chosen).is_file():
        return load_card(Path(chosen))
    cards = emotion_cards(models_dir)
    match = next((c for c in cards if chosen in (c.name, c.path.stem)), None)
    if match is None:
        raise ShortoryError(f"{EMOTION_MODEL_ENV}={chosen!r} names no emotion model; choose "
                            f"from {', '.join(c.name for c in cards)} or give a card's path.")
    return match


def emotion_cards(models_dir: Path = MODELS_DIR) -> list[ModelCard]:
    """Every emotion model shipped in ``models_dir``, by name."""
    cards = (load_card(path) for path in models_dir.glob("*.json"))
    return sorted((c for c in cards if c.task == "emotion"), key=lambda c: c.name)


def open_session(card: ModelCard, threads: int = 1) -> ort.InferenceSession:
    """An onnxruntime session; one thread by default, so two viewers use both cores."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(card.path), options, providers=["CPUExecutionProvider"])


class OnnxModel:
    """A model card with its session: what every model wrapper starts from."""

    def __init__(self, card: ModelCard, threads: int = 1) -> None:
        self.card = card
        self.session = open_session(card, threads)
        self.input_name = self.session.get_inputs()[0].name
        self.size = card.input_size[0]
