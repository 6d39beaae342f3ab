"""The Reactions and Model pages through AppTest, on the demo project and real fixtures."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.store import Store
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]




def test_demo_viewers_are_analysed_and_plotted(demo_copy: Path) -> None:
    store = Store(demo_copy)
    sessions = store.sessions(store.demo_project_id())
    assert [s["status"] for s in sessions] == ["analysed", "analysed"]
    assert all(s["n_samples"] >= 15 for s in sessions)
    mia = store.samples(sessions[0]["id"])
    assert mia[0]["video_time"] == 31.0 and all(s["face_found"] for s in mia)

    app = AppTest.from_file(str(ROOT / "pages/reactions.py"), default_timeout=60).run()
    assert not app.exception
    assert [m.label for m in app.metric][:2] == ["Samples", "Face found"]
    assert app.metric[1].value == "100%"


def test_a_new_recording_session_is_analysed_and_shown(demo_copy: Path) -> None:
    """What the page's upload form does after saving the file (AppTest cannot upload)."""
    from shortory_core.reactions.sessions import add_recording, analyse_session
    from shortory_core.vision.engine import VisionEngine

    store = Store(demo_copy)
    project_id = store.demo_project_id()
    clip = (FIXTURES / "faces_video" / "reaction_smile_man.mp4").read_bytes()
    session_id = add_recording(store, project_id, "  Ann ", clip, ".MP4", time_offset=60.0)
    saved = store.session(session_id)
    assert saved["viewer"] == "Ann" and saved["source_path"].endswith(f"session-{session_id}.mp4")

    seen: list[float] = []
    count = analyse_session(store, session_id, [VisionEngine(use_iris=False)],
                            progress=seen.append)
    assert count >= 15 and seen[-1] == 1.0
    samples = store.samples(session_id)
    assert samples[0]["video_time"] == 60.0
    assert max(s["happy"] for s in samples) > 0.8

    app = AppTest.from_file(str(ROOT / "pages/reactions.py"), default_timeout=60).run()
    assert app.selectbox[0].options[-1].startswith("Ann · recording from 1:00")
    app.selectbox[0].set_value(session_id).run()
    assert not app.exception and app.metric[0].value == str(count)


def test_a_corrupt_recording_fails_the_session_and_keeps_old_samples(demo_copy: Path) -> None:
    from shortory_core.errors import ShortoryError
    from shortory_core.reactions.sessions import analyse_session
    from shortory_core.vision.engine import VisionEngine

    store = Store(demo_copy)
    [first, _] = store.sessions(store.demo_project_id())
    before = store.samples(first["id"])
    store.media_path(first["source_path"]).write_bytes(b"broken" * 100)
    with pytest.raises(ShortoryError):
        analyse_session(store, first["id"], [VisionEngine(use_iris=False)])
    assert store.samples(first["id"]) == before
    assert store.session(first["id"])["status"] == "failed"


def test_model_page_evaluates_a_labelled_folder(demo_copy: Path) -> None:
    app = AppTest.from_file(str(ROOT / "pages/model.py"), default_timeout=120).run()
    assert not app.exception
    assert app.title[0].value == "Model · fer-mini-xception"
    app.text_input[0].set_value(str(FIXTURES / "fer2013_train_sample"))
    app.button[0].click().run()
    assert not app.exception
    assert app.metric[0].value == "420"
    raw = float(app.metric[1].value.rstrip("%"))
    assert 40 < raw < 100  # training-split images: a sanity check, not an accuracy claim

    app.text_input[0].set_value("/no/such/folder")
    app.button[0].click().run()
    assert "not a folder" in app.error[0].value
