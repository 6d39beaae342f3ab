"""Shorts recommended by a viewer's mood, on stored sessions and clips."""

from pathlib import Path

import pytest

from shortory_core.highlights.recommend import measure_mood, recommend
from shortory_core.store import Store


def sample(seq: int, **emotions: float) -> dict:
    values = {"happy": 0.05, "sad": 0.05, "angry": 0.05, "neutral": 0.8, "surprise": 0.05}
    return {"seq": seq, "video_time": seq / 5, "source_time": seq / 5, "paused": 0,
            "face_found": 1, "n_faces": 1, **(values | emotions)}


@pytest.fixture
def library(store: Store) -> tuple[Store, int]:
    project_id = store.create_project("p")
    for kind, score, emotions in (("happy", 0.9, None), ("happy", 0.7, None),
                                  ("surprise", 0.8, None), ("sad", 0.95, None),
                                  ("surprise", 0.85, ["surprise", "happy"])):
        clip = store.add_clip(project_id, kind, 0, 10, score=score, meta={
            "emotion": kind} | ({"emotions": emotions} if emotions else {}))
        store.update_clip(clip, status="done", path=f"c{clip}.mp4")
    store.add_clip(project_id, "happy", 20, 30, score=1.0)  # queued: not recommended
    return store, project_id


def session_of(store: Store, project_id: int, samples: list[dict]) -> list[dict]:
    session = store.create_session(project_id, "V", "live")
    store.add_samples(session, samples)
    return store.samples(session).to_pylist()


def test_a_sad_viewer_is_lifted_with_happy_shorts_first(library: tuple[Store, int]) -> None:
    store, project_id = library
    # happy early on, sad over the last three minutes: the recent mood counts
    samples = [sample(i, happy=0.9, neutral=0.05) for i in range(600)]
    samples += [sample(600 + i, sad=0.7, neutral=0.2) for i in range(900)]
    mood = measure_mood(session_of(store, project_id, samples))
    assert mood.emotion == "sad" and mood.seconds == pytest.approx(179.8)
    picks = recommend(store.clips(project_id), mood)
    assert [(p.clip.kind, p.clip.score) for p in picks] == [
        ("happy", 0.9), ("surprise", 0.85), ("happy", 0.7)]  # the merged one carries happy
    assert picks[0].why.startswith("You looked mostly sad over your last 3 min (70%)")
    assert "should lift it" in picks[0].why


def test_a_happy_viewer_gets_more_of_the_same_and_a_neutral_one_surprise(
        library: tuple[Store, int]) -> None:
    store, project_id = library
    happy = measure_mood(session_of(store, project_id,
                                    [sample(i, happy=0.5, neutral=0.4) for i in range(100)]))
    assert happy.emotion == "happy"
    assert [p.clip.kind for p in recommend(store.clips(project_id), happy, limit=2)] == [
        "happy", "surprise"]
    calm = measure_mood(session_of(store, project_id, [sample(i) for i in range(100)]))
    assert calm.emotion == "neutral"
    picks = recommend(store.clips(project_id), calm)
    assert picks[0].clip.kind == "surprise" and "wake you up" in picks[0].why


def test_no_face_no_mood(library: tuple[Store, int]) -> None:
    store, project_id = library
    unseen = [sample(i) | {"face_found": 0} for i in range(50)]
    assert measure_mood(session_of(store, project_id, unseen)) is None


def test_the_demo_viewers_get_recommendations(demo_home: Path) -> None:
    store = Store(demo_home)
    for session in store.sessions(store.demo_project_id()):
        mood = measure_mood(store.samples(session.id).to_pylist())
        assert mood is not None and mood.emotion in ("happy", "sad", "angry", "neutral",
                                                     "surprise")
