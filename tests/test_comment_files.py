"""Every comment importer, on small files written in the real formats."""

import codecs
import csv
import io
import json
from pathlib import Path

import pytest

from shortory_core.errors import SourceError
from shortory_core.sources.comment_files import (
    comment_from_downloader,
    parse_likes,
    read_comment_file,
)

DOWNLOADER_LINES = [
    {"cid": "UgxAAA", "text": "10:43 legend", "time": "2 years ago", "author": "@ann",
     "channel": "UC1", "votes": "1.2K", "replies": "3", "photo": "", "heart": True,
     "reply": False, "time_parsed": 1.7e9},
    {"cid": "UgxAAA.8zR", "text": "@ann 10:44 yes!", "time": "1 year ago", "author": "@bob",
     "channel": "UC2", "votes": "", "replies": "", "photo": "", "heart": False, "reply": True},
    {"cid": "UgxBBB", "text": "3분 15초 ㅋㅋ", "author": "@cho", "votes": "1.5만", "reply": False},
]


def _jsonl(records: list, extra_lines: tuple[str, ...] = ()) -> bytes:
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(extra_lines)
    return ("\n".join(lines) + "\n").encode()


def test_downloader_json_lines_with_bom_and_malformed_lines() -> None:
    data = b"\xef\xbb\xbf" + _jsonl(DOWNLOADER_LINES, ('{"cid": "x", "text"', "[1, 2]", ""))
    report = read_comment_file(data, "dump.json")
    assert report.format == "youtube-comment-downloader JSON lines"
    assert [c.cid for c in report.comments] == ["UgxAAA", "UgxAAA.8zR", "UgxBBB"]
    assert report.records == 5 and report.bad_records == 2
    assert report.problems[0].startswith("line 4")
    first, reply, korean = report.comments
    assert (first.likes, first.is_reply, first.author) == (1200, False, "@ann")
    assert (reply.is_reply, reply.parent_cid, reply.likes) == (True, "UgxAAA", 0)
    assert korean.likes == 15000 and korean.text == "3분 15초 ㅋㅋ"


def _api_thread(thread_id: str, text: str, likes: int, replies: list[tuple[str, str]]) -> dict:
    return {
        "kind": "youtube#commentThread", "id": thread_id,
        "snippet": {
            "videoId": "dQw4w9WgXcQ", "totalReplyCount": len(replies),
            "topLevelComment": {
                "kind": "youtube#comment", "id": thread_id,
                "snippet": {"textDisplay": text, "textOriginal": "plain", "likeCount": likes,
                            "authorDisplayName": "@ann", "publishedAt": "2024-01-01T00:00:00Z"},
            },
        },
        "replies": {"comments": [
            {"kind": "youtube#comment", "id": f"{thread_id}.{rid}",
             "snippet": {"textDisplay": rtext, "parentId": thread_id, "likeCount": 0,
                         "authorDisplayName": "@bob"}}
            for rid, rtext in replies
        ]},
    }


def test_youtube_api_json_turns_html_into_text_and_links_replies() -> None:
    anchor = ('<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=754">12:34</a> '
              "the drop")
    page = {"kind": "youtube#commentThreadListResponse",
            "items": [_api_thread("T1", anchor, 42, [("r1", "so true")]),
                      _api_thread("T2", "nice", 1, []),
                      {"kind": "youtube#commentThread", "snippet": {"topLevelComment": 5}},
                      ]}
    report = read_comment_file(json.dumps([page, page]).encode(), "export.json")
    assert report.format == "YouTube Data API JSON"
    assert [c.cid for c in report.comments] == ["T1", "T1.r1", "T2"]  # pages deduplicated
    top, reply, _ = report.comments
    assert top.text == "12:34 the drop" and top.likes == 42
    assert reply.is_reply and reply.parent_cid == "T1"
    assert report.bad_records == 2  # the broken thread, once per page


