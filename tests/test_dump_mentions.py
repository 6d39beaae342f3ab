"""A comment dump read a chunk at a time gives exactly what reading it whole gives: the same
references of the same comments, the same counts and the same moments, wherever the chunks'
edges fall (inside a comment, inside a multibyte character, inside a time), with a last line
cut short, and with a chunk far smaller than the file. The texts are the fixture export's
comments (``tests/fixtures/comments``)."""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

import pyarrow as pa
import pytest

from shortory_core.cli import main
from shortory_core.signals.chapters import votes
from shortory_core.signals.comment_moments import find_moments
from shortory_core.signals.dump_mentions import DumpMentions, dump_mentions
from shortory_core.signals.mentions import Mentions, extract_mentions
from shortory_core.sources.comment_columns import downloader_chunks, read_comment_columns
from shortory_core.sources.comment_files import read_comment_file
from shortory_core.sources.comment_html import clean_column

FIXTURE = Path(__file__).parent / "fixtures" / "comments" / "data_api_threads.json"
TIME = re.compile(r"\b\d{1,2}:\d\d\b")
TIME_AT_EDGE = "1:02:33"


def fixture_lines(count: int, seed: int = 7) -> list[str]:
    """Downloader JSON lines of the fixture's comments, their times moved about, with a time
    of hours (``TIME_AT_EDGE``), Korean, a reply and an id given twice among them."""
    rng = random.Random(seed)
    texts = [TIME.sub(lambda _: f"{rng.randint(0, 30)}:{rng.randint(0, 59):02d}", c.text)
             for c in read_comment_file(FIXTURE).comments for _ in range(5)]
    texts += [f"{TIME_AT_EDGE} 이 장면 😂 최고", "3분 15초 ㅋㅋ", "１０：４３ full width"]
    lines = []
    for i in range(count):
        text = rng.choice(texts)
        cid = f"c{i % (count - 3)}" + (".r1" if i % 11 == 0 else "")  # the last 3 repeat ids
        lines.append(json.dumps({"cid": cid, "text": text, "author": f"@a{i % 13}",
                                 "votes": rng.choice(["0", "12", "1.2K"]),
                                 "reply": i % 11 == 0, "time": "2 days ago"},
                                ensure_ascii=False))
    return lines


def write(path: Path, lines: list[str], tail: str = "\n") -> Path:
    path.write_text("\n".join(lines) + tail, encoding="utf-8")
    return path


def as_tuples(mentions: Mentions) -> list[tuple]:
    return [(m.cid, m.seconds, m.end, m.form, m.at, m.stop, m.author, m.likes, m.is_reply,
             m.text) for m in mentions]


def assert_same(streamed: DumpMentions, path: Path, duration: float | None = None) -> None:
    read = read_comment_columns(path)
    whole = extract_mentions(read.columns, duration)
    assert as_tuples(streamed.mentions) == as_tuples(whole)
    assert streamed.comments == read.comments and streamed.replies == read.columns.replies
    assert streamed.report == read.report


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("dump") / "dump.json", fixture_lines(400))


def test_whatever_the_chunk_size_the_references_are_those_of_the_whole_file(
        dump: Path) -> None:
    size = dump.stat().st_size
    for chunk_bytes in (1, 97, 1000, 4096, size - 1, size, 10 * size):
        streamed = dump_mentions(dump, chunk_bytes=chunk_bytes, duration=1500)
        assert_same(streamed, dump, duration=1500)
    assert len(streamed.mentions) > 400


def test_chunk_edges_inside_a_multibyte_character_and_inside_a_time(dump: Path) -> None:
    data = dump.read_bytes()
    inside_time = data.index(TIME_AT_EDGE.encode()) + len("1:0")  # "1:0|2:33"
    emoji = data.index("😂".encode())
    assert data[inside_time - 3:inside_time + 4] == TIME_AT_EDGE.encode()
    for edge in (emoji + 1, emoji + 2, emoji + 3):
        with pytest.raises(UnicodeDecodeError):
            data[:edge].decode("utf-8")  # the edge splits the character
    for edge in (inside_time, emoji + 1, emoji + 2, emoji + 3):
        assert_same(dump_mentions(dump, chunk_bytes=edge), dump)


def test_a_last_line_cut_short_is_skipped_and_said_so(tmp_path: Path) -> None:
    lines = fixture_lines(60)
    cut = write(tmp_path / "cut.json", [*lines, lines[5][:40]], tail="")
    for chunk_bytes in (50, 1 << 20):
        streamed = dump_mentions(cut, chunk_bytes=chunk_bytes)
        assert streamed.report.records == 61 and streamed.report.bad_records == 1
        assert streamed.report.reasons == {"not valid JSON": 1}
        assert streamed.report.problems == ["line 61: not valid JSON (the file ends inside it)"]
        assert_same(streamed, cut)
    whole = dump_mentions(write(tmp_path / "whole.json", lines))
    assert as_tuples(streamed.mentions) == as_tuples(whole.mentions)
    unended = write(tmp_path / "unended.json", lines, tail="")  # a whole last line, no "\n"
    assert dump_mentions(unended, chunk_bytes=64).comments == whole.comments


