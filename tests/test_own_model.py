"""Shortory's own emotion model (training/train_emotion.py → convert_model.py --trained), as
the app runs it from its card: flip averaging inside the graph, an embedding beside the
probabilities, selectable by card next to the default."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from shortory_core.config import MODELS_DIR
from shortory_core.vision.cards import ModelCard, load_card, open_session
from shortory_core.vision.emotion import EmotionClassifier

ROOT = Path(__file__).resolve().parents[1]
CARD = MODELS_DIR / "emotion_shortory_vgg24.json"
FACE = (177.0, 66.0, 272.0, 161.0)  # the astronaut's face


@pytest.fixture(scope="module")
def card() -> ModelCard:
    return load_card(CARD)


def test_its_card_records_how_it_was_made(card: ModelCard) -> None:
    extra = card.extra
    assert card.input_size == (48, 48) and card.colour == "gray"
    assert extra["flip_averaged"] and extra["output_names"] == ["probabilities", "embedding"]
    assert {"accuracy", "accuracy_flip_averaged", "confusion_flip_averaged"} <= set(
        extra["validation"])
    assert extra["recipe"]["optimizer"] and extra["seed"] == 2026
    assert len(json.loads(CARD.read_text())["source_sha256"]) == 64


def test_it_reads_the_astronauts_smile_and_is_mirror_symmetric(card: ModelCard) -> None:
    model = EmotionClassifier(card)
    image = data.astronaut()
    [scores] = model.classify(image, [FACE])
    assert scores.dominant == "happy" and scores.product["happy"] > 0.5
    width = image.shape[1]
    mirrored_box = (width - FACE[2], FACE[1], width - FACE[0], FACE[3])
    [mirrored] = model.classify(np.ascontiguousarray(image[:, ::-1]), [mirrored_box])
    for emotion, value in scores.product.items():
        assert abs(value - mirrored.product[emotion]) < 0.02  # the graph averages both views


def test_it_gives_the_embedding_profiles_use(card: ModelCard) -> None:
    session = open_session(card)
    face = EmotionClassifier(card).preprocess(data.astronaut(), FACE)[None]
    probabilities, embedding = session.run(["probabilities", "embedding"], {"input": face})
    assert probabilities.shape == (1, 7) and abs(float(probabilities.sum()) - 1) < 0.01  # int8
    assert embedding.shape == (1, 256) and float(np.abs(embedding).sum()) > 0


def test_evaluate_runs_it_by_card(card: ModelCard) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shortory_core", "evaluate",
         str(ROOT / "tests/fixtures/fer2013_train_sample"), "--card", str(CARD), "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["model"] == card.name and result["images"] > 0
    assert 0 <= result["raw"]["accuracy"] <= 1 and 0 <= result["product"]["accuracy"] <= 1