def test_youtube_api_csv_reads_the_html_text_display_as_text() -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "parentId", "authorDisplayName", "textDisplay", "textOriginal",
                     "likeCount", "publishedAt"])
    writer.writerow(["C1", "", "@ann", '<a href="…&amp;t=65">1:05</a> fall', "1:05 fall", "7",
                     "2024"])
    writer.writerow(["C1.r", "C1", "@bob", "yes, with a comma", "yes", "0", "2024"])
    writer.writerow(["broken", "row"])
    report = read_comment_file(out.getvalue().encode("utf-8-sig"), "comments.csv")
    assert report.format == "YouTube Data API CSV"
    assert report.comments[0].text == "1:05 fall"
    assert report.comments[1].parent_cid == "C1" and report.comments[1].is_reply
    assert report.bad_records == 1


def test_plain_csv_with_a_text_column_and_semicolons() -> None:
    data = b"User;Comment;Likes\nann;0:42 wow;1,234\nbob;;3\ncho;great;2.5K\n"
    report = read_comment_file(data, "mine.csv")
    assert report.format == "CSV"
    assert [(c.author, c.text, c.likes) for c in report.comments] == [
        ("ann", "0:42 wow", 1234), ("cho", "great", 2500)]
    assert report.bad_records == 1
    again = read_comment_file(data, "mine.csv")  # ids are stable across imports
    assert [c.cid for c in again.comments] == [c.cid for c in report.comments]


def test_mixed_encodings_keep_every_line() -> None:
    data = _jsonl(DOWNLOADER_LINES[:1]) + '{"cid": "w", "text": "café 0:10"}\n'.encode("cp1252")
    report = read_comment_file(data)
    assert [c.text for c in report.comments] == ["10:43 legend", "café 0:10"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf  \n\n", "empty"),
        (b"\x00\x01\x02binary\xff" * 50, "binary"),
        (b"name,score\nann,3\n", "no text column"),
        (b'{"foo": 1}\n{"bar": 2}\n', "no usable comment"),
        (b"text\n\n", "no usable comment"),
    ],
)
def test_unusable_files_get_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read_comment_file(data, "f")


@pytest.mark.parametrize(
    ("raw", "likes"),
    [("1.2K", 1200), ("3M", 3_000_000), ("1,234", 1234), ("", 0), (None, 0), ("many", 0),
     (17, 17), ("2.5천", 2500), ("1.5만", 15000), (" 12 ", 12), (True, 0), (-3, 0)],
)
def test_like_counts(raw: object, likes: int) -> None:
    assert parse_likes(raw) == likes


def test_downloader_item_without_text_is_rejected() -> None:
    with pytest.raises(ValueError):
        comment_from_downloader({"cid": "x", "text": "  "})


# -- exports shaped like the real ones -------------------------------------------------------

def api_csv_rows(count: int) -> list[list[str]]:
    """Rows of a YouTube Data API CSV export: HTML texts with line breaks (CRLF, LF and lone
    CR), doubled quotes, commas, emoji and Korean, replies pointing at their parent."""
    texts = [
        'Line one <a href="https://www.youtube.com/watch?v=x&amp;t={t}">{m}:{s:02d}</a><br>'
        'second line\r\nthird "quoted" line',
        "multi\rline with a lone CR at {m}:{s:02d}",
        "plain, with a comma",
        "한국어 {m}분 {s}초 최고",
        "emoji 😂\n\nparagraph",
    ]
    rows = []
    for i in range(count):
        t = i % 300
        text = texts[i % len(texts)].format(t=t, m=t // 60, s=t % 60)
        rows.append([f"Ugx{i}", f"Ugx{i - 1}" if i % 7 == 1 else "", f"@user{i}", text,
                     str(i % 50), "2024-01-01T00:00:00Z"])
    return rows


def api_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["id", "parentId", "authorDisplayName", "textDisplay", "likeCount",
                     "publishedAt"])
    writer.writerows(rows)
    return buffer.getvalue()


