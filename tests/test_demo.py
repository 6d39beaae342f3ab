from pathlib import Path

from shortory_core.demo import DEMO_REACTIONS
from shortory_core.demo.comments import demo_comment_records
from shortory_core.demo.video import EVENTS
from shortory_core.kinds import ensure_demo_project
from shortory_core.sources.video_file import probe_video
from shortory_core.store import Store


def test_demo_project_is_complete_and_built_once(demo_home: Path) -> None:
    store = Store(demo_home)
    project_id = store.demo_project_id()
    assert ensure_demo_project(store) == project_id
    [summary] = store.list_projects()
    assert summary.project.is_demo
    info = probe_video(store.media_path(summary.video.path))
    assert info.duration == 120.0 and info.has_audio
    assert summary.comments == len(demo_comment_records())
    sessions = store.sessions(project_id)
    assert [s["viewer"] for s in sessions] == [r.viewer for r in DEMO_REACTIONS]
    assert all(store.media_path(s["source_path"]).is_file() for s in sessions)


def test_demo_comments_are_deterministic_and_point_at_events() -> None:
    records = demo_comment_records()
    assert records == demo_comment_records()
    texts = " ".join(r["text"] for r in records)
    for event in EVENTS:
        minutes, seconds = divmod(int(event.time), 60)
        assert f"{minutes}:{seconds:02d}" in texts or f"{minutes}:{seconds + 1:02d}" in texts
    assert any(r["reply"] for r in records)
