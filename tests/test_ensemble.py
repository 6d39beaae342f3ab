"""The ensemble card: its members read the same face, combined by label name."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from shortory_core.config import MODELS_DIR
from shortory_core.errors import ShortoryError
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.vision.cards import EMOTION_MODEL_ENV, default_card, emotion_cards, load_card
from shortory_core.vision.emotion import EmotionClassifier
from shortory_core.vision.engine import VisionEngine
from shortory_core.vision.ensemble import emotion_classifier

FACE = (177.0, 66.0, 272.0, 161.0)  # the astronaut's smiling face
ENSEMBLE = MODELS_DIR / "emotion_ensemble.json"


def test_the_ensemble_is_the_geometric_mean_of_its_members_by_label_name() -> None:
    card = load_card(ENSEMBLE)
    assert [m.name for m in card.members] == [
        "fer-mini-xception", "shortory-fer-vgg24", "face-api-expression"]
    assert len({m.labels for m in card.members}) == 2  # face-api orders its labels otherwise
    rgb = data.astronaut()
    votes = [EmotionClassifier(m).classify(rgb, [FACE])[0] for m in card.members]
    [scores] = emotion_classifier(card).classify(rgb, [FACE])
    logs = np.mean([[np.log(max(v.raw[label], 1e-6)) for label in card.labels] for v in votes], 0)
    expected = np.exp(logs) / np.exp(logs).sum()
    assert [scores.raw[label] for label in card.labels] == pytest.approx(expected, abs=1e-6)
    assert scores.product["angry"] == pytest.approx(scores.raw["angry"] + scores.raw["disgust"])
    assert scores.dominant == "happy" and sum(scores.product.values()) == pytest.approx(1)
    widths = [v.features.size for v in votes]
    parts = np.split(scores.features, np.cumsum(widths)[:-1])
    for part, vote in zip(parts, votes, strict=True):  # each member unit-normalised, in order
        assert np.linalg.norm(part) == pytest.approx(1, abs=1e-5)
        assert part == pytest.approx(vote.features / np.linalg.norm(vote.features), abs=1e-5)


def test_the_ensemble_is_chosen_by_name_and_runs_wherever_a_card_runs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_card("emotion").name == "fer-mini-xception"  # see the card's notes
    assert "ensemble-mean-log" in {c.name for c in emotion_cards()}
    monkeypatch.setenv(EMOTION_MODEL_ENV, "fer-mini-xception")
    assert default_card("emotion").name == "fer-mini-xception"
    monkeypatch.setenv(EMOTION_MODEL_ENV, "emotion_ensemble")  # by its file's stem
    engine = VisionEngine(use_iris=False)
    assert engine.emotion.card.members
    rgb = data.astronaut()
    result = engine.analyse(rgb, 0.0, colour="rgb")
    assert result.dominant == "happy" and len(result.raw_emotions) == 7
    assert set(result.emotions) == set(PRODUCT_EMOTIONS)


def member_folder(folder: Path, ensemble: dict) -> Path:
    """The shipped single cards (their models linked) and ``ensemble`` in a new folder."""
    folder.mkdir()
    for card in (MODELS_DIR / "emotion_fer_mini_xception.json",
                 MODELS_DIR / "emotion_shortory_vgg24.json"):
        shutil.copy(card, folder / card.name)
        model = json.loads(card.read_text())["file"]
        (folder / model).symlink_to(MODELS_DIR / model)
    (folder / "mix.json").write_text(json.dumps(ensemble))
    return folder / "mix.json"


@pytest.mark.parametrize(("change", "said"), [
    ({"members": ["fer-mini-xception", "no-such-model"]}, "names member 'no-such-model'"),
    ({"members": ["fer-mini-xception"]}, "two or more different members"),
    ({"combine": "vote"}, "combine 'vote'"),
    ({"labels": ["happy", "contempt"]}, "has no contempt"),
    ({"product_mapping": {"happy": "joy"}}, "unknown emotions: joy"),
])
def test_a_broken_ensemble_card_is_refused_by_name(tmp_path: Path, change: dict,
                                                   said: str) -> None:
    good = json.loads(ENSEMBLE.read_text()) | {
        "members": ["fer-mini-xception", "shortory-fer-vgg24"]}
    assert load_card(member_folder(tmp_path / "good", good)).members
    broken = member_folder(tmp_path / "broken", good | change)
    with pytest.raises(ShortoryError, match=said):
        load_card(broken)
