"""Imported comment files as things of their own: listed, switched off, deleted, migrated."""

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.errors import StoreError
from shortory_core.projects import delete_import, import_comments, import_summary, switch_import
from shortory_core.records import Comment
from shortory_core.signals.comment_moments import MomentOptions, find_moments
from shortory_core.signals.stored_mentions import project_mentions
from shortory_core.store import Store
from shortory_core.store.db import DB_NAME
from shortory_core.store.schema import MIGRATIONS
from tests.conftest import stored_comments

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "fixtures" / "comments" / "data_api_comments.csv"


def wrong_project_file(tmp_path: Path) -> Path:
    """A scraper's export for another video: 40 viewers all pointing at 3:00."""
    frame = pd.DataFrame({"comment_id": [f"w{i}" for i in range(40)],
                          "author_name": [f"@fan{i}" for i in range(40)],
                          "comment_text": [f"3:00 the drop!! #{i}" for i in range(40)],
                          "like_count": [500] * 40,
                          "published_at": ["2025-05-01T00:00:00Z"] * 40})
    path = tmp_path / "other_video.csv"
    frame.to_csv(path, index=False)
    return path


def top_centre(store: Store, project_id: int) -> float | None:
    moments = find_moments(project_mentions(store, project_id), None,
                           MomentOptions(unique_authors=True))
    return moments[0].centre if moments else None


def test_a_file_switched_off_stops_counting_and_deleting_it_loses_nothing_else(
        store: Store, tmp_path: Path) -> None:
    project_id = store.create_project("debate")
    real = import_comments(store, project_id, REAL, REAL.name)
    clip = store.add_clip(project_id, "comments", 770, 790)
    assert real["added"] == 6 and real["columns"]["author"] == "authorDisplayName"
    assert abs(top_centre(store, project_id) - 777) < 3
    wrong = import_comments(store, project_id, wrong_project_file(tmp_path), "other_video.csv")
    assert wrong["columns"] == {"text": "comment_text", "author": "author_name",
                                "likes": "like_count", "published": "published_at",
                                "id": "comment_id"}
    assert store.comment_count(project_id) == 46 and top_centre(store, project_id) == 180
    newest, first = store.comment_imports(project_id)
    assert (newest.report["file"], newest.comments, first.comments) == ("other_video.csv", 40, 6)

    switch_import(store, newest.id, False)
    assert abs(top_centre(store, project_id) - 777) < 3
    assert store.comment_count(project_id) == 6 and store.mentions(project_id) is not None
    assert all(c.cid.startswith("Ugx") for c in store.top_comments(project_id, 100))
    listed = store.comment_imports(project_id)
    assert [(i.active, i.comments) for i in listed] == [(False, 40), (True, 6)]  # still kept
    key_off = store.comments_key(project_id)

    switch_import(store, newest.id, True)
    assert top_centre(store, project_id) == 180 and store.comments_key(project_id) != key_off

    kept = store.project_media_dir(project_id) / "comments" / f"import-{newest.id}.parquet"
    assert kept.is_file()
    delete_import(store, newest.id)
    assert not kept.exists() and (kept.parent / f"import-{first.id}.parquet").is_file()
    assert [i.report["file"] for i in store.comment_imports(project_id)] == [REAL.name]
    assert store.comment_count(project_id) == 6 and abs(top_centre(store, project_id) - 777) < 3
    assert store.clip(clip) is not None and store.get_project(project_id) is not None


def test_deleting_the_only_file_leaves_an_empty_project_that_imports_again(
        store: Store) -> None:
    project_id = store.create_project("one file")
    import_comments(store, project_id, REAL, REAL.name)
    [only] = store.comment_imports(project_id)
    delete_import(store, only.id)
    assert store.comment_count(project_id) == 0 and store.comment_imports(project_id) == []
    assert len(project_mentions(store, project_id)) == 0 and top_centre(store, project_id) is None
    assert import_comments(store, project_id, REAL, REAL.name)["added"] == 6
    assert abs(top_centre(store, project_id) - 777) < 3


