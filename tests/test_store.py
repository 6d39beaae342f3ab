import json
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from shortory_core.batch.manifest import RecordingEntry
from shortory_core.errors import StoreError
from shortory_core.records import Chapter, Comment, HeatPoint, ProjectDraft, VideoInfo
from shortory_core.store import Store
from shortory_core.store.schema import LATEST_VERSION, MIGRATIONS
from tests.conftest import stored_comments


def test_round_trip_of_every_kind_of_record(store: Store) -> None:
    video = VideoInfo(
        path="video.mp4", duration=3723.5, width=1280, height=720, fps=29.97,
        has_audio=True, title="A talk", source_url="https://example.org/v",
        heatmap=[HeatPoint(0.0, 10.0, 0.25), HeatPoint(10.0, 20.0, 1.0)],
        chapters=[Chapter(0.0, 60.0, "Intro")],
    )
    comments = [
        Comment("a", "1:02:03 wow", "@x", 1200, False, None, "1 day ago"),
        Comment("a.b", "yes", "@y", 3, True, "a", ""),
    ]
    staging = store.root / "staging" / "talk"
    staging.mkdir(parents=True)
    project_id = store.commit_project(ProjectDraft("Talk", staging, video, comments))
    session = store.create_session(project_id, "Mia", "recording", time_offset=31.0,
                                   meta={"fps": 5})
    store.add_samples(session, [
        {"seq": 0, "video_time": 31.0, "source_time": 0.0, "paused": 0, "face_found": 1,
         "n_faces": 1, "happy": 0.9, "sad": 0.0, "angry": 0.0, "neutral": 0.1,
         "surprise": 0.0, "dominant": "happy", "attention": 0.8, "head_pose": 0.9,
         "eyes_open": 1.0, "gaze": 0.7},
    ])

    reopened = Store(store.root)
    assert reopened.get_video(project_id) == replace(video, path=f"project-{project_id}/video.mp4")
    assert stored_comments(reopened, project_id) == comments
    [saved_session] = reopened.sessions(project_id)
    assert saved_session.viewer == "Mia" and saved_session.time_offset == 31.0
    assert saved_session.meta == {"fps": 5} and saved_session.n_samples == 1
    assert reopened.samples(session)["dominant"].to_pylist() == ["happy"]
    [summary] = reopened.list_projects()
    assert (summary.comments, summary.sessions, summary.samples) == (2, 1, 1)


def test_reimporting_the_same_comments_adds_nothing(store: Store) -> None:
    project_id = store.create_project("p")
    comments = [Comment("a", "0:10"), Comment("b", "0:20")]
    assert store.add_comments(project_id, comments) == 2
    assert store.add_comments(project_id, comments) == 0
    assert store.comment_count(project_id) == 2


def test_failed_transaction_writes_nothing(store: Store) -> None:
    project_id = store.create_project("p")
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute("INSERT INTO comments (project_id, cid, text) VALUES (?, 'x', 't')",
                     (project_id,))
        raise RuntimeError("midway")
    assert store.comment_count(project_id) == 0