def test_a_chunk_far_smaller_than_the_file_holds_a_few_lines_and_gives_the_same_moments(
        dump: Path) -> None:
    chunk_bytes = 2048
    longest = max(len(line) for line in dump.read_bytes().splitlines())
    chunks = list(downloader_chunks(dump, chunk_bytes))
    assert len(chunks) > dump.stat().st_size // (chunk_bytes + longest)
    assert all(chunk.records <= (chunk_bytes + longest) // 60 for chunk in chunks)
    small = votes(dump_mentions(dump, chunk_bytes=chunk_bytes).mentions)
    whole = votes(extract_mentions(read_comment_columns(dump).columns))
    assert [(m.centre, m.score, m.comment_ids, [c.text for c in m.top_comments])
            for m in find_moments(small)] == \
        [(m.centre, m.score, m.comment_ids, [c.text for c in m.top_comments])
         for m in find_moments(whole)]


def test_an_id_given_again_in_a_later_chunk_counts_once_its_first_time(
        tmp_path: Path) -> None:
    first = '{"cid": "same", "text": "0:10 first", "author": "a", "votes": "1"}'
    again = '{"cid": "same", "text": "0:20 again", "author": "b", "votes": "1"}'
    blank = '{"cid": "", "text": "0:30 an empty id", "author": "c", "votes": "1"}'
    path = write(tmp_path / "twice.json", [first, blank, *fixture_lines(30), again, blank])
    streamed = dump_mentions(path, chunk_bytes=len(first) + 1)
    assert_same(streamed, path)
    assert [m.seconds for m in streamed.mentions if m.cid == "same"] == [10]
    assert [m.seconds for m in streamed.mentions if m.cid == ""] == [30]
    once = write(tmp_path / "once.json", [first, blank])
    assert_same(dump_mentions(once, chunk_bytes=64), once)
    assert dump_mentions(once).comments == 2


def test_other_formats_are_read_whole_with_the_same_result(tmp_path: Path) -> None:
    csv = Path(__file__).parent / "fixtures" / "comments" / "data_api_comments.csv"
    assert_same(dump_mentions(csv, chunk_bytes=10), csv)
    lines = fixture_lines(20)  # a bad line inside: the Python reader reads and reports it
    bad = write(tmp_path / "bad.json", [*lines[:10], "{not json", *lines[10:]])
    streamed = dump_mentions(bad, chunk_bytes=100)
    assert streamed.report.bad_records == 1
    assert_same(streamed, bad)


def test_the_cli_ranks_a_dump_read_in_chunks(dump: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture) -> None:
    assert main(["--data-dir", str(tmp_path / "home"), "moments", str(dump), "--duration",
                 "1500", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    read = read_comment_columns(dump)
    whole = votes(extract_mentions(read.columns, 1500))
    assert result["comments"] == read.comments < 400  # ids given twice count once
    assert result["votes"] == len(whole)
    assert [m["centre"] for m in result["moments"]] == [m.centre for m in
                                                         find_moments(whole, 1500)]


def test_a_nul_and_html_in_a_text_are_cleaned_as_when_read_whole(tmp_path: Path) -> None:
    odd = ['{"cid": "n", "text": "at 1:05\\u0000wow", "author": "a", "votes": "1"}',
           '{"cid": "h", "text": "<b>2:10</b> &amp; <3", "author": "b", "votes": "1"}']
    path = write(tmp_path / "odd.json", [*fixture_lines(20), *odd])
    streamed = dump_mentions(path, chunk_bytes=256)
    assert_same(streamed, path)
    texts = {m.cid: m.text for m in streamed.mentions}
    assert texts["n"] == "at 1:05 wow" and texts["h"] == "2:10 & <3"


def test_the_chunked_reader_cleans_exactly_the_texts_with_a_nul_or_a_lt(tmp_path: Path) -> None:
    """Texts as YouTube writes them (the fixture export's ``textDisplay``: links, tags,
    entities) and the cases around them: a text with a ``<`` (``<3`` too) or a NUL is
    cleaned, any other is kept as written, an entity included. The reader finds those texts
    in one pass of ``DUMP_TEXT_TO_CLEAN``; each must come out as cleaning it alone gives."""
    with (FIXTURE.parent / "data_api_comments.csv").open(newline="", encoding="utf-8") as file:
        texts = [row["textDisplay"] for row in csv.DictReader(file)]
    texts += ["<3 love 1:23", "&amp; alone 0:12", "<3 then &amp; 1:00", "&#39;x&#39; <3",
              "A &AMP; b\n<3", "nul\x00here 3:00", "nul\x00<b>bold</b>", "<B>LOUD</B> 2:00",
              "a <br> b", "x < y & z", "<a href='u'>1:02</a>\n&lt;3", "3분 15초 <3"]
    lines = [json.dumps({"cid": f"c{i}", "text": text, "votes": "1"}, ensure_ascii=ascii_)
             for ascii_ in (False, True) for i, text in enumerate(texts)]
    dump = write(tmp_path / "dump.json", lines)
    read = [t for chunk in downloader_chunks(dump, 1 << 10)
            for t in chunk.columns.column("text").to_pylist()]
    expected = [clean_column(pa.array([t.replace("\x00", " ")])).to_pylist()[0]
                if "<" in t or "\x00" in t else t for t in texts] * 2
    assert read == expected
    assert read[texts.index("&amp; alone 0:12")] == "&amp; alone 0:12"
    assert read[texts.index("<3 then &amp; 1:00")] == "<3 then & 1:00"
