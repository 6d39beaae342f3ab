"""Each project reads its viewers with its own emotion model; profiles from labelled photos."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data
from streamlit.testing.v1 import AppTest

from shortory_core.errors import ShortoryError
from shortory_core.live.session import WatchSession
from shortory_core.reactions.models import (
    choose_emotion_model,
    chosen_model,
    project_emotion_card,
    session_model,
)
from shortory_core.reactions.photo_profiles import profile_from_photos
from shortory_core.reactions.sessions import add_recording
from shortory_core.store import Store
from shortory_core.vision.cards import default_card
from shortory_core.vision.engine import VisionEngine
from tests.conftest import FACE_CLIPS, run_job
from tests.test_profiles import labelled_frames, write_faces

WOMAN = FACE_CLIPS / "reaction_expressions_woman.mp4"
ROOT = Path(__file__).resolve().parents[1]


def test_a_project_keeps_its_own_emotion_model(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first, second = store.create_project("One"), store.create_project("Two")
    assert project_emotion_card(store, first) == default_card("emotion")
    choose_emotion_model(store, first, "face-api-expression")
    assert project_emotion_card(Store(tmp_path), first).name == "face-api-expression"
    assert project_emotion_card(store, second) == default_card("emotion")
    with pytest.raises(ShortoryError, match="No emotion model 'nope'"):
        choose_emotion_model(store, first, "nope")
    choose_emotion_model(store, first, None)  # back to the app's default
    assert chosen_model(store, first) is None


def test_analysis_and_live_sessions_use_the_projects_model_and_say_so(
        demo_copy: Path) -> None:
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    choose_emotion_model(store, project_id, "fer-mini-xception")
    frames = labelled_frames("reaction_expressions_woman.mp4")
    picked = [f for label in ("neutral", "angry") for f in frames if f[0] == label][:40]
    write_faces(demo_copy / "photos", [f for f in picked if f[0] == "neutral"][:2]
                + [f for f in picked if f[0] == "angry"][:2])
    profile_from_photos(store, "Ada", demo_copy / "photos",
                        project_emotion_card(store, project_id))
    session_id, _ = add_recording(store, project_id, "Ada", WOMAN.read_bytes(), ".mp4",
                                  time_offset=0.0)
    job = run_job(store, "analyse", {"session_id": session_id, "fps": 2.0, "iris": False})
    assert job.result["profile"] == "Ada"  # the profile of the project's model was found
    assert session_model(store.session(session_id)) == "fer-mini-xception"
    watch = WatchSession.start(store, project_id, "Bo")
    try:
        assert watch.analyser.engine.emotion.card.name == "fer-mini-xception"
        assert session_model(store.session(watch.session_id)) == "fer-mini-xception"
    finally:
        watch.stop()


def test_a_profile_from_a_folder_of_photos_says_what_it_used_and_skipped(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    frames = labelled_frames("reaction_expressions_woman.mp4")
    chosen = [f for label in ("neutral", "angry", "surprise")
              for f in [g for g in frames if g[0] == label][:3]]
    folder = write_faces(tmp_path / "photos", chosen)
    write_faces(folder, [("bored", chosen[0][1])])  # a folder named like no emotion
    cv2.imwrite(str(folder / "angry" / "coffee.png"), data.coffee()[:, :, ::-1])  # no face
    (folder / "surprise" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    card = default_card("emotion")
    made = profile_from_photos(store, "  Ada ", folder, card)
    assert made.used == {"neutral": 3, "angry": 3, "surprise": 3}
    assert made.reasons() == {"folder named like no emotion": 1, "no face found": 1,
                              "unreadable or too large": 1}
    assert "from 9 photos" in made.summary() and "1 no face found" in made.summary()
    stored = store.profile("Ada", card.name)
    assert stored is not None and stored.counts == made.profile.counts
    engine = VisionEngine(use_iris=False)
    frowns = [rgb for label, rgb in frames if label == "angry"][3:]  # not among the photos
    read = [engine.analyse(rgb, 0.0, colour="rgb") for rgb in frowns]
    plain = np.mean([a.dominant == "angry" for a in read])
    adapted = np.mean([max(d := stored.adjust_scores(a.emotions, a.features), key=d.get)
                       == "angry" for a in read])
    assert adapted >= plain + 0.3  # her other frowns read as frowns through the profile
    with pytest.raises(ShortoryError, match="already has a profile"):
        profile_from_photos(store, "Ada", folder, card)
    only_rest = write_faces(tmp_path / "rest", [f for f in chosen if f[0] == "neutral"])
    with pytest.raises(ShortoryError, match="at least 2 emotions"):
        profile_from_photos(store, "Bo", only_rest, card)


def test_the_model_page_chooses_the_projects_model_and_builds_a_profile_from_photos(
        demo_copy: Path, tmp_path: Path) -> None:
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    app = AppTest.from_file(str(ROOT / "pages/model.py"), default_timeout=120).run()
    assert not app.exception and app.title[0].value == "Model · fer-mini-xception"
    app.selectbox[0].set_value("face-api-expression").run()
    assert not app.exception and app.title[0].value == "Model · face-api-expression"
    assert chosen_model(store, project_id) == "face-api-expression"
    sessions = next(d.value for d in app.dataframe if "session" in d.value.columns)
    assert len(sessions) == len(store.sessions(project_id))  # the demo's, read before notes
    frames = labelled_frames("reaction_smile_man.mp4")
    folder = write_faces(tmp_path / "photos", [f for label in ("happy", "neutral")
                                               for f in [g for g in frames if g[0] == label][:2]])
    app.text_input(key="photo-viewer").set_value("Cy")
    app.text_input(key="photo-folder").set_value(str(folder))
    app.button(key="photo-submit").click().run()
    said = app.success[0].value.replace("\\", "")  # as markdown escapes it
    assert not app.exception and "Saved Cy's profile for face-api-expression from 4" in said
    assert store.profile("Cy", "face-api-expression") is not None