def test_migration_from_first_schema_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "shortory.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO projects (name, created_at) VALUES ('old', 1.0)")
    conn.execute("INSERT INTO comments (project_id, cid, text) VALUES (1, 'c', '0:42 wow')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()

    store = Store(tmp_path)
    with store.reading() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'moments'").fetchall()
    assert store.get_project(1).name == "old"
    assert [c.text for c in store.top_comments(1, 1)] == ["0:42 wow"]
    assert store.create_session(1, "v", "live") == 1  # the new tables exist


def test_sessions_an_older_batch_doubled_get_their_key_once(tmp_path: Path) -> None:
    """Before migration 10 two runs of one manifest could make two sessions of one row; the
    analysed one keeps the row's key, so the next run finds it and makes no third."""
    db = tmp_path / "shortory.sqlite3"
    conn = sqlite3.connect(db)
    for migration in MIGRATIONS[:9]:
        conn.executescript(migration)
    conn.execute("INSERT INTO projects (name, created_at) VALUES ('old', 1.0)")
    url = (tmp_path / "ada.mp4").as_uri()
    for status, offset, group in [("pending", 0.0, None), ("analysed", 0.0, None),
                                  ("analysed", 2.5, "B")]:
        meta = {"media_url": url} | ({"group": group} if group else {})
        conn.execute("INSERT INTO reaction_sessions (project_id, viewer, kind, time_offset, "
                     "status, started_at, meta) VALUES (1, 'Ada', 'recording', ?, ?, 1.0, ?)",
                     (offset, status, json.dumps(meta)))
    conn.execute("PRAGMA user_version = 9")
    conn.commit()
    conn.close()

    store = Store(tmp_path)
    keys = [s.work_key for s in store.sessions(1)]
    rows = [RecordingEntry(2, url, "Ada", 0.0, ""), RecordingEntry(3, url, "Ada", 2.5, "B")]
    assert keys == [None, rows[0].work_key, rows[1].work_key]
    assert [store.create_session(1, "Ada", "recording", work_key=r.work_key)
            for r in rows] == [2, 3]
    assert len(store.sessions(1)) == 3


def test_newer_database_is_refused_clearly(tmp_path: Path) -> None:
    Store(tmp_path)
    conn = sqlite3.connect(tmp_path / "shortory.sqlite3")
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer Shortory"):
        Store(tmp_path)


def test_deleting_a_project_removes_what_belongs_to_it(store: Store) -> None:
    project_id = store.create_project("p")
    store.add_comments(project_id, [Comment("a", "x")])
    store.create_session(project_id, "v", "live")
    store.delete_project(project_id)
    assert store.list_projects() == []
    with store.reading() as conn:
        assert conn.execute("SELECT COUNT(*) FROM reaction_sessions").fetchone()[0] == 0


WRITER = """
import sys
from dataclasses import replace
from pathlib import Path
from shortory_core.records import Comment
from shortory_core.store import Store
store = Store(Path(sys.argv[1]))
for i in range(150):
    store.add_comments(int(sys.argv[2]), [Comment(f"{sys.argv[3]}{i}", f"{i // 60}:{i % 60:02d}")])
"""


def test_two_writer_processes_do_not_corrupt_the_store(store: Store) -> None:
    project_id = store.create_project("shared")
    workers = [subprocess.Popen([sys.executable, "-c", WRITER, str(store.root), str(project_id),
                                 prefix], cwd=Path(__file__).resolve().parents[1])
               for prefix in "ab"]
    for w in workers:
        assert w.wait(120) == 0
    assert store.comment_count(project_id) == 300
    with store.reading() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_media_folders_are_named_by_id_not_title(store: Store) -> None:
    project_id = store.create_project("../../etc/evil name")
    folder = store.project_media_dir(project_id)
    assert folder.parent == store.media_root and folder.name == f"project-{project_id}"


def test_deleting_takes_the_files_too(store: Store) -> None:
    project_id = store.create_project("to go")
    folder = store.project_media_dir(project_id)
    recording = folder / "reactions" / "session.mp4"
    recording.parent.mkdir()
    recording.write_bytes(b"x")
    session_id = store.create_session(project_id, "V", "recording",
                                      source_path=store.relative_media_path(recording))
    store.add_samples(session_id, [{"seq": 0, "video_time": 0.0, "source_time": 0.0,
                                    "face_found": 1, "n_faces": 1}])
    clip_file = folder / "clip.mp4"
    clip_file.write_bytes(b"y")
    clip_id = store.add_clip(project_id, "comments", 1.0, 2.0)
    store.update_clip(clip_id, status="done", path=store.relative_media_path(clip_file))

    store.rename_project(project_id, "  renamed  ")
    assert store.get_project(project_id).name == "renamed"
    store.update_session(session_id, viewer="Vi", group="A")
    assert store.session(session_id).viewer == "Vi"
    assert store.session(session_id).meta["group"] == "A"

    store.delete_clip(clip_id)
    assert store.clip(clip_id) is None and not clip_file.exists()
    samples = store.sample_folder(session_id)
    assert samples.is_dir()
    store.delete_session(session_id)
    assert store.session(session_id) is None and not recording.exists()
    assert len(store.samples(session_id)) == 0 and not samples.exists()
    store.delete_project(project_id)
    assert store.get_project(project_id) is None and not folder.exists()
