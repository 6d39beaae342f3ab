"""Viewer profiles on real faces: the three fixture people (spans labelled by eye in
``demo/assets/expressions.json``), through the CLI, recording analysis and live calibration."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from shortory_core.bench.profiles import labelled_faces, measure_lift
from shortory_core.bench.profiles import labelled_frames as spans_of
from shortory_core.cli import main
from shortory_core.live.analyser import LiveAnalyser
from shortory_core.live.clock import PlaybackClock
from shortory_core.live.movie import SentLog
from shortory_core.live.writer import SampleWriter
from shortory_core.reactions.sessions import add_recording
from shortory_core.store import Store
from shortory_core.vision.calibration import Prompt
from shortory_core.vision.cards import ModelCard, emotion_cards
from shortory_core.vision.engine import VisionEngine
from shortory_core.vision.profiles import Example, fit_profile
from tests.conftest import FACE_CLIPS, run_job
from tests.test_live import FakeTime, deliver

WOMAN = FACE_CLIPS / "reaction_expressions_woman.mp4"
FER2013_CARDS = [c for c in emotion_cards() if "FER2013" in c.source]


def labelled_frames(clip: str, fps: float = 10.0) -> list[tuple[str, np.ndarray]]:
    """(label, RGB frame) for every frame of a fixture clip inside a span labelled by eye."""
    return [(label, rgb) for _, label, rgb in spans_of(clip, fps) if label]


def write_faces(folder: Path, frames: list[tuple[str, np.ndarray]]) -> Path:
    for i, (label, rgb) in enumerate(frames):
        (folder / label).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / label / f"{i:03d}.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return folder


def cli_json(capsys: pytest.CaptureFixture, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("card", emotion_cards(), ids=lambda c: c.name)
def test_two_faces_per_emotion_lift_people_the_model_never_saw(card: ModelCard) -> None:
    lifts = [measure_lift(person, examples, draws=30)
             for person, examples in labelled_faces(card).items()]
    assert len(lifts) == 3 and all(lift.faces >= 20 for lift in lifts)
    # nobody falls by more than a point (the ensemble reads the glasses clip at 100%, and
    # with a profile at 99.1-99.5%: one of 31 held-out faces in a draw of three or four)
    assert all(lift.profile >= lift.before - 0.01 for lift in lifts)
    woman = next(lift for lift in lifts if "woman" in lift.person)
    assert woman.profile > 0.9  # her frown and rest read as themselves
    if card in FER2013_CARDS:  # the face-api network reads her better alone (52%)
        assert woman.before < 0.5 and np.mean([lift.gain for lift in lifts]) >= 0.15


def test_profile_create_evaluate_list_and_delete_through_the_cli(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    frames = labelled_frames("reaction_expressions_woman.mp4")
    prompts, rest = [], []
    for label in ("neutral", "angry", "surprise"):
        own = [f for f in frames if f[0] == label]
        prompts += own[:2]
        rest += own[2:]
    data = str(tmp_path / "data")
    made = cli_json(capsys, "--data-dir", data, "profile", "create", "Ada",
                    str(write_faces(tmp_path / "prompts", prompts)), "--detect")
    assert made["faces"] == {"angry": 2, "neutral": 2, "surprise": 2}
    held_out = str(write_faces(tmp_path / "held-out", rest))
    plain = cli_json(capsys, "--data-dir", data, "evaluate", held_out, "--detect")
    adapted = cli_json(capsys, "--data-dir", data, "evaluate", held_out, "--detect",
                       "--profile", "Ada")
    for result in (plain, adapted):
        assert {"images", "model", "raw", "product"} <= set(result)
        assert result["images"] == len(rest) and "accuracy" in result["product"]
    assert adapted["profile"] == "Ada"
    assert adapted["raw"]["accuracy"] == plain["raw"]["accuracy"]  # the model's own classes
    assert adapted["product"]["accuracy"] >= plain["product"]["accuracy"] + 0.3
    listed = cli_json(capsys, "--data-dir", data, "profile", "list")["profiles"]
    assert [(p["viewer"], p["faces"]["angry"]) for p in listed] == [("Ada", 2)]
    assert main(["--data-dir", data, "profile", "delete", "Ada"]) == 0
    assert main(["--data-dir", data, "evaluate", held_out, "--profile", "Ada"]) == 2
    assert "No profile of 'Ada'" in capsys.readouterr().err


def test_a_profile_of_one_emotion_or_no_name_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    smiles = [f for f in labelled_frames("reaction_smile_man.mp4") if f[0] == "happy"][:3]
    folder = write_faces(tmp_path / "faces", smiles)
    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "profile", "create", "Bo", str(folder), "--detect"]) == 2
    assert "at least 2 emotions" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        main(["--data-dir", data, "profile", "delete"])
    assert refused.value.code == 2 and "required: name" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        main(["--data-dir", data, "profile", "create", "  ", str(folder)])
    assert refused.value.code == 2 and "name cannot be empty" in capsys.readouterr().err
    assert Store(tmp_path / "data").profiles() == []


def test_a_stored_profile_reads_faces_exactly_as_the_fitted_one(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    examples = [Example(e, rng.dirichlet(np.ones(5)), rng.normal(size=16) + 3 * k)
                for k, e in enumerate(("neutral", "happy")) for _ in range(3)]
    profile = fit_profile("Ada", "some-model", examples)
    store = Store(tmp_path / "data")
    store.save_profile(profile)
    again = store.profile("Ada", "some-model")
    probabilities, features = rng.dirichlet(np.ones(5), 4), rng.normal(size=(4, 16))
    np.testing.assert_allclose(again.adjust(probabilities, features),
                               profile.adjust(probabilities, features))
    assert store.profile("Ada", "another-model") is None  # another model's features differ
    assert store.delete_profile("Ada") == 1 and store.profile("Ada", "some-model") is None


def test_recording_analysis_reads_the_viewers_frown_through_their_profile(
        demo_copy: Path) -> None:
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    engine = VisionEngine(use_iris=False)
    frames = labelled_frames("reaction_expressions_woman.mp4")
    examples = []
    for label in ("neutral", "angry", "surprise"):
        for _, rgb in [f for f in frames if f[0] == label][:2]:
            engine.reset()
            analysis = engine.analyse(rgb, 0.0, colour="rgb")
            examples.append(Example.of(label, analysis.emotions, analysis.features))
    store.save_profile(fit_profile("Ada", engine.emotion.card.name, examples))
    angry_share = {}
    for viewer in ("Ada", "Someone else"):
        session_id, _ = add_recording(store, project_id, viewer, WOMAN.read_bytes(), ".mp4",
                                      time_offset=0.0, meta={"iris": False})
        job = run_job(store, "analyse", {"session_id": session_id, "fps": 5.0, "iris": False})
        assert job.result["profile"] == ("Ada" if viewer == "Ada" else "")
        frown = [s for s in store.samples(session_id).to_pylist() if 4.0 <= s["video_time"] <= 5.0
                 or 7.8 <= s["video_time"] <= 9.2]
        angry_share[viewer] = np.mean([s["dominant"] == "angry" for s in frown])
    assert angry_share["Ada"] >= 0.8 > angry_share["Someone else"] + 0.3


def test_guided_calibration_prompts_fits_and_keeps_the_viewers_profile(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    session_id = store.create_session(store.create_project("p"), "Ada", "live")
    now = FakeTime()
    clock = PlaybackClock(60.0, now=now)
    writer = SampleWriter(store, session_id, flush_every=0.05)
    engine = VisionEngine(use_iris=False)
    analyser = LiveAnalyser(engine, clock, SentLog(), writer, viewer="Ada",
                            on_profile=store.save_profile)
    frames = labelled_frames("reaction_expressions_woman.mp4")
    by_label = {label: [rgb for lab, rgb in frames if lab == label]
                for label in ("neutral", "angry", "surprise")}
    prompts = tuple(Prompt(e, f"show {e}", 2.0) for e in by_label)
    analyser.calibrate(prompts)
    for prompt in prompts:
        assert analyser.status().prompt == prompt.instruction
        for k in range(8):  # 4 frames a second through the prompt, as the webcam would
            now.now += 0.25
            deliver(analyser, by_label[prompt.emotion][k], now.now)
    read_as = []
    for frown in by_label["angry"][8:]:  # after the prompts: the frowns not prompted with
        now.now += 0.25
        deliver(analyser, frown, now.now)
        read_as.append(analyser.status().latest.dominant)
    status = analyser.status()
    analyser.stop()
    writer.close()
    assert status.calibration == "done" and status.profile and not status.prompt
    kept = store.profile("Ada", engine.emotion.card.name)
    assert kept is not None and set(kept.classes) == {"neutral", "angry", "surprise"}
    assert len(read_as) >= 10 and read_as.count("angry") >= 0.8 * len(read_as)
    restarted = LiveAnalyser(engine, clock, SentLog(), SampleWriter(store, session_id),
                             viewer="Ada", profile=kept)
    assert restarted.status().profile  # a returning viewer is read through it at once
    restarted.stop()


def test_the_smile_clip_segments_make_a_profile_that_keeps_every_reading(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The smile clip, labelled by eye: its neutral start and end and its smile. The model
    already reads him right; his profile must keep it so."""
    frames = labelled_frames("reaction_smile_man.mp4")
    prompts: list[tuple[str, np.ndarray]] = []
    for label in ("neutral", "happy"):
        prompts += [f for f in frames if f[0] == label][:2]
    rest = [f for f in frames if not any(f[1] is p[1] for p in prompts)]
    data = str(tmp_path / "data")
    made = cli_json(capsys, "--data-dir", data, "profile", "create", "Min",
                    str(write_faces(tmp_path / "prompts", prompts)), "--detect")
    assert made["faces"] == {"happy": 2, "neutral": 2}
    held_out = str(write_faces(tmp_path / "held-out", rest))
    plain = cli_json(capsys, "--data-dir", data, "evaluate", held_out, "--detect")
    adapted = cli_json(capsys, "--data-dir", data, "evaluate", held_out, "--detect",
                       "--profile", "Min")
    assert adapted["images"] == len(rest) >= 20
    assert adapted["product"]["accuracy"] >= max(plain["product"]["accuracy"], 0.95)


