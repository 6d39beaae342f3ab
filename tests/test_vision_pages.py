"""The Reactions and Model pages through AppTest, on the demo project and real fixtures."""

from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.errors import ShortoryError
from shortory_core.store import Store
from shortory_core.vision.cards import default_card
from shortory_core.vision.profiles import Example, fit_profile
from tests.conftest import FACE_CLIPS, FIXTURES, run_job
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]




def test_demo_viewers_are_analysed_and_plotted(demo_copy: Path) -> None:
    store = Store(demo_copy)
    sessions = store.sessions(store.demo_project_id())
    assert {s.status for s in sessions} == {"analysed"} and len(sessions) >= 8
    assert all(s.n_samples >= 15 for s in sessions)
    mia = store.samples(sessions[0].id).to_pylist()
    assert mia[0]["video_time"] == 31.0 and all(s["face_found"] for s in mia)

    app = AppTest.from_file(str(ROOT / "pages/reactions.py"), default_timeout=60).run()
    assert not app.exception
    assert [m.label for m in app.metric][:2] == ["Samples", "Face found"]
    assert app.metric[1].value == "100%"


def test_a_new_recording_session_is_analysed_and_shown(demo_copy: Path) -> None:
    """What the page's upload form does: save the file, submit an ``analyse`` job to the
    app's job service, watch it in the store (AppTest cannot upload; Chromium does, in
    test_browser)."""
    from shortory_core.kinds import job_service
    from shortory_core.reactions.sessions import add_recording

    store = Store(demo_copy)
    project_id = store.demo_project_id()
    with (FACE_CLIPS / "reaction_smile_man.mp4").open("rb") as upload:
        session_id, _ = add_recording(store, project_id, "  Ann ", upload, ".MP4",
                                      time_offset=60.0)
    saved = store.session(session_id)
    assert saved.viewer == "Ann" and saved.source_path.endswith(f"session-{session_id}.mp4")
    assert store.media_path(saved.source_path).is_file()

    service = job_service(store)
    job = service.wait(service.submit("analyse", {"session_id": session_id, "iris": False},
                                      project_id=project_id, subject_id=session_id), 120)
    assert job.status == "done" and job.progress == 1.0, job.error
    count = job.result["samples"]
    assert count >= 15 and store.session(session_id).status == "analysed"
    samples = store.samples(session_id).to_pylist()
    assert samples[0]["video_time"] == 60.0
    assert max(s["happy"] for s in samples) > 0.8

    app = AppTest.from_file(str(ROOT / "pages/reactions.py"), default_timeout=60).run()
    assert app.selectbox[0].options[-1].startswith("Ann · recording from 1:00")
    app.selectbox[0].set_value(session_id).run()
    assert not app.exception and app.metric[0].value == str(count)
    assert any("samples analysed" in s.value for s in app.success)  # the job panel


def test_a_corrupt_recording_fails_the_session_and_keeps_old_samples(demo_copy: Path) -> None:
    store = Store(demo_copy)
    first = store.sessions(store.demo_project_id())[0]
    before = store.samples(first.id).to_pylist()
    store.media_path(first.source_path).write_bytes(b"broken" * 100)
    job = run_job(store, "analyse", {"session_id": first.id, "iris": False},
                  subject_id=first.id)
    assert job.status == "failed" and job.error and "Traceback" not in job.error
    assert store.samples(first.id).to_pylist() == before
    assert store.session(first.id).status == "failed"


def test_model_page_evaluates_a_labelled_folder(demo_copy: Path) -> None:
    """The page submits an ``evaluate`` job and shows its result once the job is done."""
    app = AppTest.from_file(str(ROOT / "pages/model.py"), default_timeout=120).run()
    assert not app.exception
    assert app.title[0].value == "Model · fer-mini-xception"
    app.text_input(key="evaluate-folder").set_value(str(FIXTURES / "fer2013_train_sample"))
    app.button(key="evaluate-submit").click().run()
    wait_until(lambda: app.run().metric, "the evaluation's result on the page", every=0.5)
    assert not app.exception
    assert app.metric[0].value == "419"  # of 420: one FER2013 sample is blank, skipped as flat
    raw = float(app.metric[1].value.rstrip("%"))
    assert 40 < raw < 100  # training-split images: a sanity check, not an accuracy claim

    app.text_input(key="evaluate-folder").set_value("/no/such/folder")
    app.button(key="evaluate-submit").click().run()
    assert "not a folder" in app.error[0].value


