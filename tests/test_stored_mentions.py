"""Time references are extracted once per import and read back from the store: the stored set
must equal a fresh extraction, follow new comments, and be rebuilt when it is out of date."""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.projects import import_comments, import_files
from shortory_core.records import Comment
from shortory_core.signals import stored_mentions
from shortory_core.signals.mentions import Mentions, extract_mentions
from shortory_core.signals.stored_mentions import project_mentions
from shortory_core.sources.comment_files import read_comment_file
from shortory_core.store import Store
from tests.conftest import stored_comments

ROOT = Path(__file__).resolve().parents[1]


def write_dump(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n",
                    encoding="utf-8")
    return path


def downloader_rows(count: int, prefix: str = "c") -> list[dict]:
    texts = ["0:01 the start", "at 1:05 and 1:07 wow", "no time here", "2분 3초 😂",
             "0:02-0:09 whole bit", "9:59 past the end"]
    return [{"cid": f"{prefix}{i}" + (f".r{i}" if i % 5 == 0 else ""),
             "text": texts[i % len(texts)], "author": f"@a{i % 4}", "votes": str(i % 7),
             "reply": i % 5 == 0, "time": f"{i % 3} days ago"} for i in range(count)]


def as_tuples(mentions: Mentions) -> list[tuple]:
    return [(m.seconds, m.end, m.form, m.cid, m.author, m.likes, m.is_reply, m.snippet)
            for m in mentions]


def fresh(store: Store, project_id: int, duration: float | None = None) -> Mentions:
    return extract_mentions(stored_comments(store, project_id), duration)


@pytest.fixture
def project(store: Store, short_video: Path, tmp_path: Path) -> int:
    dump = write_dump(tmp_path / "dump.json", downloader_rows(60))
    work = store.root / "staging" / "t"
    work.mkdir(parents=True)
    return import_files(store, short_video, dump, "p", work=work).project_id


def test_an_import_stores_its_references_and_they_equal_a_fresh_extraction(
        store: Store, project: int) -> None:
    stored = store.mentions(project)
    assert stored is not None and stored.comments == 60
    assert stored.rules == stored_mentions.RULES_VERSION
    read = stored_mentions.unpack(stored)
    assert len(read) == len(fresh(store, project)) == 60  # 6 in every 6 comments
    assert as_tuples(read) == as_tuples(fresh(store, project))
    # the duration cut is applied when reading, exactly as extraction applies it
    assert as_tuples(project_mentions(store, project, 3.0)) == as_tuples(
        fresh(store, project, 3.0))


def test_comments_stored_from_columns_keep_every_field(store: Store, project: int,
                                                       tmp_path: Path) -> None:
    dump = write_dump(tmp_path / "again.json", downloader_rows(60))
    comments = stored_comments(store, project)
    assert comments == read_comment_file(dump).comments
    assert comments[0].parent_cid == "c0" and comments[1].published == "1 days ago"


def test_importing_more_comments_brings_the_stored_set_up_to_date(
        store: Store, project: int, tmp_path: Path) -> None:
    more = write_dump(tmp_path / "more.json", downloader_rows(30, prefix="m") +
                      downloader_rows(10))  # ten already imported: skipped
    record = import_comments(store, project, more, "more.json")
    assert record["added"] == 30
    stored = store.mentions(project)
    assert stored is not None and stored.comments == 90
    assert as_tuples(stored_mentions.unpack(stored)) == as_tuples(fresh(store, project))


def test_an_out_of_date_set_is_rebuilt_on_first_use(store: Store, project: int) -> None:
    store.add_comments(project, [Comment("new", "0:02 added without a refresh")])
    assert store.mentions(project) is None  # its comment count no longer matches
    assert 2 in project_mentions(store, project).seconds.tolist()
    assert as_tuples(project_mentions(store, project)) == as_tuples(fresh(store, project))
    assert store.mentions(project).comments == 61


def test_a_set_made_by_other_rules_is_rebuilt(store: Store, project: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stored_mentions, "RULES_VERSION", "next")
    assert as_tuples(project_mentions(store, project)) == as_tuples(fresh(store, project))
    assert store.mentions(project).rules == "next"


def test_a_project_without_comments_has_no_references(store: Store) -> None:
    project_id = store.create_project("empty")
    assert len(project_mentions(store, project_id)) == 0
    assert np.array_equal(project_mentions(store, project_id).seconds, [])


def test_the_project_page_lists_the_most_liked_comments_not_all(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    project_id = store.create_project("many")
    store.add_comments(project_id, [Comment(f"c{i}", f"comment {i}", likes=i)
                                    for i in range(1500)])
    monkeypatch.setenv("SHORTORY_HOME", str(store.root))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "pages/project.py"), default_timeout=60)
    app.query_params["project"] = str(project_id)
    app.run()
    assert not app.exception
    assert "Comments (1,500)" in [h.value for h in app.subheader]
    assert "The 1,000 most-liked comments." in [c.value for c in app.caption]
    shown = app.dataframe[0].value
    assert len(shown) == 1000 and list(shown["likes"][:2]) == [1499, 1498]


def test_a_stored_comment_with_a_nul_reads_as_the_rules_read_it(store: Store) -> None:
    project_id = store.create_project("nul")
    store.add_comments(project_id, [Comment("a", "0분\x00후"), Comment("b", "at 1:05\x00wow")])
    assert [(m.cid, m.seconds) for m in project_mentions(store, project_id)] == [("b", 65)]


@pytest.mark.parametrize("content", [b"", b"id,authorDisplayName,textDisplay\n",
                                     b"\x00\xff" * 400])
def test_an_unusable_comment_file_is_refused_before_the_video_is_copied(
        store: Store, short_video: Path, tmp_path: Path, content: bytes) -> None:
    from shortory_core.errors import SourceError

    bad = tmp_path / "comments.csv"
    bad.write_bytes(content)
    work = store.root / "staging" / "bad"
    work.mkdir(parents=True)
    steps: list[str | None] = []
    with pytest.raises(SourceError, match=r"comments\.csv|not UTF-8|comment"):
        import_files(store, short_video, bad, "p", work=work,
                     progress=lambda _, step=None: steps.append(step))
    assert "Copying the video" not in steps and not any(work.iterdir())
    assert store.list_projects() == []