def test_a_profile_is_replaced_only_when_asked_and_a_dashed_name_can_be_given(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    frames = labelled_frames("reaction_expressions_woman.mp4")
    prompts = [f for label in ("neutral", "surprise") for f in
               [g for g in frames if g[0] == label][:2]]
    folder = str(write_faces(tmp_path / "faces", prompts))
    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "profile", "create", "--detect", "--json", "--", "-Ada",
                 folder]) == 0
    assert json.loads(capsys.readouterr().out)["viewer"] == "-Ada"
    assert main(["--data-dir", data, "profile", "create", "-Ada ", folder, "--detect"]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["--data-dir", data, "profile", "create", "--detect", "--replace", "--",
                 "-Ada", folder]) == 0
    assert "Saved -Ada's profile" in capsys.readouterr().out
    assert [p.viewer for p in Store(tmp_path / "data").profiles()] == ["-Ada"]
    assert main(["--data-dir", data, "profile", "delete", "--", "-Ada"]) == 0


def test_flat_faces_make_no_profile(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for emotion in ("happy", "neutral"):
        (tmp_path / "faces" / emotion).mkdir(parents=True)
        for i in range(2):
            cv2.imwrite(str(tmp_path / "faces" / emotion / f"{i}.png"),
                        np.full((64, 64, 3), 128, np.uint8))
    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "profile", "create", "Grey", str(tmp_path / "faces")]) == 2
    assert "flat image" in capsys.readouterr().err
    assert Store(tmp_path / "data").profiles() == []
