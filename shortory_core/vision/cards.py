"""Model cards: what each ONNX model expects, read from the JSON written beside it.

A card lets another classifier drop in without code changes: a 5-class MobileNetV2 at 96×96
RGB or a 2-class EfficientNet at 224×224 RGB only needs its ``.onnx`` and a card naming its
labels, input size, colour, normalisation and how its labels map to the product's emotions.

An *ensemble* card names no model file of its own but ``members``: the cards (by name, in the
same folder) whose outputs it combines (``combine``: ``mean_log_probability``), with its own
labels and product mapping; ``ensemble.py`` runs it.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import onnxruntime as ort
from onnxruntime.capi import onnxruntime_pybind11_state as ort_state

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
    members: tuple[ModelCard, ...] = ()  # an ensemble's member cards (``path``: its own card)

    def normalise(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 pixels (..., H, W[, C]) → float32 in the range the model was trained on."""
        x = pixels.astype(np.float32) / 255.0
        if self.normalisation == "minus_one_to_one":
            return (x - 0.5) * 2.0
        if self.normalisation == "imagenet":
            return (x - IMAGENET_MEAN) / IMAGENET_STD
        return x


COLOURS = ("gray", "rgb")
NORMALISATIONS = ("minus_one_to_one", "zero_to_one", "imagenet")
# What onnxruntime raises for a file that is not a model it can run (none derive from
# ``RuntimeError``).
ORT_LOAD_ERRORS = (ort_state.Fail, ort_state.InvalidArgument, ort_state.InvalidGraph,
                   ort_state.InvalidProtobuf, ort_state.RuntimeException,
                   ort_state.NoSuchFile, ort_state.NotImplemented)
MAX_INPUT_SIDE = 1024  # px: every shipped model reads 48–224; more is a typo or a trap
COMBINES = ("mean_log_probability",)


