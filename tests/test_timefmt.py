"""Video time typed by people: every time field and time option reads what the charts write."""

import argparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shortory_core import validate as v
from shortory_core.timefmt import format_seconds, parse_seconds


@pytest.mark.parametrize(("typed", "seconds"), [
    ("73", 73.0), ("73.5", 73.5), ("1:13", 73.0), ("1:02:33", 3753.0),
    ("1:02:33.5", 3753.5), (" 0:05 ", 5.0), ("75:00", 4500.0), ("3:50:00", 13_800.0),
])
def test_seconds_m_ss_and_h_mm_ss_are_read(typed: str, seconds: float) -> None:
    assert parse_seconds(typed) == seconds


@pytest.mark.parametrize("typed", ["1:2:33", "1:5", "1:75", "1:02:60", "-5", "-0:05", "nan",
                                   "inf", "1e3", "", ":", "1:", ":30", "1:02:", "1:2:3:4",
                                   "0x10", "1,5", "1:30.", "١:٣٠", "9" * 400])
def test_malformed_negative_and_non_finite_times_are_refused_with_the_forms_to_write(
        typed: str) -> None:
    with pytest.raises(ValueError, match=r"is not a time: write seconds, m:ss or h:mm:ss"):
        parse_seconds(typed)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 200 * 3600))
def test_what_format_seconds_writes_reads_back_to_the_second(whole: int) -> None:
    assert parse_seconds(format_seconds(whole)) == whole


@settings(max_examples=300, deadline=None)
@given(st.floats(0, 200 * 3600, allow_nan=False))
def test_a_written_time_is_the_nearest_second(seconds: float) -> None:
    assert parse_seconds(format_seconds(seconds)) == round(seconds)


@pytest.mark.parametrize(("option", "typed", "seconds"), [
    (v.OFFSET_FORWARD, "2:41:07", 9667.0), (v.OFFSET_FORWARD, "64", 64.0),
    (v.OFFSET, "-1:30", -90.0), (v.OFFSET, "-12.5", -12.5), (v.SPAN_TIME, "10:43.2", 643.2),
])
def test_cli_time_options_take_clock_times_and_plain_seconds(
        option: v.Range, typed: str, seconds: float) -> None:
    assert option(typed) == seconds


@pytest.mark.parametrize(("option", "typed"), [
    (v.OFFSET_FORWARD, "-5"), (v.SPAN_TIME, "1:2:33"), (v.OFFSET, "--5"), (v.OFFSET, "nan"),
    (v.OFFSET, "25:00:00"), (v.SPAN_TIME, "-0:01"),
])
def test_cli_time_options_refuse_what_is_not_a_time_in_range(option: v.Range,
                                                              typed: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"--\w+ must be a time .*m:ss"):
        option(typed)
