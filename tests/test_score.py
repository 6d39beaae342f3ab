"""The explained 0–100 score of a short, on the demo project (comments pointing at its five
events, eight viewers each watching part of it) and on a crowd without viewers."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from shortory_core.clips.library import SCORE_PARTS, clips_table
from shortory_core.highlights.score import Scorer, viewer_faces
from shortory_core.highlights.timeline import build_timeline
from shortory_core.records import ClipRecord, ClipStatus, Comment
from shortory_core.signals.mentions import extract_mentions
from shortory_core.signals.mentions_by_time import MentionsByTime
from shortory_core.signals.stored_mentions import project_mentions
from shortory_core.store import Store
from tests.test_highlights import synthetic


def demo_scorer(home: Path) -> Scorer:
    store = Store(home)
    project_id = store.demo_project_id()
    duration = store.get_video(project_id).duration
    return Scorer(build_timeline(store, project_id),
                  MentionsByTime(project_mentions(store, project_id, duration)),
                  viewer_faces(store, project_id, duration))


def test_the_demo_events_outscore_the_quiet_parts_and_say_why(demo_home: Path) -> None:
    scorer = demo_scorer(demo_home)
    jump_scare, lull = scorer.score(32.0, 52.0), scorer.score(20.0, 40.0)
    assert jump_scare.total >= 80 and lull.total <= 40
    assert set(jump_scare.parts) == {"comments", "authors", "expressing", "attention"}
    assert jump_scare.parts["comments"].points == 100  # the video's most commented 20 s
    assert jump_scare.why.startswith(f"{jump_scare.total}: 91 comments from 91 authors (")
    assert "2 of 2 viewers surprised" in jump_scare.why
    assert "of 4 viewers smiling" in scorer.score(55.0, 75.0).why  # the fall: laughter
    nobody = scorer.score(81.0, 101.0)  # no viewer watched past 72 s
    assert set(nobody.parts) == {"comments", "authors"}
    assert nobody.why.endswith("no viewer watched this part")
    meta = jump_scare.as_meta()
    assert meta["total"] == jump_scare.total and meta["parts"]["comments"]["value"] == 91


def test_scoring_every_candidate_is_fast_once_built(demo_home: Path) -> None:
    scorer = demo_scorer(demo_home)
    scorer.score(0.0, 20.0)  # this length's windows, made once
    began = time.perf_counter()
    for start in np.arange(0.0, 100.0, 0.5):
        scorer.score(float(start), float(start) + 20.0)
    assert (time.perf_counter() - began) / 200 < 0.005  # seconds per short


def test_without_viewers_a_short_scores_from_its_comments_alone() -> None:
    comments = [Comment(f"c{i}", f"{30 + i % 3}:00? no, 0:{30 + i % 5} is the moment",
                        f"@a{i % 4}") for i in range(12)]
    comments.append(Comment("chapters", "0:05 intro 0:31 best 1:10 end", "@a0"))
    timeline = synthetic({})
    for name in ("attention", "happy", "surprise", "sad", "angry", "neutral"):
        timeline.values[name] = np.full(len(timeline.t), np.nan)
    score = Scorer(timeline, MentionsByTime(extract_mentions(comments, 100.0))).score(25, 40)
    assert set(score.parts) == {"comments", "authors"} and score.total == 100
    # 13 comments point into the span (the chapter list once, however many lines it has):
    # no 15 s window holds more (the windows holding 0:30–0:34 tie with it, and say nothing)
    assert score.parts["comments"].value == 13 and score.parts["authors"].value == 4
    assert score.why == ("100: 13 comments from 4 authors (the most of any span), "
                         "no viewers: scored from the crowd alone")
    weaker = Scorer(timeline, MentionsByTime(extract_mentions(comments, 100.0))).score(0, 15)
    assert "the most of any span" not in weaker.why and weaker.total < 100


def test_clips_csv_has_the_score_and_one_column_per_part() -> None:
    scored = ClipRecord(1, 1, "happy", 10.0, 30.0, 0.4, "happy · 0:20", "exact",
                        ClipStatus.DONE, meta={"score": {"total": 82, "why": "82: …", "parts": {
                            "comments": {"points": 90, "value": 14, "why": "14 comments"}}}})
    plain = ClipRecord(2, 1, "sad", 40.0, 50.0, 0.2, "sad", "exact", ClipStatus.DONE)
    table = clips_table([scored, plain])
    assert table["score_100"].tolist()[0] == 82 and table["score_comments"][0] == 90
    assert all(f"score_{part}" in table for part in SCORE_PARTS)
    assert table["score_why"].tolist() == ["82: …", ""]
    assert table["score_attention"].isna().all() and np.isnan(table["score_100"][1])
