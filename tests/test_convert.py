"""convert_model.py on tiny real models: Keras and TFLite → ONNX, verified, with a card that
lets the classifier drop into the engine (the path a user's own 5-class or 2-class model takes).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from shortory_core.vision.cards import load_card
from shortory_core.vision.emotion import EmotionClassifier

tf = pytest.importorskip("tensorflow", reason="requirements-convert.txt is not installed")
import convert_model  # noqa: E402


def tiny_classifier(size: int, classes: int) -> "tf.keras.Model":
    inputs = tf.keras.Input((size, size, 3))
    x = tf.keras.layers.Conv2D(4, 3, strides=2, activation="relu")(inputs)
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    outputs = tf.keras.layers.Dense(classes, activation="softmax")(x)
    model = tf.keras.Model(inputs, outputs)
    model.set_weights([np.random.default_rng(i).normal(0, 0.5, w.shape).astype(np.float32)
                       for i, w in enumerate(model.get_weights())])
    return model


def test_keras_five_class_rgb_model_drops_in_by_card(tmp_path: Path, capsys) -> None:
    source = tmp_path / "mobilenet_like.keras"
    tiny_classifier(96, 5).save(source)
    out = tmp_path / "five.onnx"
    assert convert_model.main([
        str(source), "--out", str(out), "--labels", "angry,happy,neutral,sad,surprise",
        "--size", "96", "96", "--colour", "rgb", "--normalisation", "imagenet",
        "--license", "MIT"]) == 0
    printed = capsys.readouterr().out
    assert "max |onnx - keras|" in printed
    difference = float(printed.split("= ")[1].split()[0])
    assert difference < 1e-4
    card = load_card(out.with_suffix(".json"))
    assert card.input_size == (96, 96) and card.colour == "rgb"
    assert card.product_mapping == {e: e for e in ("angry", "happy", "neutral", "sad", "surprise")}
    [scores] = EmotionClassifier(card).classify(data.astronaut(), [(177, 66, 272, 161)])
    assert set(scores.product) == {"happy", "sad", "angry", "neutral", "surprise"}
    assert sum(scores.product.values()) == pytest.approx(1.0, abs=1e-5)


def test_two_class_model_maps_only_what_it_knows(tmp_path: Path) -> None:
    source = tmp_path / "binary.h5"
    tiny_classifier(224, 2).save(source)
    out = tmp_path / "binary.onnx"
    convert_model.main([str(source), "--out", str(out), "--labels", "happy,not_happy",
                        "--size", "224", "224", "--colour", "rgb",
                        "--normalisation", "zero_to_one"])
    card = load_card(out.with_suffix(".json"))
    assert card.product_mapping == {"happy": "happy"}
    [scores] = EmotionClassifier(card).classify(data.astronaut(), [(177, 66, 272, 161)])
    assert set(scores.raw) == {"happy", "not_happy"}
    assert scores.product["sad"] == 0.0 and 0.0 <= scores.product["happy"] <= 1.0


def test_tflite_conversion_is_verified(tmp_path: Path) -> None:
    model = tiny_classifier(64, 3)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    source = tmp_path / "tiny.tflite"
    source.write_bytes(converter.convert())
    out = tmp_path / "tiny.onnx"
    convert_model.main([str(source), "--out", str(out), "--labels", "happy,sad,neutral",
                        "--size", "64", "64", "--colour", "rgb"])
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["source_sha256"] and card["file"] == "tiny.onnx"


def test_a_card_pointing_at_a_missing_model_is_refused(tmp_path: Path) -> None:
    from shortory_core.errors import ShortoryError

    (tmp_path / "card.json").write_text(json.dumps({
        "name": "x", "task": "emotion", "file": "missing.onnx", "input_size": [64, 64],
        "labels": ["happy", "sad"], "product_mapping": {"happy": "happy", "sad": "sad"}}))
    with pytest.raises(ShortoryError, match="missing"):
        load_card(tmp_path / "card.json")


def test_prelu_is_unfolded_to_the_same_function_for_any_slope(tmp_path: Path, capsys) -> None:
    import onnx

    inputs = tf.keras.Input((16, 16, 3))
    x = tf.keras.layers.Conv2D(6, 3)(inputs)
    x = tf.keras.layers.PReLU(shared_axes=[1, 2])(x)
    outputs = tf.keras.layers.Flatten()(x)
    model = tf.keras.Model(inputs, outputs)
    conv_kernel, conv_bias, _ = model.get_weights()
    slopes = np.array([-0.5, 0.0, 0.25, 1.0, 1.5, 2.0], np.float32).reshape(1, 1, 6)
    model.set_weights([conv_kernel, conv_bias, slopes])  # below 0, inside [0, 1] and above 1
    source = tmp_path / "prelu.tflite"  # TFLite keeps PRELU as one op, as MediaPipe's models do
    source.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    out = tmp_path / "prelu.onnx"
    assert convert_model.main([str(source), "--out", str(out), "--size", "16", "16",
                               "--colour", "rgb", "--labels", "a", "--tolerance", "1e-4"]) == 0
    assert float(capsys.readouterr().out.split("= ")[1].split()[0]) < 1e-4
    ops = {node.op_type for node in onnx.load(str(out)).graph.node}
    assert "PRelu" not in ops and {"Min", "Mul", "Add"} <= ops


def test_shipped_models_carry_no_prelu() -> None:
    import onnx

    for path in convert_model.MODELS_DIR.glob("*.onnx"):
        assert all(node.op_type != "PRelu" for node in onnx.load(str(path)).graph.node), path
