"""Comments counted honestly: text not HTML, snippets that keep lines and times whole, chapter
lists as chapters rather than votes, one ranking for the crowd page and the studio, and
comment rates that read per second."""

import json
from pathlib import Path

import numpy as np
import pytest

from shortory_core.charts.crowd import crowd_figure
from shortory_core.highlights.peaks import PeakOptions, find_highlights, fused_score
from shortory_core.highlights.timeline import build_timeline
from shortory_core.records import Chapter, Comment
from shortory_core.signals.chapters import chapter_lists, chapter_markers, votes
from shortory_core.signals.comment_moments import MomentOptions, extract_mentions, find_moments
from shortory_core.signals.stored_mentions import project_chapters, project_mentions
from shortory_core.sources.comment_columns import read_comment_columns
from shortory_core.sources.comment_files import read_comment_file
from shortory_core.store import Store
from shortory_core.timefmt import format_seconds

EXPORTS = Path(__file__).parent / "fixtures" / "comments"
MARKUP = ("<a ", "<b>", "<br", "<i>", "&amp;", "&#39;", "&lt;")

CHAPTER_LIST = """TIMESTAMPS (you're welcome)
0:00 Intro
1:23 Opening statements
4:05 First question - the economy
6:50 Rebuttal
10:02 Healthcare
12:57 The "no comment" walk-off
15:30 Audience question #1
18:24 Foreign policy
21:30 Climate
24:50 Second rebuttal
28:10 Lightning round
31:02 Closing statements
33:40 Moderator wraps up
35:05 Post-debate spin room
"""


@pytest.mark.parametrize("name", ["data_api_threads.json", "data_api_comments.csv"])
def test_data_api_html_becomes_text_with_its_lines_and_anchors_their_times(name: str) -> None:
    comments = {c.cid: c for c in read_comment_file(EXPORTS / name).comments}
    assert all(not any(m in c.text for m in MARKUP) for c in comments.values())
    assert comments["UgxA1"].text == "12:57 he really said that 'no comment' & walked off 😂"
    assert comments["UgxA2"].text == "The whole bit from 12:55 to the end of the answer\nis gold"
    assert comments["UgxA4"].text == "source: https://example.com/debate?id=7&lang=en <3"
    assert comments["UgxA3"].text.splitlines()[1:3] == ["0:00 Intro", "1:23 Opening statements"]
    found = {(m.cid, m.seconds) for m in extract_mentions(list(comments.values()))}
    assert {("UgxA1", 777), ("UgxA2", 775), ("UgxA2.r1", 779), ("UgxA5", 412),
            ("UgxA5", 413)} <= found  # every anchor's time, read from its label


def test_a_plain_dump_keeps_its_hearts_and_converts_stray_html(tmp_path: Path) -> None:
    dump = tmp_path / "dump.json"
    rows = [{"cid": "a", "text": "I <3 this & that at 0:42", "author": "x", "votes": "1"},
            {"cid": "b", "text": "0:43 <b>so</b> good<br>really", "author": "y", "votes": "2"}]
    dump.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    texts = read_comment_columns(dump).columns.column("text").to_pylist()
    assert texts == ["I <3 this & that at 0:42", "0:43 so good\nreally"]


def test_comments_stored_as_html_before_read_back_as_text(store: Store) -> None:
    project_id = store.create_project("old")
    store.add_comments(project_id, [Comment(
        "old1", '<a href="https://www.youtube.com/watch?v=x&amp;t=62">1:02</a> he didn&#39;t'
                "<br><b>wow</b>", "z", 5)])
    [mention] = project_mentions(store, project_id)
    assert (mention.seconds, mention.text) == (62, "1:02 he didn't\nwow")
    assert mention.snippet == "1:02 he didn't / wow"


def snippet_of(text: str, seconds: int) -> str:
    return next(m.snippet for m in extract_mentions([Comment("c", text)])
                if m.seconds == seconds)


def test_snippets_keep_lines_apart_and_times_whole() -> None:
    assert snippet_of("omg\n1:02\nthe face", 62) == "omg / 1:02 / the face"
    long = ("I have watched this debate three times now and every single time the part at "
            "45:32 gets me, the moderator just stares at him for a full ten seconds and says "
            "nothing at all")
    shown = snippet_of(long, 45 * 60 + 32)
    assert "45:32" in shown and shown.startswith("… ") and shown.endswith(" …")
    words = set(long.split())
    assert all(w in words for w in shown.strip("… ").split())  # no word cut in half
    assert snippet_of(long.replace(" 45:32 ", "\n45:32\n"), 45 * 60 + 32).count("45:32") == 1
    edge = "x" * 70 + " 1:45:32"
    assert snippet_of(edge, 6332).endswith("1:45:32")