def test_a_file_imported_twice_adds_nothing_the_second_time(store: Store) -> None:
    project_id = store.create_project("twice")
    import_comments(store, project_id, REAL, REAL.name)
    again = import_comments(store, project_id, REAL, REAL.name)
    assert again["added"] == 0 and store.comment_count(project_id) == 6
    second, first = store.comment_imports(project_id)
    assert import_summary(second.report).startswith(
        "0 new: 6 of the comments were already in the project")
    assert not import_summary(first.report).startswith("0 new")
    assert (second.comments, first.comments) == (0, 6)
    delete_import(store, second.id)  # it added nothing, so nothing goes
    assert store.comment_count(project_id) == 6
    delete_import(store, first.id)
    assert store.comment_count(project_id) == 0


def test_comments_stored_before_files_were_kept_become_one_earlier_entry(
        tmp_path: Path) -> None:
    """A store at schema 12 with comments and two import reports: after the migration its
    comments belong to one "earlier imports" entry that keeps both reports."""
    root = tmp_path / "old"
    root.mkdir()
    conn = sqlite3.connect(root / DB_NAME)
    for number, script in enumerate(MIGRATIONS[:12], start=1):
        conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.executescript("""
        INSERT INTO projects (id, name, created_at) VALUES (1, 'old', 1.0), (2, 'empty', 2.0);
        INSERT INTO comments (project_id, cid, text) VALUES
            (1, 'a', '0:10 first'), (1, 'b', '0:10 second'), (1, 'c', 'no time');
        INSERT INTO comment_imports (project_id, created_at, report) VALUES
            (1, 5.0, '{"file": "a.csv", "added": 2}'), (1, 6.0, '{"file": "b.csv", "added": 1}');
    """)
    conn.commit()
    conn.close()
    store = Store(root)
    [earlier] = store.comment_imports(1)
    assert earlier.report["file"] == "earlier imports" and earlier.comments == 3
    assert earlier.files == ["earlier imports", "a.csv", "b.csv"]  # batch skips them
    assert earlier.created_at == 5.0 and store.comment_imports(2) == []
    assert len(project_mentions(store, 1)) == 2

    # The rows stay where they are and count with the files imported after them.
    store.add_comments(1, [Comment("b", "0:10 again"), Comment("d", "0:20 new", likes=9)],
                       report={"file": "c.csv"})
    newest, _ = store.comment_imports(1)
    assert newest.comments == 1 and store.comment_count(1) == 4  # "b" was there already
    assert [c.cid for c in stored_comments(store, 1)] == ["a", "b", "c", "d"]
    assert [c.cid for c in store.top_comments(1, 2)] == ["d", "a"]  # rows and files merged
    assert len(project_mentions(store, 1)) == 3
    switch_import(store, earlier.id, False)
    assert store.comment_count(1) == 1 and len(project_mentions(store, 1)) == 1
    delete_import(store, earlier.id)
    with store.reading() as conn:
        assert conn.execute("SELECT COUNT(*) FROM comments").fetchone()[0] == 0
    assert [c.cid for c in stored_comments(store, 1)] == ["d"]


def test_a_damaged_comment_file_is_named_and_the_other_projects_read_on(store: Store) -> None:
    damaged, intact = store.create_project("damaged"), store.create_project("intact")
    for project_id in (damaged, intact):
        import_comments(store, project_id, REAL, REAL.name)
    [only] = store.comment_imports(damaged)
    path = store.project_media_dir(damaged) / "comments" / f"import-{only.id}.parquet"
    path.write_bytes(path.read_bytes()[:-40])  # cut short, as by a full disk or a bad copy
    for read in (store.comment_columns, lambda p: store.top_comments(p, 5)):
        with pytest.raises(StoreError, match=f"{path.name} is damaged or truncated"):
            read(damaged)
    assert len(store.comment_columns(intact)) == 6 and len(store.top_comments(intact, 5)) == 5
    path.unlink()
    with pytest.raises(StoreError, match=f"{path.name} is gone"):
        store.comment_columns(damaged)
    delete_import(store, only.id)  # the way out the message gives
    assert import_comments(store, damaged, REAL, REAL.name)["added"] == 6


