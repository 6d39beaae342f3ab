"""The comment-dump bench is built from the fixture export's real comments at a real export's
line length, and runs at any size ``SHORTORY_BENCH_COMMENTS`` asks for."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from shortory_core.bench import comment_dump
from shortory_core.bench.comments import DUMP_LINE_BYTES, FIXTURE_COMMENTS, TIMED_SHARE, dump_lines
from shortory_core.records import Comment
from shortory_core.signals.mentions import extract_mentions
from shortory_core.sources.comment_files import read_comment_file


def test_the_dump_is_made_of_the_fixture_comments_at_a_real_exports_length() -> None:
    lines = list(dump_lines(5000))
    records = [json.loads(line) for line in lines]
    assert abs(np.mean([len(line.encode()) for line in lines]) / DUMP_LINE_BYTES - 1) < 0.1
    words = {w for c in read_comment_file(FIXTURE_COMMENTS).comments for w in c.text.split()}
    assert all(w in words or re.fullmatch(r"[\d:]+", w)  # a fixture word, or a time moved
               for r in records for w in r["text"].split())
    mentions = extract_mentions([Comment(r["cid"], r["text"]) for r in records])
    named = len(np.unique(mentions.owner)) / len(records)
    assert abs(named - TIMED_SHARE) < 0.05


def test_the_bench_measures_each_side_at_the_size_asked_for(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTORY_BENCH_COMMENTS", "300")
    text = comment_dump.run()
    assert text.startswith("== comment dump → moments (300 comments")
    for side, _ in comment_dump._SIDES:
        assert side in text
    assert "target (moments)" in text and "target (import)" in text
