"""A comment dump stored while it is read (``store.comment_stream``): the project holds the
same comments in the same order, with the same record and time references, as when the dump
is read whole, wherever the chunks' edges fall; a stretch Arrow cannot parse sends the file
to the Python reader and it is stored once; a failure on either side (a full disk among
them) leaves no project, no comment and no file. The texts are the fixture export's comments
(``tests/fixtures/comments``)."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from shortory_core.errors import SourceError, StoreError
from shortory_core.projects import add_comment_file, import_record, import_summary
from shortory_core.records import (
    Comment,
    CommentColumns,
    CommentReader,
    CommentSink,
    MentionSet,
    ProjectDraft,
)
from shortory_core.signals.dump_mentions import dump_mentions
from shortory_core.signals.mentions import extract_mentions
from shortory_core.signals.stored_mentions import all_mentions, pack
from shortory_core.sources.comment_columns import read_comment_columns
from shortory_core.store import Store
from shortory_core.store.stored_comments import ImportWriter
from tests.conftest import stored_comments
from tests.test_dump_mentions import as_tuples, fixture_lines, write


def chunked(path: Path, chunk_bytes: int = 300) -> CommentReader:
    """The import's reader (``projects.dump_reader``), with chunks small enough that a
    fixture-sized dump comes in dozens."""
    def read(sink: CommentSink) -> tuple[dict, MentionSet]:
        found = dump_mentions(path, chunk_bytes=chunk_bytes, sink=sink)
        return import_record(found, path.name, None), pack(found.mentions, found.comments)
    return read


def commit(store: Store, tmp_path: Path, read: CommentReader) -> tuple[int, ProjectDraft]:
    staging = store.root / "staging" / "p"
    staging.mkdir(parents=True)
    draft = ProjectDraft("p", staging, comment_reader=read)
    return store.commit_project(draft), draft


def as_read_whole(path: Path) -> list[Comment]:
    return [Comment(*row) for row in read_comment_columns(path).columns.rows()]


def nothing_stored(store: Store) -> bool:
    with store.reading() as conn:
        return not any(conn.execute(f"SELECT 1 FROM {table}").fetchone()
                       for table in ("projects", "comments", "comment_imports"))


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    return write(tmp_path / "dump.json", fixture_lines(400))


def test_a_dump_stored_in_chunks_holds_what_reading_it_whole_gives(
        store: Store, tmp_path: Path, dump: Path) -> None:
    project_id, draft = commit(store, tmp_path, chunked(dump))
    whole = read_comment_columns(dump)
    assert stored_comments(store, project_id) == as_read_whole(dump)  # ids given twice: once
    record = draft.imports[-1]
    assert record["comments"] == record["added"] == len(whole.columns) < 400
    assert record["records"] == 400 and record["replies"] == whole.columns.replies
    repeated = 400 - record["skipped"] - record["comments"]
    assert repeated > 0 and (f"{repeated} records repeating an earlier comment's id, counted "
                             "once") in import_summary(record)
    assert store.mentions(project_id) is not None  # stored with the project, not redone
    assert as_tuples(all_mentions(store, project_id)) == as_tuples(
        extract_mentions(whole.columns))
    assert store.comment_imports(project_id)[0].report == record
    assert [p.name for p in (store.project_media_dir(project_id) / "comments").iterdir()] == [
        "import-1.parquet"]  # one file per import, nothing left half-written


def test_a_new_project_reads_its_dump_as_it_is_committed(store: Store, tmp_path: Path,
                                                         dump: Path) -> None:
    staging = store.root / "staging" / "p"
    staging.mkdir(parents=True)
    draft = ProjectDraft("p", staging)
    add_comment_file(draft, dump, dump.name)
    assert not draft.imports  # nothing read yet
    project_id = store.commit_project(draft)
    assert stored_comments(store, project_id) == as_read_whole(dump)
    assert draft.imports[-1]["file"] == "dump.json"


def test_a_stretch_arrow_cannot_parse_sends_the_file_to_the_python_reader_once(
        store: Store, tmp_path: Path) -> None:
    lines = fixture_lines(400)
    lines[300] = '{"cid": "bad", "text": "cut sho'  # not JSON, after many chunks went in
    path = write(tmp_path / "dump.json", lines)
    project_id, draft = commit(store, tmp_path, chunked(path))
    assert stored_comments(store, project_id) == as_read_whole(path)
    assert draft.imports[-1]["skipped"] == 1


def test_a_reader_failing_half_way_leaves_nothing(store: Store, tmp_path: Path,
                                                  dump: Path) -> None:
    class Failing:
        def __init__(self, sink: CommentSink) -> None:
            self.sink, self.chunks = sink, 0

        def add(self, comments: object) -> None:
            self.chunks += 1
            if self.chunks == 5:
                raise SourceError("Cannot read dump.json: Input/output error.")
            self.sink.add(comments)  # type: ignore[arg-type]

        def discard(self) -> None:
            self.sink.discard()

        def end(self) -> None:
            self.sink.end()

    def read(sink: CommentSink) -> tuple[dict, MentionSet]:
        return chunked(dump)(Failing(sink))

    with pytest.raises(SourceError, match="Input/output"):
        commit(store, tmp_path, read)
    assert nothing_stored(store)
    assert (store.root / "staging" / "p").is_dir()  # the draft's files stay with the caller
    assert not (store.root / "staging" / "p" / "comments").exists()


def test_a_write_failing_half_way_stops_the_reader_and_leaves_nothing(
        store: Store, tmp_path: Path, dump: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written, handed = [], []
    add = ImportWriter.add

    def failing(self: ImportWriter, comments: CommentColumns) -> int:
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(1)
        return add(self, comments)

    def read(sink: CommentSink) -> tuple[dict, MentionSet]:
        class Counting:
            def add(self, comments: object) -> None:
                handed.append(1)
                sink.add(comments)  # type: ignore[arg-type]

            def discard(self) -> None:
                sink.discard()

            def end(self) -> None:
                sink.end()
        return chunked(dump)(Counting())

    monkeypatch.setattr(ImportWriter, "add", failing)
    with pytest.raises(StoreError, match="is full"):  # said as the store says it
        commit(store, tmp_path, read)
    assert nothing_stored(store)
    assert not (store.root / "staging" / "p" / "comments").exists()
    chunks = len(json.dumps(fixture_lines(400))) // 300
    assert len(handed) < chunks / 2  # stopped, not read to the end


def test_a_full_disk_refuses_the_import_and_leaves_no_file(store: Store, dump: Path) -> None:
    """The comments' file is /dev/full, which takes no byte ("No space left on device")."""
    project_id = store.create_project("p")
    comments = store.project_media_dir(project_id) / "comments"
    comments.mkdir()
    (comments / "import-1.parquet.part").symlink_to("/dev/full")
    with pytest.raises(StoreError, match="is full"):
        store.add_comment_file(project_id, chunked(dump))
    assert not any(comments.iterdir())
    assert store.comment_imports(project_id) == [] and store.comment_count(project_id) == 0


def test_comments_added_to_a_project_keep_its_earlier_ones(store: Store, tmp_path: Path,
                                                          dump: Path) -> None:
    project_id = store.create_project("p")
    first = store.add_comment_file(project_id, chunked(dump))
    again = store.add_comment_file(project_id, chunked(dump, 1 << 20))
    assert first["added"] == first["comments"] and again["added"] == 0
    assert stored_comments(store, project_id) == as_read_whole(dump)
    assert [i.comments for i in store.comment_imports(project_id)] == [0, first["added"]]