@pytest.fixture
def page_project(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    project_id = store.create_project("page")
    import_comments(store, project_id, REAL, REAL.name)
    import_comments(store, project_id, wrong_project_file(tmp_path), "other_video.csv")
    monkeypatch.setenv("SHORTORY_HOME", str(store.root))
    monkeypatch.chdir(ROOT)
    return project_id


def test_the_project_page_lists_files_and_switches_and_deletes_one(
        store: Store, page_project: int) -> None:
    app = AppTest.from_file(str(ROOT / "pages/project.py"), default_timeout=60)
    app.query_params["project"] = str(page_project)
    app.run()
    assert not app.exception and "Comments (46)" in [h.value for h in app.subheader]
    listed = " ".join(m.value for m in app.markdown)
    assert "other_video.csv" in listed and "40 comments" in listed
    shown = [c.value.replace("\\", "") for c in app.caption]  # markdown-escaped
    assert any("columns: comment_text → text, author_name → author" in c for c in shown)
    assert "@fan0" in set(app.dataframe[0].value["author"])  # 500 likes each: on top
    wrong = store.comment_imports(page_project)[0]
    app.toggle(key=f"import-on-{wrong.id}").set_value(False).run()
    assert not app.exception and "Comments (6)" in [h.value for h in app.subheader]
    assert len(app.dataframe[0].value) == 6  # the list follows the switch at once
    assert not any(a.startswith("@fan") for a in app.dataframe[0].value["author"])
    assert "switched off" in " ".join(m.value for m in app.markdown)
    app.button(key=f"import-delete-{wrong.id}").click().run()
    assert not app.exception and [i.report["file"] for i in store.comment_imports(
        page_project)] == [REAL.name]
    assert store.comment_count(page_project) == 6
    assert [e.value for e in app.success] == [
        "Deleted other\\_video\\.csv and its 40 comments\\."]


def test_the_mapping_step_shows_the_first_rows_and_returns_the_choice() -> None:
    def page() -> None:
        import json

        import streamlit as st

        from pages.comment_files import choose_columns

        data = b"Kommentar,Nutzer,Daumen\n0:42 krass,anna,3\n1:05 ja,ben,1\n"
        st.session_state["chosen"] = json.dumps(choose_columns(data, "de.csv", "m",
                                                               "press **Import**"))

    app = AppTest.from_function(page, default_timeout=30).run()
    assert app.session_state["chosen"] == "null"  # no text column yet: nothing to import
    assert app.info[0].value.endswith("then press **Import**.")  # the step says what follows
    assert list(app.dataframe[0].value.iloc[0]) == ["0:42 krass", "anna", "3"]
    app.selectbox(key="m-text").select("Kommentar")
    app.selectbox(key="m-author").select("Nutzer").run()
    assert json.loads(app.session_state["chosen"]) == {"text": "Kommentar", "author": "Nutzer"}


def test_the_cli_imports_an_unknown_header_through_columns_and_says_which_became_what(
        tmp_path: Path, short_video: Path) -> None:
    from tests.test_cli import run_cli

    dump = tmp_path / "de.csv"
    dump.write_text("Kommentar,Nutzer\n0:01 krass,anna\n0:02 ja,ben\n")
    refused = run_cli("import", str(short_video), "--comments", str(dump),
                      home=tmp_path / "home")
    assert refused.returncode == 2 and "no text column" in refused.stderr
    done = run_cli("import", str(short_video), "--comments", str(dump), "--columns",
                   "text=Kommentar", "author=Nutzer", "--json", home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)["comment_import"]
    assert record["comments"] == 2 and record["columns"] == {"text": "Kommentar",
                                                             "author": "Nutzer"}
    table = run_cli("import", str(short_video), "--comments", str(dump), "--columns",
                    "text=Kommentar", home=tmp_path / "home")
    assert "columns: text=Kommentar" in table.stdout, table.stdout
    moments = json.loads(run_cli("moments", str(dump), "--columns", "text=Kommentar",
                                 "author=Nutzer", "--json", home=tmp_path / "home").stdout)
    assert moments["comments"] == 2 and moments["columns"]["author"] == "Nutzer"


def test_a_batch_imports_a_snake_case_export_and_says_which_column_became_what(
        tmp_path: Path, short_video: Path) -> None:
    """The issue's K-pop exports failed in ``batch`` ("no text column"); their authors were
    dropped where they got in."""
    from tests.test_batch import batch

    export = wrong_project_file(tmp_path)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"project,video,comments\nKpop,{short_video},{export}\n")
    done = batch(tmp_path / "home", manifest)
    assert done.returncode == 0, done.stderr + done.stdout
    [step] = [s for s in json.loads(done.stdout)["steps"] if s["step"] == "comments"]
    assert step["status"] == "done" and "comment_text → text" in step["detail"]
    store = Store(tmp_path / "home")
    [project] = store.list_projects()
    assert project.comments == 40
    assert len({c.author for c in store.top_comments(project.project.id, 100)}) == 40
