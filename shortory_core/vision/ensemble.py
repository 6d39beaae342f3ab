"""An ensemble card run: several emotion models read the same face, their votes combined.

No single shipped model reads every population well (FER2013's own faces, posed Japanese
faces, the fixture people: DESIGN.md §10); the mean of their log-probabilities is steadier than
any one of them. The rule, which the viewer's browser mirrors exactly:

1. **Each member reads the face as its own card says**: its own crop margin, input size,
   colour and normalisation, and its output turned into probabilities over its own labels
   (``EmotionClassifier``).
2. **Probabilities are mapped by label name** onto the ensemble's labels (members order their
   labels differently); a member's labels the ensemble lacks are dropped and the rest
   renormalised to sum to 1.
3. **Combined**: ``p = softmax(mean over members of log(max(q_m, 1e-6)))`` per face: the
   geometric mean of the members' probabilities, renormalised.
4. **Product emotions** through the ensemble card's own ``product_mapping`` (a sum of the
   ensemble's probabilities per product emotion, as for any card).
5. **Features** for viewer profiles: each member's features (its ``embedding`` output when its
   card exports one, else ``log(p + 1e-6)`` of its own probabilities), each divided by its L2
   norm (+1e-9), concatenated in the card's member order. Unit-normalising first gives every
   member the same say in a profile's cosine similarities, whatever its feature width.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.vision.cards import ModelCard
from shortory_core.vision.emotion import EmotionClassifier, EmotionScores

FLOOR = 1e-6  # the smallest probability a member's vote takes before its log
NORM_EPSILON = 1e-9

Box = tuple[float, float, float, float]


class EnsembleClassifier:
    """Runs an ensemble card's members and combines them; used wherever an
    ``EmotionClassifier`` is (same ``classify``, ``preprocess`` and ``classify_prepared``)."""

    def __init__(self, card: ModelCard, threads: int = 1) -> None:
        if not card.members:
            raise ValueError(f"{card.name} is not an ensemble card")
        self.card = card
        self.members = [EmotionClassifier(member, threads) for member in card.members]
        self._product_index = [
            [i for i, label in enumerate(card.labels) if card.product_mapping.get(label) == e]
            for e in PRODUCT_EMOTIONS]

    def preprocess(self, rgb: np.ndarray, box: Box, margin: int | None = None
                   ) -> tuple[np.ndarray, ...]:
        """One face as every member's input tensor, in member order."""
        return tuple(m.preprocess(rgb, box, margin) for m in self.members)

    def classify(self, rgb: np.ndarray, boxes: list[Box], margin: int | None = None
                 ) -> list[EmotionScores]:
        """Scores for every face box; each member runs all of them in one batch."""
        if not boxes:
            return []
        return self.classify_prepared([self.preprocess(rgb, b, margin) for b in boxes])

    def classify_prepared(self, faces: Sequence[tuple[np.ndarray, ...]]
                          ) -> list[EmotionScores]:
        """Scores for faces ``preprocess`` prepared."""
        per_member = [m.classify_prepared([face[k] for face in faces])
                      for k, m in enumerate(self.members)]
        return [self.combine([scores[i] for scores in per_member]) for i in range(len(faces))]

    def combine(self, votes: Sequence[EmotionScores]) -> EmotionScores:
        """One face's member scores (member order) as the ensemble's: steps 2–5 above."""
        logs = []
        for vote in votes:
            q = np.array([vote.raw[label] for label in self.card.labels])
            logs.append(np.log(np.maximum(q / q.sum(), FLOOR)))
        mean = np.mean(logs, axis=0)
        p = np.exp(mean - mean.max())
        p /= p.sum()
        raw = {label: float(v) for label, v in zip(self.card.labels, p, strict=True)}
        product = {e: float(p[idx].sum()) for e, idx in
                   zip(PRODUCT_EMOTIONS, self._product_index, strict=True)}
        features = np.concatenate([
            v.features / (np.linalg.norm(v.features) + NORM_EPSILON) for v in votes])
        return EmotionScores(raw, product, features.astype(np.float32))


Classifier = EmotionClassifier | EnsembleClassifier


def emotion_classifier(card: ModelCard, threads: int = 1) -> Classifier:
    """The classifier a card asks for: an ensemble's, or a single model's."""
    return EnsembleClassifier(card, threads) if card.members else EmotionClassifier(card, threads)
