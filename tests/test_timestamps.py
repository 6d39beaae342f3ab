"""The timestamp extractor: every accepted and rejected form, and properties over all seconds."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shortory_core.records import Comment
from shortory_core.signals.comment_moments import extract_mentions


def found(text: str, duration: float | None = None) -> list[tuple[int, int | None, str]]:
    """The references of one comment, as the app finds them."""
    return [(m.seconds, m.end, m.form)
            for m in extract_mentions([Comment(cid="c", text=text)], duration)]


@pytest.mark.parametrize(("text", "expected"), [
    ("10:43 legend", [(643, None, "colon")]),
    ("0:05", [(5, None, "colon")]),
    ("1:02:33 the ending", [(3753, None, "colon")]),
    ("75:30 still going", [(4530, None, "colon")]),
    ("120:00", [(7200, None, "colon")]),
    ("0:42 and 1:05 and 2:10:09", [(42, None, "colon"), (65, None, "colon"),
                                   (7809, None, "colon")]),
    ("3:15-3:40 best part", [(195, 220, "range")]),
    ("3:15 ~ 3:40", [(195, 220, "range")]),
    ("3:15 to 3:40", [(195, 220, "range")]),
    ("3:40-3:15", [(220, None, "colon"), (195, None, "colon")]),  # backwards: two mentions
    ('<a href="https://www.youtube.com/watch?v=abc&amp;t=754">12:34</a> wow',
     [(754, None, "anchor")]),
    ('<a href="https://youtu.be/abc?t=1h2m3s">1:02:03</a>', [(3723, None, "anchor")]),
    ('<a href="https://example.org">2:00</a>', [(120, None, "colon")]),
    ("3분 15초 ㅋㅋ", [(195, None, "korean")]),
    ("1시간 2분 3초", [(3723, None, "korean")]),
    ("3분에 나와요", [(180, None, "korean")]),
    ("１０：４３ 최고", [(643, None, "colon")]),
    ("(4:20)", [(260, None, "colon")]),
    ("@user 0:42!!!", [(42, None, "colon")]),
])
def test_accepted_forms(text: str, expected: list) -> None:
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "1:2:33", "2:1", "16:9", "3:75", "1:75:00", "1:02:3", "12345:67", "1.5:30",
    "오후 3:15", "오전 10:30", "3:15 PM", "3:15pm", "at 10:30am", "10:30 a.m.", "9:00 KST",
    "2024-05-01 10:30", "12/05/2025 3:15", "3시 15분", "오후 3시 15분", "3분 동안 웃었다",
    "3분 전에", "15초", "1시간", "1시간 75분", "3분 75초", "great video", "", ":::::",
])
def test_rejected_forms(text: str) -> None:
    assert found(text) == []


def test_duration_bounds_mentions_and_zero_means_unknown() -> None:
    assert found("0:42 and 5:43", duration=120) == [(42, None, "colon")]
    assert found("1:50-2:30", duration=120) == [(110, None, "colon")]  # range end cut
    assert found("5:43", duration=0) == [(343, None, "colon")]
    assert found("5:43", duration=None) == [(343, None, "colon")]


def cpu_seconds(text: str) -> float:
    """The extractor's CPU time on ``text``, best of five: the thread's own time, so a busy
    machine (which delays the thread, not its work) does not move it much."""
    best = float("inf")
    for _ in range(5):
        started = time.thread_time()
        found(text)
        best = min(best, time.thread_time() - started)
    return best


PATHOLOGICAL = {  # a pattern that backtracks would take quadratic time or worse on these
    "colons": lambda size: ":" * size,
    "digits and colons": lambda size: "1:" * (size // 2),
    "every byte": lambda size: (bytes(range(256)).decode("latin-1") * (size // 256 + 1))[:size],
    "mention after mention": lambda size: " ".join(["0:42"] * (size // 5)),
}


def test_pathological_inputs_stay_fast_and_sane() -> None:
    assert found(":" * 10_000) == []
    assert found("1:" * 5_000) == []
    assert isinstance(found(PATHOLOGICAL["every byte"](10_240)), list)
    assert len(found(PATHOLOGICAL["mention after mention"](10_000))) == 2000
    # Fast, against the same extractor on ordinary comments of the same length, measured here
    # (an absolute limit would fail on a slow machine): each costs little more, and four times
    # the text costs about four times as much (linear; quadratic would be 16 times).
    ordinary = ("great video, the best part is 0:42 when he falls lol " * 200)[:10_000]
    baseline = cpu_seconds(ordinary)
    for name, make in PATHOLOGICAL.items():
        small, large = cpu_seconds(make(10_000)), cpu_seconds(make(40_000))
        assert small < 50 * baseline, (name, small, baseline)
        assert large < 8 * small, (name, small, large)


def format_colon(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_long_minutes(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def format_korean(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}시간 {minutes}분" if hours else f"{minutes}분"
    return text + (f" {secs}초" if secs else "")


def format_full_width(seconds: int) -> str:
    return format_colon(seconds).translate(str.maketrans("0123456789:", "０１２３４５６７８９："))


def format_anchor(seconds: int) -> str:
    return (f'<a href="https://www.youtube.com/watch?v=abcdefghijk&amp;t={seconds}">'
            f"{format_colon(seconds)}</a>")


FORMATS = [format_colon, format_long_minutes, format_korean, format_full_width, format_anchor]
words = st.sampled_from(["", "lol ", "the best part ", "ㅋㅋ ", "who's here for "])


@settings(max_examples=400, deadline=None)
@given(seconds=st.integers(0, 99 * 3600), form=st.sampled_from(FORMATS), before=words,
       after=words)
def test_any_second_in_any_form_comes_back_exactly(seconds: int, form, before: str,
                                                   after: str) -> None:
    if form is format_korean and seconds < 60:
        seconds += 60  # a bare "15초" is deliberately not a position
    if form is format_long_minutes and seconds >= 1000 * 60:
        seconds %= 1000 * 60  # minutes are written with at most three digits
    text = f"{before}{form(seconds)} {after}"
    assert [seconds for seconds, _, _ in found(text)] == [seconds]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="0123456789:분초시간 -~aPM오후<>\x00", max_size=30),
                max_size=12))
def test_batch_scan_matches_one_comment_at_a_time(texts: list[str]) -> None:
    comments = [Comment(cid=str(i), text=t) for i, t in enumerate(texts)]
    batch = [(m.cid, m.seconds, m.end) for m in extract_mentions(comments, None)]
    single = [(c.cid, m.seconds, m.end) for c in comments for m in extract_mentions([c])]
    assert batch == single
