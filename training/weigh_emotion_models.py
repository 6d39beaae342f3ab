"""Weigh every emotion card in ``models/`` on the VGG-24's own FER2013 validation split.

    python training/weigh_emotion_models.py --data ../shared/data/fer2013_train.npz

The split is ``train_emotion.split`` (stratified 10%, the seed in the VGG-24's card), so single
models and ensembles are compared on the same faces, each prepared by its own card from the 48×48
crops (the whole crop is the face: margin 0). The mini-Xception was trained on all of FER2013's
training file, these faces included, so its figure (and any ensemble holding it) reads high here;
the VGG-24 never saw them and face-api's training data is undisclosed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_emotion import CLASSES, split

from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.vision.cards import emotion_cards, load_card
from shortory_core.vision.ensemble import emotion_classifier

BATCH = 256
FER_TO_PRODUCT = load_card(Path(__file__).resolve().parents[1] / "models"
                           / "emotion_shortory_vgg24.json").product_mapping


def weigh(data: Path) -> dict[str, dict]:
    """Per card: accuracy over the seven FER classes and over the five product emotions."""
    arrays = np.load(data)
    images, labels = arrays["images"], arrays["labels"].astype(np.int64)
    seed = int(next(c for c in emotion_cards() if c.name == "shortory-fer-vgg24")
               .extra["seed"])
    _, val = split(labels, 0.1, seed)
    faces, truth = images[val], labels[val]
    box = (0.0, 0.0, float(faces.shape[2]), float(faces.shape[1]))
    product_truth = np.array([PRODUCT_EMOTIONS.index(FER_TO_PRODUCT[CLASSES[t]]) for t in truth])
    results = {}
    for card in emotion_cards():
        classifier = emotion_classifier(card)
        guesses, product_guesses = [], []
        for start in range(0, len(faces), BATCH):
            prepared = [classifier.preprocess(np.repeat(f[..., None], 3, axis=2), box, 0)
                        for f in faces[start:start + BATCH]]
            for scores in classifier.classify_prepared(prepared):
                guesses.append(CLASSES.index(max(scores.raw, key=scores.raw.__getitem__)))
                product_guesses.append(PRODUCT_EMOTIONS.index(scores.dominant))
        results[card.name] = {
            "accuracy": round(float(np.mean(np.array(guesses) == truth)), 4),
            "product_accuracy": round(float(np.mean(np.array(product_guesses)
                                                    == product_truth)), 4),
            "images": len(truth)}
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/fer2013_train.npz"))
    print(json.dumps(weigh(parser.parse_args().data), indent=2))
