"""Grouping mentions into moments, ranking them and turning them into clip spans."""

import pytest

from shortory_core.records import Comment, HeatPoint
from shortory_core.signals.comment_moments import (
    MomentOptions,
    extract_mentions,
    find_moments,
    like_weight,
    merge_clip_spans,
)
from shortory_core.signals.heatmap import heatmap_peaks


def comments_at(*items: tuple[str, str, int]) -> list[Comment]:
    """(text, author, likes) triples → comments with distinct ids."""
    return [Comment(cid=f"c{i}", text=t, author=a, likes=likes)
            for i, (t, a, likes) in enumerate(items)]


def moments_of(comments: list[Comment], duration: float | None = 600, **options):
    return find_moments(extract_mentions(comments, duration), duration, MomentOptions(**options))


def test_neighbouring_seconds_form_one_moment_centred_on_the_median() -> None:
    comments = comments_at(*[(f"0:{s:02d}", f"u{i}", 0)
                             for i, s in enumerate([41, 42, 42, 43, 43, 43, 44])])
    [moment] = moments_of(comments)
    assert moment.mentions == 7 and moment.centre == 43.0
    assert (moment.first, moment.last) == (41, 44)
    assert (moment.start, moment.end) == (33.0, 53.0)


def test_a_long_run_is_not_chained_into_one_moment() -> None:
    comments = comments_at(*[(f"1:{s:02d}", f"u{s}", 0) for s in range(0, 60, 2)])
    moments = moments_of(comments, top_k=20)
    assert len(moments) >= 5
    assert all(m.last - m.first <= 4 for m in moments)  # window 5 s: never wider


def test_score_counts_every_mention_and_ranks_by_it() -> None:
    comments = comments_at(
        *[("0:10", f"a{i}", 0) for i in range(3)],
        *[("2:00", f"b{i}", 0) for i in range(5)],
        *[("2:01 reply", f"c{i}", 0) for i in range(2)],
    )
    first, second = moments_of(comments)
    assert (first.centre, first.mentions, first.score) == (120.0, 7, 7.0)
    assert (second.centre, second.mentions, first.rank, second.rank) == (10.0, 3, 1, 2)


def test_replies_count_too() -> None:
    comments = [Comment("p", "great"), Comment("p.r1", "0:30 yes", "x", 0, True, "p"),
                Comment("p.r2", "0:31 yes", "y", 0, True, "p")]
    [moment] = moments_of(comments)
    assert moment.mentions == 2 and set(moment.comment_ids) == {"p.r1", "p.r2"}


def test_unique_authors_stops_one_person_from_winning() -> None:
    comments = comments_at(*[("0:05 0:05 0:05", "spammer", 0)] * 4,
                           *[(f"1:0{i % 3}", f"fan{i}", 0) for i in range(5)])
    assert moments_of(comments)[0].centre == 5.0  # 12 mentions beat 5
    top = moments_of(comments, unique_authors=True)
    assert top[0].centre == 61.0 and top[0].score == 5.0
    assert top[1].centre == 5.0 and top[1].score == 1.0


def test_like_weighting_lets_a_loved_comment_count_more() -> None:
    comments = comments_at(("0:20", "a", 0), ("0:20", "b", 0), ("1:30", "c", 5000))
    assert moments_of(comments)[0].centre == 20.0
    weighted = moments_of(comments, like_weighted=True)
    assert weighted[0].centre == 90.0
    assert weighted[0].score == pytest.approx(like_weight(5000))
    assert like_weight(0) == 1.0 and like_weight(1200) < 9


def test_top_k_padding_clamping_and_merging() -> None:
    comments = comments_at(*[(t, f"u{i}{t}", 0) for i in range(3) for t in
                             ("0:03", "0:30", "0:40", "9:55")],
                           ("5:00", "solo", 0))
    moments = moments_of(comments, duration=600, top_k=4, pad=10)
    assert [m.mentions for m in moments] == [3, 3, 3, 3]
    by_centre = {m.centre: m for m in moments}
    assert (by_centre[3.0].start, by_centre[3.0].end) == (0.0, 13.0)  # clamped at 0
    assert by_centre[595.0].end == 600.0  # clamped at the end
    spans = merge_clip_spans(moments)
    assert [(s.start, s.end) for s in spans] == [(0.0, 13.0), (20.0, 50.0), (585.0, 600.0)]
    assert sorted(spans[1].moments) == sorted(by_centre[c].rank for c in (30.0, 40.0))


def test_ranges_extend_the_clip_to_where_viewers_say_it_ends() -> None:
    comments = comments_at(*[("1:00-1:25 the whole bit", f"u{i}", 0) for i in range(3)])
    [moment] = moments_of(comments, pad=10)
    assert moment.centre == 60.0 and moment.end == 85.0


def test_best_comments_are_the_most_liked() -> None:
    comments = comments_at(("0:10 meh", "a", 1), ("0:10 THE BEST", "b", 900),
                           ("0:11 good", "c", 50), ("0:10 ok", "d", 3))
    [moment] = moments_of(comments)
    assert [c.snippet for c in moment.top_comments] == ["0:10 THE BEST", "0:11 good", "0:10 ok"]
    assert moment.likes == 954


@pytest.mark.parametrize("duration", [None, 0.0, 30.0])
def test_empty_and_degenerate_inputs(duration: float | None) -> None:
    assert moments_of([], duration) == []
    assert moments_of(comments_at(("no time here", "a", 0)), duration) == []
    assert moments_of(comments_at(("0:10", "a", 0)), duration, top_k=0) == []
    [only] = moments_of(comments_at(("0:10", "a", 0)), duration)
    assert only.start == 0.0 and only.end == (20.0 if not duration else min(20.0, duration))


def test_heatmap_peaks_by_prominence() -> None:
    values = [0.9, 0.8, 0.3, 0.2, 1.0, 0.25, 0.2, 0.6, 0.2, 0.1]
    points = [HeatPoint(i * 10.0, (i + 1) * 10.0, v) for i, v in enumerate(values)]
    peaks = heatmap_peaks(points, prominence=0.1, top_k=5)
    assert [p.time for p in peaks] == [45.0, 5.0, 75.0]
    assert heatmap_peaks(points[:2]) == []