def test_model_page_lists_models_and_viewer_profiles_and_forgets_one(
        demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(demo_copy)
    rng = np.random.default_rng(0)
    examples = [Example(e, rng.dirichlet(np.ones(5)), rng.normal(size=8) + k)
                for k, e in enumerate(("neutral", "happy")) for _ in range(2)]
    for viewer in ("Ada", "Bo"):
        store.save_profile(fit_profile(viewer, "fer-mini-xception", examples))
    monkeypatch.setenv("SHORTORY_EMOTION_MODEL", "face-api-expression")
    app = AppTest.from_file(str(ROOT / "pages/model.py"), default_timeout=60).run()
    assert not app.exception
    assert app.title[0].value == "Model · face-api-expression"  # the chosen model is used
    models = next(d.value for d in app.dataframe if "active" in d.value.columns)
    assert {"fer-mini-xception", "face-api-expression"} <= set(models["model"])
    assert models.set_index("model").loc["face-api-expression", "active"] == "✓"
    assert [m.value.split(" · ")[0] for m in app.markdown if "mini" in m.value] == [
        "**Ada**", "**Bo**"]
    delete = next(b for b in app.button if b.key == "profile-Ada-fer-mini-xception-delete")
    assert delete.disabled  # not before the box is ticked
    app.checkbox(key="profile-Ada-fer-mini-xception-sure").check().run()
    next(b for b in app.button if b.key == "profile-Ada-fer-mini-xception-delete").click().run()
    assert [p.viewer for p in store.profiles()] == ["Bo"]


def test_an_unknown_emotion_model_setting_is_refused_with_the_choices(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTORY_EMOTION_MODEL", "no-such-model")
    with pytest.raises(ShortoryError, match="choose from ensemble-mean-log, face-api"):
        default_card("emotion")
    assert default_card("face_landmarks").name == "face-mesh"  # other kinds ignore it


def test_many_recordings_are_queued_with_their_viewer_group_and_clock_offset(
        demo_copy: Path) -> None:
    """What the page's upload table does with the files it is given (AppTest cannot upload;
    Chromium uploads two at once in test_browser): every row is checked before anything is
    added, then one session and one ``analyse`` job per file."""
    from shortory_core.kinds import job_service
    from shortory_core.reactions.uploads import default_rows, queue_recordings, read_rows

    store = Store(demo_copy)
    project_id = store.demo_project_id()
    duration = store.get_video(project_id).duration
    names = ["reaction_smile_man.mp4", "reaction_webcam_glasses.mp4"]
    rows = default_rows(names)
    assert [r["viewer"] for r in rows] == ["reaction_smile_man", "reaction_webcam_glasses"]
    rows[0] |= {"viewer": "  Ann  Lee ", "group": "A", "offset": "1:05"}
    rows[1] |= {"group": "B", "offset": "1:2:05"}
    plans, errors = read_rows(rows, duration)
    assert errors == ["Row 2 (reaction_webcam_glasses.mp4): '1:2:05' is not a time: write "
                      "seconds, m:ss or h:mm:ss (75, 1:15, 1:02:33)."]
    rows[1]["offset"] = "9:59:59"
    assert "past the video's end" in read_rows(rows, duration)[1][0]
    rows[1]["offset"] = "0:30.5"
    plans, errors = read_rows(rows, duration)
    assert not errors
    before = len(store.sessions(project_id))
    service = job_service(store)
    with ExitStack() as files:
        opened = [(name, files.enter_context((FACE_CLIPS / name).open("rb"))) for name in names]
        queued = queue_recordings(store, service, project_id, opened, plans,
                                  {"fps": 5, "detector": "short", "iris": False})
    done = [service.wait(job_id, 180) for job_id in queued]
    assert [job.status for job in done] == ["done", "done"], [job.error for job in done]
    sessions = store.sessions(project_id)
    assert len(sessions) == before + 2
    assert [(s.viewer, s.time_offset, s.meta["group"], s.status)
            for s in sessions[-2:]] == [
        ("Ann Lee", 65.0, "A", "analysed"), ("reaction_webcam_glasses", 30.5, "B", "analysed")]

    app = AppTest.from_file(str(ROOT / "pages/reactions.py"), default_timeout=60).run()
    assert not app.exception
    labels = app.selectbox[0].options
    assert any(label.startswith("Ann Lee · recording from 1:05") for label in labels)
    [analyse] = [b for b in app.button if b.label.startswith("Analyse")]
    assert analyse.label == "Analyse 0 recordings" and analyse.disabled