def test_a_data_api_csv_with_line_breaks_inside_fields_imports_every_comment(
        tmp_path: Path) -> None:
    rows = api_csv_rows(4745)
    path = tmp_path / "export.csv"
    path.write_bytes(api_csv(rows).encode("utf-8"))
    report = read_comment_file(path, path.name)
    assert len(report.comments) == report.records == 4745 and report.bad_records == 0
    texts = [c.text for c in report.comments]
    assert texts[:2] == ['Line one 0:00\nsecond line\nthird "quoted" line',
                         "multi\nline with a lone CR at 0:01"]  # every line kept, as text
    assert texts[4::5] == ["emoji 😂\n\nparagraph"] * (len(rows) // 5)
    assert report.replies == sum(1 for r in rows if r[1])
    assert report.comments[8].parent_cid == "Ugx7" and report.format == "YouTube Data API CSV"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom", "utf-32", "utf-8-sig"])
def test_unicode_exports_are_read_from_their_byte_order_mark(encoding: str) -> None:
    """Excel's "Unicode text" is UTF-16 LE with a BOM and tabs; other tools write the rest."""
    text = api_csv(api_csv_rows(300), delimiter="\t")
    data = (codecs.BOM_UTF16_BE + text.encode("utf-16-be") if encoding == "utf-16-be-bom"
            else text.encode(encoding))
    report = read_comment_file(data, "export.txt")
    assert len(report.comments) == 300 and report.bad_records == 0
    assert report.comments[3].text == "한국어 0분 3초 최고"
    assert report.encoding.startswith(encoding[:6].replace("utf-8-", "utf-8"))


def test_json_lines_keep_unicode_line_separators_inside_texts() -> None:
    """U+2028, U+0085 and a lone CR may stand raw inside a JSON string; only a line feed ends a
    record of youtube-comment-downloader's JSON lines."""
    texts = ["1:02 a\u2028b", "2:03 c\x85d", "3:04 e\rf", "4:05 plain"]
    data = "\n".join(json.dumps({"cid": f"c{i}", "text": t}, ensure_ascii=False)
                     for i, t in enumerate(texts)).encode()
    report = read_comment_file(data, "dump.json")
    assert [c.text for c in report.comments] == texts and report.bad_records == 0


def test_binary_without_nul_bytes_is_refused() -> None:
    noise = bytes(range(1, 256)) * 200
    with pytest.raises(SourceError, match="binary file"):
        read_comment_file(noise, "photo.jpg")


def test_skipped_records_are_counted_by_reason() -> None:
    data = (b"text,author\n\"0:01 fine\",a\n\"\",b\n\"too\",\"many\",\"fields\"\n"
            b"\"0:02 also fine\",c\n\"\",d\n")
    report = read_comment_file(data, "c.csv")
    assert len(report.comments) == 2 and report.bad_records == 3
    assert report.reasons == {"empty text": 2, "wrong number of fields": 1}
    assert "3 records skipped (2 empty text, 1 wrong number of fields)" in report.summary()


def test_the_import_report_is_kept_with_the_project(store, short_video: Path,
                                                    tmp_path: Path) -> None:
    from tests.conftest import run_job

    rows = [*api_csv_rows(50), ["late", "", "@x", "9:59 after the end", "0", ""]]
    path = tmp_path / "export.csv"
    path.write_bytes(api_csv(rows).encode("utf-16"))
    job = run_job(store, "import", {"video": str(short_video), "comments": str(path)})
    assert job.status == "done", job.error
    [record] = [i.report for i in store.comment_imports(job.result["project_id"])]
    assert record["comments"] == record["added"] == 51 and record["encoding"] == "utf-16-le"
    assert 0 < record["past_end"] < record["timestamps"]  # the video is 3 s long
    assert "past the video's end" in job.message  # what the user sees when it finishes
