"""Real exports' columns: pandas' bare CRs, every family of column names, a user's mapping."""

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from shortory_core.errors import SourceError
from shortory_core.sources.comment_columns import read_comment_columns
from shortory_core.sources.comment_files import preview_columns, read_comment_file
from shortory_core.sources.comment_headers import parse_mapping, recognise
from shortory_core.sources.comment_html import html_to_text

FIXTURES = Path(__file__).parent / "fixtures" / "comments"


def real_texts() -> list[str]:
    """The fixture export's comment texts, as a viewer reads them."""
    with (FIXTURES / "data_api_comments.csv").open(newline="", encoding="utf-8") as file:
        return [html_to_text(row["textDisplay"]) for row in csv.DictReader(file)]


def pandas_export(records: int, cut: int, columns: list[str]) -> tuple[pd.DataFrame, bytes]:
    """An export written the way the issue's was: a DataFrame of real texts through
    ``to_csv``, ``cut`` of its texts holding one bare CR (which pandas leaves unquoted)."""
    texts = real_texts()
    one_line = [t for t in texts if "\n" not in t]  # a line feed would get the text quoted
    rows = []
    for i in range(records):
        text = texts[i % len(texts)]
        if i % (records // cut) == 3 and i // (records // cut) < cut:
            words = one_line[i % len(one_line)].split(" ")
            text = " ".join(words[:2]) + "\r" + " ".join(words[2:])
        rows.append({"comment_id": f"Ugz{i}", "author_name": f"@viewer{i % 997}",
                     "comment_text": text, "like_count": i % 40,
                     "published_at": f"2025-03-{1 + i % 28:02d}T10:00:00Z"})
    frame = pd.DataFrame(rows)[columns]
    return frame, frame.to_csv(index=False).encode()


def test_a_pandas_export_with_bare_crs_imports_every_text_whole(tmp_path: Path) -> None:
    """The issue's export: 4,701 records, 44 texts cut at a bare CR. Each is one comment again,
    CR kept, and the report counts the rejoined rows."""
    frame, data = pandas_export(4701, 44, ["comment_id", "author_name", "like_count",
                                           "published_at", "comment_text"])
    split = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert data.count(b"\r") == 44 and len(split) == 1 + 4701 + 44  # the bug, as the issue saw
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    read = read_comment_columns(path, path.name)
    assert read.comments == read.report.records == 4701
    assert read.report.bad_records == 0 and read.report.rejoined == 44
    assert read.columns.column("text").to_pylist() == frame["comment_text"].tolist()
    assert read.columns.column("author").to_pylist() == frame["author_name"].tolist()
    assert read.columns.column("published").to_pylist() == frame["published_at"].tolist()
    assert "44 rows rejoined" in read.report.summary()


def test_a_cr_in_a_middle_text_column_and_several_crs_in_one_text() -> None:
    texts = [*real_texts(), "one\rtwo\rthree 1:02", "blank line\r\rafter 0:30"]
    frame = pd.DataFrame({"commentId": [f"c{i}" for i in range(len(texts))],
                          "textOriginal": texts, "likeCount": range(len(texts)),
                          "authorDisplayName": ["a", "b", "c", "d", "e", "f", "g", "h"]})
    report = read_comment_file(frame.to_csv(index=False).encode(), "e.csv")
    assert [c.text for c in report.comments] == texts
    assert [c.likes for c in report.comments] == list(range(len(texts)))
    assert report.rejoined == 4 and report.bad_records == 0


def test_a_one_column_csv_is_never_joined() -> None:
    report = read_comment_file(b"comment\n0:01 a\n0:02 b\n", "one.csv")
    assert [c.text for c in report.comments] == ["0:01 a", "0:02 b"] and not report.rejoined


@pytest.mark.parametrize(("header", "expected"), [
    (["comment_text", "author_name", "published_at", "like_count", "comment_id", "parent_id",
      "reply_count"],
     {"text": "comment_text", "author": "author_name", "published": "published_at",
      "likes": "like_count", "id": "comment_id", "parent": "parent_id"}),
    (["textDisplay", "textOriginal", "authorDisplayName", "publishedAt", "likeCount", "id",
      "parentId", "totalReplyCount"],
     {"text": "textDisplay", "author": "authorDisplayName", "published": "publishedAt",
      "likes": "likeCount", "id": "id", "parent": "parentId"}),
    (["text_display", "Author Name", "PublishedAt", "likes"],
     {"text": "text_display", "author": "Author Name", "published": "PublishedAt",
      "likes": "likes"}),
    (["snippet.topLevelComment.snippet.textOriginal",
      "snippet.topLevelComment.snippet.authorDisplayName",
      "snippet.topLevelComment.snippet.likeCount", "snippet.topLevelComment.id"],
     {"text": "snippet.topLevelComment.snippet.textOriginal",
      "author": "snippet.topLevelComment.snippet.authorDisplayName",
      "likes": "snippet.topLevelComment.snippet.likeCount",
      "id": "snippet.topLevelComment.id"}),
    (["cid", "text", "time", "author", "votes", "reply"],
     {"id": "cid", "text": "text", "published": "time", "author": "author",
      "likes": "votes", "reply": "reply"}),
])
def test_column_name_families(header: list[str], expected: dict[str, str]) -> None:
    assert recognise(header) == expected


def test_snake_case_export_keeps_authors_and_times() -> None:
    """The K-pop exports' shape: every author kept (one vote per author depends on it)."""
    frame, data = pandas_export(300, 3, ["comment_id", "comment_text", "author_name",
                                         "like_count", "published_at"])
    report = read_comment_file(data, "kpop.csv")
    assert len({c.author for c in report.comments}) == 300
    assert [c.published for c in report.comments] == frame["published_at"].tolist()
    assert report.columns == {"text": "comment_text", "author": "author_name",
                              "likes": "like_count", "published": "published_at",
                              "id": "comment_id"}


def test_an_unknown_header_is_read_through_a_mapping() -> None:
    texts = real_texts()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Kommentar", "Nutzer", "Daumen", "Wann"])
    writer.writerows([t, f"u{i}", str(i), f"2025-01-0{i + 1}"] for i, t in enumerate(texts))
    data = buffer.getvalue().encode()
    with pytest.raises(SourceError, match="no text column"):
        read_comment_file(data, "de.csv")
    preview = preview_columns(data, "de.csv", rows=2)
    assert preview is not None and preview.header == ["Kommentar", "Nutzer", "Daumen", "Wann"]
    assert preview.rows[0][0] == texts[0] and len(preview.rows) == 2 and preview.found == {}
    mapping = parse_mapping(["text=Kommentar", "author=Nutzer", "likes=Daumen",
                             "published=Wann"])
    report = read_comment_file(data, "de.csv", mapping)
    assert [c.text for c in report.comments] == texts
    assert [c.likes for c in report.comments] == list(range(len(texts)))
    assert report.comments[2].author == "u2" and report.columns == mapping
    with pytest.raises(SourceError, match="no column 'Text'"):
        read_comment_file(data, "de.csv", {"text": "Text"})


def test_json_lines_of_other_tools_are_read_by_their_keys() -> None:
    """Scrapers write JSON lines in snake_case or the API's camelCase too."""
    texts = real_texts()
    lines = [{"comment_id": f"s{i}", "comment_text": t, "author_name": f"@a{i}",
              "like_count": i, "published_at": f"2025-01-0{i + 1}", "reply_count": 2}
             for i, t in enumerate(texts[:3])]
    lines.append({"commentId": "c9", "textOriginal": texts[3], "authorDisplayName": "@b",
                  "likeCount": "1.2K", "parentId": "s0", "publishedAt": "2025-02-01"})
    data = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    report = read_comment_file(data, "scraped.jsonl")
    assert [c.text for c in report.comments] == texts[:4] and report.bad_records == 0
    assert [c.author for c in report.comments] == ["@a0", "@a1", "@a2", "@b"]
    assert report.comments[3].parent_cid == "s0" and report.comments[3].likes == 1200
    assert report.comments[1].published == "2025-01-02"


def test_a_header_without_rows_is_refused_when_it_is_chosen_not_after_the_upload() -> None:
    header = b"id,parentId,authorDisplayName,textDisplay,likeCount,publishedAt\r\n"
    with pytest.raises(SourceError, match=r"header_only\.csv has a header and no comments"):
        preview_columns(header, "header_only.csv")
    with pytest.raises(SourceError):  # the import says the same kind of thing
        read_comment_file(header, "header_only.csv")
    cut = header + b'x1,,ann,"a text whose quote the preview\'s bytes cut'
    assert preview_columns(cut, "cut.csv") is not None  # a cut first record is not "empty"
