"""Vision speed: the engine against its own model times, against the Haar-cascade pipeline
older tools use (``fer``: OpenCV Haar + the same mini-Xception), and offline analysis speed.

The 640×480 frames place a real face (a demo MIT clip) in a webcam framing. The 720p frames are
a real 720×1280 webcam recording, room and all: a Haar cascade's cost depends on the background
it has to reject, so a face pasted on a flat canvas would flatter the baseline's speed. The 60 s
recording for the offline run is that clip looped and encoded at the start of the run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np

from shortory_core.bench.timing import median_seconds, report
from shortory_core.demo import ASSETS
from shortory_core.reactions.recording import analyse_recording, sampled_frames
from shortory_core.sources.video_file import probe_video
from shortory_core.vision.cards import default_card, emotion_cards
from shortory_core.vision.engine import VisionEngine
from shortory_core.vision.ensemble import emotion_classifier

CLIP = ASSETS / "reaction_expressions_woman.mp4"
WEBCAM_720P = ASSETS / "reaction_webcam_glasses.mp4"


def recorded_frames(path: Path, count: int, every: int = 1) -> list[np.ndarray]:
    """BGR frames of a recording as they come, every ``every``-th one."""
    frames = []
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % every == 0:
                frames.append(frame.to_ndarray(format="bgr24"))
                if len(frames) == count:
                    break
    return frames


def webcam_frames(width: int, height: int, count: int) -> list[np.ndarray]:
    """BGR frames of a real face filling most of the height, centred, as a webcam frames it."""
    side = int(height * 0.9)
    top, left = (height - side) // 2, (width - side) // 2
    frames = []
    for face in recorded_frames(CLIP, count, every=3):
        canvas = np.full((height, width, 3), 40, np.uint8)
        canvas[top:top + side, left:left + side] = cv2.resize(face, (side, side))
        frames.append(canvas)
    return frames


def haar_pipeline() -> Callable[[np.ndarray], list]:
    """What ``fer`` does per frame: Haar cascade on the grey frame, then the classifier on each
    face (built here with the same ONNX mini-Xception, so only the detector differs)."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    classifier = VisionEngine(use_iris=False).emotion

    def run(frame: np.ndarray) -> list:
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        faces = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5,  # fer's own
                                         flags=cv2.CASCADE_SCALE_IMAGE, minSize=(50, 50))
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        return classifier.classify(rgb, [(x, y, x + w, y + h) for x, y, w, h in faces])

    return run


def model_times(engine: VisionEngine, frame: np.ndarray) -> tuple[float, float]:
    """Seconds the model runs of one frame take alone, on that frame's real inputs (prepared
    beforehand): (detection + landmarks + emotion, the two iris runs)."""
    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    engine.reset()
    captured: dict[str, np.ndarray] = {}
    for model in (engine.detector, engine.mesh, engine.iris):
        original = model.session.run

        def spy(names, feeds, _original=original, _key=model.card.name):
            captured.setdefault(_key, next(iter(feeds.values())))
            return _original(names, feeds)

        model.session.run = spy
    engine.analyse(frame, 0.0)
    for model in (engine.detector, engine.mesh, engine.iris):
        del model.session.run
    face = engine.detector.detect(rgb)[0]
    emotion_input = [engine.emotion.preprocess(rgb, face.box)]

    def timed(model) -> float:
        tensor = captured[model.card.name]
        return median_seconds(lambda: model.session.run(None, {model.input_name: tensor}), 30)

    main = (timed(engine.detector) + timed(engine.mesh)
            + median_seconds(lambda: engine.emotion.classify_prepared(emotion_input), 30))
    return main, 2 * timed(engine.iris)


def emotion_models(engine: VisionEngine, frame: np.ndarray) -> str:
    """Every emotion model in ``models/`` on the same real face, 1 thread, side by side (the
    first is the default; the ratio is against it)."""
    rgb = frame[:, :, ::-1]
    face = engine.detector.detect(rgb)[0]
    cards = sorted(emotion_cards(), key=lambda c: c.name != default_card("emotion").name)
    rows, baseline = [], None
    for card in cards:
        model = emotion_classifier(card)
        face_input = [model.preprocess(rgb, face.box)]
        seconds = median_seconds(lambda m=model, x=face_input: m.classify_prepared(x), 200)
        baseline = baseline or seconds
        rows.append(f"  {card.name:<28} {seconds * 1000:6.3f} ms  ({seconds / baseline:.2f}× "
                    f"the default){'  flip-averaged' if card.extra.get('flip_averaged') else ''}")
    return "== emotion models, one face, 1 thread (target ≤ 1 ms)\n" + "\n".join(rows)


