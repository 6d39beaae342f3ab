"""The bulk scan (``colon_scan`` + ``mentions``) finds exactly what the character-level rules
of ``timestamps`` find, comment by comment, on texts built to hit every edge: ranges, clocks,
dates, Korean forms and durations, Unicode spaces, emoji, full-width forms, links."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from shortory_core.bench.comments import synthetic_comments
from shortory_core.records import Comment
from shortory_core.signals.mentions import extract_mentions
from shortory_core.signals.timestamps import find_times, normalise
from shortory_core.sources.comment_columns import read_comment_columns
from shortory_core.sources.comment_files import read_comment_file

PIECES = ["1", "2", "3", "0", "5", "6", "9", ":", ":", ":", " ", "-", "~", "–", "—", "to",
          "To", "am", "pm", " PM", "KST", "kst ", ".", ",", "/", "오후 ", "3시 ", "분", "초",
          "1시간 ", "a", "b", "x", "2024-05-01 ", "\u00a0", "p.m.", "m", "\t", "01/02/2024 ",
          "12", "345", "60", "59", "😂", "ㅋㅋ", '<a href="x&amp;t=5">0:05</a>', "  ", "동안",
          "１０：４３", "3분", "12분 30초", "전", "오전", "1234분", "ㅋ3분", "😂2분", "만에",
          "째", "\u00a0분", "a3분", "\u2009", "\u3000pm", "pm😂", "a\u00a0m", "PMㅋ",
          "            ", "\t\t\t\t\t\t\t"]


def by_rules(texts: list[str]) -> list[tuple]:
    found = []
    for index, text in enumerate(texts):
        for ref in find_times(normalise(text)):
            found.append((index, ref.seconds, ref.end, ref.form, text[ref.start:ref.stop]))
    return sorted(found)


def by_scan(texts: list[str]) -> list[tuple]:
    mentions = extract_mentions([Comment(str(i), t) for i, t in enumerate(texts)])
    return sorted((int(m.cid), m.seconds, m.end, m.form, m.text[m.at:m.stop])
                  for m in mentions)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_bulk_scan_finds_what_the_rules_find(seed: int) -> None:
    rng = random.Random(seed)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 16)))
             for _ in range(20_000)]
    expected = by_rules(texts)
    assert len(expected) > 10_000
    assert by_scan(texts) == expected


def test_the_bulk_scan_matches_the_rules_on_comments_like_real_ones() -> None:
    texts = [c.text for c in synthetic_comments(20_000)]
    assert by_scan(texts) == by_rules(texts)


def test_a_downloader_dump_reads_the_same_natively_and_in_python(tmp_path: Path) -> None:
    lines = [{"cid": f"c{i}", "text": f"{i % 9}:{i % 60:02d} wow 😂", "author": f"@u{i % 7}",
              "votes": ["3", "1.2K", "2M", "1,234", ""][i % 5], "reply": i % 4 == 0,
              "photo": "https://example.invalid/p.jpg", "time_parsed": 1.7e9}
             for i in range(3000)]
    lines += [{"cid": "c5", "text": "a duplicate id"}, {"cid": "c9999", "text": "   "}]
    path = tmp_path / "dump.json"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    native = read_comment_columns(path)
    python = read_comment_file(path)
    assert native.report.format == python.format == "youtube-comment-downloader JSON lines"
    assert native.comments == len(python.comments) == 3000
    assert native.report.records == python.records == 3002
    table = native.columns
    assert table.column("cid").to_pylist() == [c.cid for c in python.comments]
    assert table.column("likes").to_pylist() == [c.likes for c in python.comments]
    assert table.column("is_reply").to_pylist() == [c.is_reply for c in python.comments]
    assert table.column("text").to_pylist() == [c.text for c in python.comments]


def test_any_other_dump_falls_back_to_the_python_reader(tmp_path: Path) -> None:
    path = tmp_path / "dump.json"
    path.write_text('{"cid": "a", "text": "0:01 fine"}\nnot json\n{"cid": "b", "text": "0:02"}\n')
    read = read_comment_columns(path)
    assert read.comments == 2 and read.report.bad_records == 1
    assert sorted(m.seconds for m in extract_mentions(read.columns)) == [1, 2]
