"""The face-api expression network: rebuilt from tfjs weights by convert_model.py, shipped as
ONNX with its card, and read like any other emotion model."""

import json
from pathlib import Path

import numpy as np
from skimage import data

import convert_model
from shortory_core.config import MODELS_DIR
from shortory_core.vision.cards import load_card
from shortory_core.vision.emotion import EmotionClassifier
from shortory_core.vision.engine import VisionEngine
from tests.test_profiles import labelled_frames

CARD = MODELS_DIR / "emotion_face_api.json"


def test_tfjs_weights_restores_quantized_and_float_tensors(tmp_path: Path) -> None:
    q = np.array([0, 1, 255, 128], np.uint8)
    bias = np.array([0.5, -2.0], np.float32)
    (tmp_path / "w.bin").write_bytes(q.tobytes() + bias.tobytes())
    (tmp_path / "m.json").write_text(json.dumps([{"paths": ["w.bin"], "weights": [
        {"name": "a/filters", "shape": [2, 2], "dtype": "float32",
         "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0}},
        {"name": "a/bias", "shape": [2], "dtype": "float32"}]}]))
    weights = convert_model.tfjs_weights(tmp_path, "m.json")
    np.testing.assert_allclose(weights["a/filters"], [[-1.0, -0.5], [126.5, 63.0]])
    np.testing.assert_array_equal(weights["a/bias"], bias)


def test_the_rebuilt_network_converts_with_its_embedding(tmp_path: Path) -> None:
    """The Keras rebuild, given weights of face-api's shapes, converts to an ONNX graph that
    matches it (``convert`` verifies) and has both outputs profiles and the engine read."""
    shipped = json.loads(CARD.read_text())
    rng = np.random.default_rng(0)
    shapes = {"dense0/conv0/filters": (3, 3, 3, 32), "dense0/conv0/bias": (32,),
              "fc/weights": (256, 7), "fc/bias": (7,)}
    channels = {"dense0": (32, 32), "dense1": (32, 64), "dense2": (64, 128),
                "dense3": (128, 256)}
    for block, (into, out) in channels.items():
        for k in range(4):
            if block == "dense0" and k == 0:
                continue
            c_in = into if k == 0 else out
            shapes |= {f"{block}/conv{k}/depthwise_filter": (3, 3, c_in, 1),
                       f"{block}/conv{k}/pointwise_filter": (1, 1, c_in, out),
                       f"{block}/conv{k}/bias": (out,)}
    weights = {name: rng.normal(0, 0.1, shape).astype(np.float32)
               for name, shape in shapes.items()}
    source = tmp_path / "net.keras"
    convert_model.face_api_network(weights).save(source)
    card = convert_model.Card(**convert_model.asdict(convert_model.FACE_API_CARD))
    difference = convert_model.convert(source, tmp_path / card.file, card)
    assert difference < 1e-4
    written = json.loads((tmp_path / card.file).with_suffix(".json").read_text())
    assert written["extra"]["output_names"] == ["probabilities", "embedding"]
    assert written["labels"] == shipped["labels"] and written["input_size"] == [112, 112]
    model = EmotionClassifier(load_card((tmp_path / card.file).with_suffix(".json")))
    [scores] = model.classify(data.astronaut(), [(150.0, 60.0, 240.0, 180.0)])
    assert scores.features.shape == (256,) and abs(sum(scores.raw.values()) - 1) < 1e-4


def test_the_shipped_network_reads_real_faces() -> None:
    card = load_card(CARD)
    assert card.product_mapping["disgust"] == "angry" and card.product_mapping["fear"] == \
        "surprise"
    engine = VisionEngine(emotion_card=card, use_iris=False)
    astronaut = engine.analyse(data.astronaut(), 0.0, colour="rgb")
    assert astronaut.dominant == "happy" and astronaut.features.shape == (256,)
    read = {"neutral": [], "happy": []}
    for label, rgb in labelled_frames("reaction_smile_man.mp4", fps=5.0):
        engine.reset()
        read[label].append(engine.analyse(rgb, 0.0, colour="rgb").dominant)
    for label, guesses in read.items():
        assert guesses.count(label) >= 0.8 * len(guesses), (label, guesses)