def load_card(path: Path) -> ModelCard:
    """Read a card and check it against its model before anything runs it: its ``file`` must
    lie in ``models/`` or the card's own folder, its input size be sane, and its labels match
    the width of the model's output. A card that fails is refused, by its name."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        if "members" in data:
            return _ensemble_card(path, data)
        card = ModelCard(
            name=str(data["name"]), task=str(data["task"]),
            path=_model_file(path, str(data["file"])),
            input_size=(int(data["input_size"][0]), int(data["input_size"][1])),
            colour=data.get("colour", "rgb"),
            normalisation=data.get("normalisation", "zero_to_one"),
            labels=tuple(str(label) for label in data.get("labels", ())),
            product_mapping=dict(data.get("product_mapping", {})),
            extra=dict(data.get("extra", {})), license=data.get("license", ""),
            source=data.get("source", ""), notes=data.get("notes", ""),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, OverflowError) as exc:
        raise ShortoryError(f"Model card {path} is unreadable: {exc}") from exc
    _check_fields(card, path.name)
    _check_model(card, path.name)
    return card


def _ensemble_card(path: Path, data: dict) -> ModelCard:
    """An ensemble card, its members loaded (and checked) from its own folder by name. Every
    one of its labels must be a label of every member: members are read by label name."""
    if data.get("combine") not in COMBINES:
        raise ShortoryError(f"Model card {path.name}: combine {data.get('combine')!r} must be "
                            f"one of {', '.join(COMBINES)}.")
    named = [str(name) for name in data["members"]]
    members = tuple(_member_card(path, name) for name in named)
    card = ModelCard(
        name=str(data["name"]), task=str(data["task"]), path=path, input_size=(0, 0),
        colour="", normalisation="",
        labels=tuple(str(label) for label in data.get("labels", ())),
        product_mapping=dict(data.get("product_mapping", {})),
        extra=dict(data.get("extra", {})) | {"combine": data["combine"]},
        license=data.get("license", ""), source=data.get("source", ""),
        notes=data.get("notes", ""), members=members)
    problems = []
    if len(members) < 2 or len(set(named)) != len(named):
        problems.append("an ensemble needs two or more different members")
    for member in members:
        if member.task != card.task:
            problems.append(f"member {member.name} is a {member.task} model")
        if missing := set(card.labels) - set(member.labels):
            problems.append(f"member {member.name} has no {', '.join(sorted(missing))}")
    if problems:
        raise ShortoryError(f"Model card {path.name}: {'; '.join(problems)}.")
    _check_fields(replace(card, input_size=(1, 1), colour="gray",
                          normalisation="zero_to_one"), path.name)  # labels and mapping
    return card


def _member_card(ensemble: Path, name: str) -> ModelCard:
    """The single-model card called ``name`` beside ``ensemble`` (an ensemble of ensembles
    is refused: its cost would hide in a name)."""
    for path in sorted(ensemble.parent.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("name") == name and "members" not in data:
            return load_card(path)
    raise ShortoryError(f"Model card {ensemble.name} names member {name!r}, which is no "
                        f"single-model card in {ensemble.parent}.")


def _model_file(card_path: Path, name: str) -> Path:
    """The card's model file, which must resolve inside ``models/`` or the card's folder (a
    card is data: it may not point Shortory at any other file on the machine)."""
    folder = card_path.parent
    resolved = (folder / name).resolve()
    if not any(resolved.is_relative_to(allowed.resolve()) for allowed in (MODELS_DIR, folder)):
        raise ShortoryError(f"Model card {card_path.name} names {name!r}, outside models/ and "
                            "the card's own folder; put the model beside its card.")
    return folder / name


def _check_fields(card: ModelCard, card_name: str) -> None:
    problems = []
    if not all(1 <= side <= MAX_INPUT_SIDE for side in card.input_size):
        problems.append(f"input_size {list(card.input_size)} must be two sides from 1 to "
                        f"{MAX_INPUT_SIDE} px")
    if card.colour not in COLOURS:
        problems.append(f"colour {card.colour!r} must be one of {', '.join(COLOURS)}")
    if card.normalisation not in NORMALISATIONS:
        problems.append(f"normalisation {card.normalisation!r} must be one of "
                        f"{', '.join(NORMALISATIONS)}")
    if card.task == "emotion" and not card.labels:
        problems.append("an emotion model needs its labels")
    if len(set(card.labels)) != len(card.labels):
        problems.append("its labels repeat")
    if stray := set(card.product_mapping) - set(card.labels):
        problems.append(f"product_mapping names labels it does not have: "
                        f"{', '.join(sorted(map(str, stray)))}")
    if unknown := set(map(str, card.product_mapping.values())) - set(PRODUCT_EMOTIONS):
        problems.append(f"it maps to unknown emotions: {', '.join(sorted(unknown))}")
    if problems:
        raise ShortoryError(f"Model card {card_name}: {'; '.join(problems)}.")


def _check_model(card: ModelCard, card_name: str) -> None:
    """The model file exists, is an ONNX model, takes the card's input size and gives one
    output per label."""
    if not card.path.is_file():
        raise ShortoryError(f"Model card {card_name} names {card.path.name}, which is missing.")
    size = card.path.stat().st_size
    if size == 0:
        raise ShortoryError(f"Model card {card_name} names {card.path.name}, which is empty.")
    inputs, outputs = _model_shapes(card.path, size, card.path.stat().st_mtime_ns)
    if inputs is None:
        raise ShortoryError(f"Model card {card_name} names {card.path.name}, which is not an "
                            "ONNX model onnxruntime can load.")
    height, width = card.input_size
    if len(inputs) == 4 and (height, width) not in (tuple(inputs[1:3]), tuple(inputs[2:4])) \
            and all(isinstance(d, int) for d in inputs[1:]):
        raise ShortoryError(f"Model card {card_name} says input_size {height}×{width}, but "
                            f"{card.path.name} takes {list(inputs)}.")
    chosen = card.extra.get("output_names", [None])[0] if card.extra.get("output_names") \
        else None
    shape = outputs.get(chosen) if chosen in outputs else next(iter(outputs.values()), None)
    width_out = shape[-1] if shape else None
    if card.labels and isinstance(width_out, int) and width_out != len(card.labels):
        raise ShortoryError(f"Model card {card_name} has {len(card.labels)} labels, but "
                            f"{card.path.name} gives {width_out} outputs.")


@functools.lru_cache(maxsize=32)
def _model_shapes(path: Path, size: int, mtime_ns: int
                  ) -> tuple[tuple[int | str | None, ...] | None, dict[str, tuple]]:
    """The first input's shape and every output's, as onnxruntime reads the graph (``None``
    for a file it cannot load); cached per file version (``size``, ``mtime_ns``)."""
    try:
        session = open_session_at(path)
    except (*ORT_LOAD_ERRORS, RuntimeError, ValueError, OSError):
        return None, {}
    return (tuple(session.get_inputs()[0].shape),
            {o.name: tuple(o.shape) for o in session.get_outputs()})


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
    if (models_dir / f"{chosen}.json").is_file():  # a stem: its card's refusal, if any
        return load_card(models_dir / f"{chosen}.json")
    cards = emotion_cards(models_dir)
    match = next((c for c in cards if chosen in (c.name, c.path.stem)), None)
    if match is None:
        raise ShortoryError(f"{EMOTION_MODEL_ENV}={chosen!r} names no emotion model; choose "
                            f"from {', '.join(c.name for c in cards)} or give a card's path.")
    return match


def emotion_cards(models_dir: Path = MODELS_DIR) -> list[ModelCard]:
    """Every usable emotion model in ``models_dir``, by name (a card that is refused is left
    out here; choosing it by path or stem says why)."""
    cards = []
    for path in models_dir.glob("*.json"):
        try:
            cards.append(load_card(path))
        except ShortoryError:
            continue
    return sorted((c for c in cards if c.task == "emotion"), key=lambda c: c.name)


def open_session(card: ModelCard, threads: int = 1) -> ort.InferenceSession:
    """An onnxruntime session; one thread by default, so two viewers use both cores."""
    return open_session_at(card.path, threads)


def open_session_at(path: Path, threads: int = 1) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxModel:
    """A model card with its session: what every model wrapper starts from."""

    def __init__(self, card: ModelCard, threads: int = 1) -> None:
        self.card = card
        self.session = open_session(card, threads)
        self.input_name = self.session.get_inputs()[0].name
        self.size = card.input_size[0]
