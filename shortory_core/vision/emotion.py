"""Facial emotion from a face box, with the preprocessing the model was trained for.

For the FER2013 mini-Xception (its card): grayscale; the face box made square by growing its
shorter side about the centre; grown by ``face_margin_px`` (10) on every side, the image padded
so the crop never leaves it; resized to 64×64 bilinearly; ``x / 255`` then ``(x - 0.5) * 2``.
Any classifier with a card (size, colour, normalisation, labels, mapping) runs the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.vision.cards import ModelCard, OnnxModel

# Outputs that sum to 1 within this are probabilities (a quantized softmax sums to 1 ± 0.5%);
# anything else is logits. Taking an int8 model's probabilities for logits and applying
# softmax again flattened a 0.93 smile to 0.29.
PROBABILITY_SLACK = 0.05


@dataclass(frozen=True)
class EmotionScores:
    raw: dict[str, float]  # the model's own classes
    product: dict[str, float]  # the five product emotions
    features: np.ndarray  # what viewer profiles compare: the embedding, else log-probabilities

    @property
    def dominant(self) -> str:
        return max(self.product, key=self.product.__getitem__)


def square_crop(image: np.ndarray, box: tuple[float, float, float, float], margin: int
                ) -> np.ndarray:
    """The face box made square about its centre, grown by ``margin`` px, zero-padded."""
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0) + 2 * margin
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = round(cx - side / 2), round(cy - side / 2)
    size = max(round(side), 1)
    height, width = image.shape[:2]
    pad = max(0, -left, -top, left + size - width, top + size - height)
    if pad:
        border = [pad, pad, pad, pad]
        image = cv2.copyMakeBorder(image, *border, cv2.BORDER_CONSTANT, value=0)
        left, top = left + pad, top + pad
    return image[top:top + size, left:left + size]


class EmotionClassifier(OnnxModel):
    def __init__(self, card: ModelCard, threads: int = 1) -> None:
        super().__init__(card, threads)
        self.margin = int(card.extra.get("face_margin_px", 10))
        self.batched = not isinstance(self.session.get_inputs()[0].shape[0], int)
        outputs = [o.name for o in self.session.get_outputs()]
        # A card's model may export its penultimate layer as "embedding" (convert_model.py
        # does for Shortory's own models); profiles compare faces there when it exists.
        self._embedding = outputs.index("embedding") if "embedding" in outputs else None
        self._product_index = [
            [i for i, label in enumerate(card.labels) if card.product_mapping.get(label) == e]
            for e in PRODUCT_EMOTIONS
        ]

    def preprocess(self, rgb: np.ndarray, box: tuple[float, float, float, float],
                   margin: int | None = None) -> np.ndarray:
        """One face as the model's input tensor (H, W, C) float32. ``margin=0`` suits images
        that are already face crops (a labelled data set)."""
        crop = square_crop(rgb, box, self.margin if margin is None else margin)
        if self.card.colour == "gray":
            crop = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
        height, width = self.card.input_size
        crop = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)
        tensor = self.card.normalise(crop)
        return tensor[..., None] if tensor.ndim == 2 else tensor

    def classify(self, rgb: np.ndarray, boxes: list[tuple[float, float, float, float]],
                 margin: int | None = None) -> list[EmotionScores]:
        """Scores for every face box, in one batch when the model allows it."""
        if not boxes:
            return []
        return self.classify_prepared([self.preprocess(rgb, b, margin) for b in boxes])

    def classify_prepared(self, faces: Sequence[np.ndarray]) -> list[EmotionScores]:
        """Scores for faces ``preprocess`` prepared (what an ensemble hands each member)."""
        return self.classify_tensors(np.stack(faces))

    def classify_tensors(self, batch: np.ndarray) -> list[EmotionScores]:
        """Scores for preprocessed inputs (N, H, W, C)."""
        if self.batched:
            outputs = self.session.run(None, {self.input_name: batch})
        else:
            each = [self.session.run(None, {self.input_name: b[None]}) for b in batch]
            outputs = [np.concatenate(parts) for parts in zip(*each, strict=True)]
        embeddings = outputs[self._embedding] if self._embedding is not None else None
        return [self._scores(row, None if embeddings is None else embeddings[i])
                for i, row in enumerate(outputs[0])]

    def _scores(self, row: np.ndarray, embedding: np.ndarray | None) -> EmotionScores:
        probabilities = row.astype(np.float64)
        if probabilities.min() >= 0 and abs(probabilities.sum() - 1.0) < PROBABILITY_SLACK:
            probabilities = probabilities / probabilities.sum()  # an int8 softmax: ±0.5%
        else:
            exp = np.exp(probabilities - probabilities.max())  # logits → probabilities
            probabilities = exp / exp.sum()
        raw = {label: float(p) for label, p in zip(self.card.labels, probabilities, strict=True)}
        product = {e: float(probabilities[idx].sum()) for e, idx in
                   zip(PRODUCT_EMOTIONS, self._product_index, strict=True)}
        features = (embedding.astype(np.float32) if embedding is not None
                    else np.log(probabilities + 1e-6).astype(np.float32))
        return EmotionScores(raw, product, features)