def test_a_chapter_list_adds_chapters_and_feeds_no_moment() -> None:
    fans = [Comment(f"f{i}", f"{t} the walk-off 😂", f"fan{i}", 3)
            for i, t in enumerate(["12:57", "12:58", "12:57", "12:59"])]
    lists = [Comment("list", CHAPTER_LIST, "helper", 900),
             Comment("list2", CHAPTER_LIST.replace("Intro", "Start"), "helper2", 10)]
    mentions = extract_mentions([*fans, *lists], duration=2400)
    assert len(mentions) == 4 + 2 * 14
    options = MomentOptions(top_k=10)
    counted = find_moments(votes(mentions), 2400, options)
    assert [(m.centre, m.mentions) for m in counted] == [(777.5, 4)]
    assert len(find_moments(mentions, 2400, options)) == 10  # what one list did before
    [best, other] = chapter_lists(mentions)
    assert best.cid == "list" and [e.title for e in best.entries][:4] == [
        "Intro", "Opening statements", "First question - the economy", "Rebuttal"]
    assert best.entries[5].title == 'The "no comment" walk-off'
    markers = chapter_markers([Chapter(0.0, 80.0, "Cold open")], [best, other])
    assert [(m.seconds, m.title, m.source) for m in markers[:2]] == [
        (0.0, "Cold open", "video"), (83.0, "Opening statements", "comments")]
    assert len(markers) == 14  # the second list repeats the first: no double markers


def test_times_in_one_sentence_or_a_repeated_time_are_still_votes() -> None:
    comments = [Comment("a", "1:02 then 2:05 then 3:10 then 4:20 then 5:30 all great", "a"),
                Comment("b", "0:05\n0:05\n0:05\n0:05\n0:05\n0:05", "b")]
    mentions = extract_mentions(comments)
    assert len(votes(mentions)) == len(mentions) == 11


def add_chapters_and_a_spread_moment(store: Store, project_id: int) -> None:
    """A chapter list whose lines land on the demo's busiest seconds, and six viewers naming
    one moment over six seconds (the crowd's #1 once one vote per author is chosen)."""
    chapters = "\n".join(f"{format_seconds(s)} part {i}" for i, s in
                         enumerate([0, 19, 43, 66, 92, 110]))
    store.add_comments(project_id, [
        Comment("chapters", "Chapters:\n" + chapters, "@chaptermaker", 5000),
        *[Comment(f"spread{i}", f"{format_seconds(100 + i)} the ending", f"@six{i}", 12)
          for i in range(6)]])


def test_crowd_and_studio_rank_comment_moments_alike(demo_copy: Path) -> None:
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    add_chapters_and_a_spread_moment(store, project_id)
    duration = store.get_video(project_id).duration
    mentions = project_mentions(store, project_id, duration)
    assert "chapters" not in {m.cid for m in mentions}
    timeline = build_timeline(store, project_id)
    for unique in (False, True):
        crowd = find_moments(mentions, duration, MomentOptions(top_k=5, unique_authors=unique))
        options = PeakOptions(top_k=3, comment_votes=MomentOptions(unique_authors=unique))
        studio = [p for p in find_highlights(timeline, options, mentions)
                  if p.kind == "comments"]
        assert crowd[0].centre in [p.time for p in studio]
        assert [p.time for p in studio] == [m.centre for m in crowd[:3]]
        assert studio[0].score == 1.0 and all(0 < p.score <= 1 for p in studio)
    markers = project_chapters(store, project_id, duration)
    assert [m.title for m in markers] == [f"part {i}" for i in range(6)]
    figure = crowd_figure(mentions, crowd, bin_seconds=2, duration=duration, chapters=markers)
    assert "chapters" in [t.name for t in figure.data]


def test_the_comment_rate_reads_per_second_and_integrates_to_the_mentions(
        demo_copy: Path) -> None:
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    duration = store.get_video(project_id).duration
    mentions = project_mentions(store, project_id, duration)
    timeline = build_timeline(store, project_id)
    rate = timeline["comments"]
    assert rate.sum() * timeline.step == pytest.approx(len(mentions))
    assert rate.max() < len(mentions) / 5  # ~350 mentions no longer read "350 / s"
    busiest = np.bincount(mentions.seconds).max()  # one second's mentions, spread over 5 s
    assert rate.max() <= busiest  # a second's mentions over 5 s cannot read more
    comments_only = fused_score(timeline, {"comments": 1.0}, window=20)
    assert np.nanmax(comments_only) == pytest.approx(1.0)
    top = find_moments(mentions, duration, MomentOptions(top_k=1))[0]
    assert abs(timeline.t[np.nanargmax(comments_only)] - top.centre) <= 3