def loop_recording(source: Path, path: Path, seconds: float) -> Path:
    """``source`` repeated to at least ``seconds``, its packets copied and re-stamped: the
    result decodes exactly like the real recording (same encoder settings, bitrate and slice
    layout), which an encode made here would not."""
    with av.open(str(source)) as src, av.open(str(path), "w") as out:
        video = src.streams.video[0]
        stream = out.add_stream_from_template(video)
        packets = [packet for packet in src.demux(video) if packet.dts is not None]
        period = max(p.pts for p in packets) - min(p.pts for p in packets) + packets[1].duration
        copies = int(np.ceil(seconds / float(period * video.time_base)))
        for copy in range(copies):
            for packet in packets:
                shifted = av.Packet(bytes(packet))
                shifted.pts, shifted.dts = packet.pts + copy * period, packet.dts + copy * period
                shifted.is_keyframe, shifted.time_base = packet.is_keyframe, video.time_base
                shifted.stream = stream
                out.mux(shifted)
    return path


def decode_seconds(video: Path) -> float:
    """The floor under offline analysis: decoding every frame the sampler must decode."""
    return median_seconds(lambda: sum(1 for _ in sampled_frames(video, 5.0)), 2)


def run() -> str:
    engine = VisionEngine()
    vga = webcam_frames(640, 480, 30)
    hd = recorded_frames(WEBCAM_720P, 90)  # three seconds of a 30 fps stream

    fast = VisionEngine(use_iris=False)
    models, iris = model_times(engine, vga[10])

    def per_frame(e: VisionEngine, frames: list[np.ndarray]) -> float:
        def run() -> None:
            e.reset()
            for i, f in enumerate(frames):
                e.analyse(f, i / 30)  # a 30 fps camera: the detector runs every 0.5 s
        return median_seconds(run, 3) / len(frames)

    fast_vga, full_vga = per_frame(fast, vga), per_frame(engine, vga)
    lines = ["\n".join([
        "== one 640×480 frame, one face, 1 thread, 30 fps stream",
        f"  model runs alone: detection + landmarks + emotion {models * 1000:8.2f} ms",
        f"  model runs alone: iris, both eyes                 {iris * 1000:8.2f} ms",
        f"  engine, iris off (+ attention, tracking)          {fast_vga * 1000:8.2f} ms"
        f"  → {fast_vga / models:.2f}× the models (target ≤ 1.5×)",
        f"  engine, iris on                                   {full_vga * 1000:8.2f} ms"
        f"  → {full_vga / (models + iris):.2f}× the models",
    ])]

    lines.append(emotion_models(engine, vga[10]))

    haar = haar_pipeline()
    haar_hd = median_seconds(lambda: [haar(f) for f in hd[::3]], 3) / len(hd[::3])
    fast_hd, full_hd = per_frame(fast, hd), per_frame(engine, hd)
    lines.append(report(
        "one 720×1280 webcam frame: Haar cascade + mini-Xception (emotion only) vs shortory "
        "(emotion + attention)",
        [("Haar + mini-Xception", haar_hd), ("shortory engine, iris off", fast_hd),
         ("shortory engine, iris on", full_hd)],
        baseline="Haar + mini-Xception", ours="shortory engine, iris off",
    ) + f"\n  with iris on: {haar_hd / full_hd:.1f}x\n  target: ≥ 10×")

    with tempfile.TemporaryDirectory() as tmp:
        # Over a minute: reactions are recorded for minutes, and on a clip of a few seconds the
        # second part's seek lands on the clip's only keyframe and decodes the first part again.
        video = loop_recording(WEBCAM_720P, Path(tmp) / "720p.mp4", 60.0)
        seconds = probe_video(video).duration
        rows = [f"  decoding alone, 1 core     {decode_seconds(video):5.2f} s"]
        for label, engines in (
            ("2 cores, iris on", [VisionEngine(), VisionEngine()]),
            ("2 cores, iris off", [VisionEngine(use_iris=False), VisionEngine(use_iris=False)]),
            ("1 core, iris on", [VisionEngine()]),
        ):
            elapsed = median_seconds(lambda e=engines: analyse_recording(video, e, fps=5.0), 2)
            rows.append(f"  {label:<24} {elapsed:7.2f} s → {seconds / elapsed:5.1f}× realtime")
    lines.append(f"== offline analysis of a {seconds:.0f} s 720p webcam recording at 5 samples/s "
                 "(target ≥ 30×)\n"
                 + "\n".join(rows))
    return "\n\n".join(lines)
