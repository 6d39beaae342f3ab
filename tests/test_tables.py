"""Plain-text results: aligned tables whose cells are one safe, short line."""

from shortory_core.tables import MAX_CELL, format_result, format_table


def test_columns_align_with_wide_characters_and_numbers_to_the_right() -> None:
    table = format_table([{"n": 5, "title": "短い 😂", "share": 0.5},
                          {"n": 120, "title": "plain", "share": 43.150000000000006}])
    header, first, second = table.splitlines()
    assert header.split() == ["n", "title", "share"]
    assert first.startswith("  5  短い 😂  ") and second.startswith("120  plain    ")
    assert first.endswith("  0.5") and second.endswith("43.15")


def test_cells_are_one_line_without_control_characters_and_cut_short() -> None:
    table = format_table([{"text": "line one\nline \x1b[31mtwo" + "x" * 100, "none": None,
                           "ok": True, "ids": ["a", "b"]}])
    row = table.splitlines()[1]
    assert "\x1b" not in table and "\n" not in row.strip()
    assert "line one line [31mtwo" in row and "…" in row and "a, b" in row and "yes" in row
    assert len(row.split("  ")[0]) == MAX_CELL


def test_a_result_prints_scalars_nested_dicts_and_tables() -> None:
    text = format_result({"project_id": 1, "video": {"path": "v.mp4", "fps": 25.0},
                          "peaks": [], "moments": [{"rank": 1}]})
    assert text.splitlines() == ["project_id: 1", "video:", "  path: v.mp4", "  fps: 25",
                                 "peaks: (none)", "", "moments:", "  rank", "     1"]


def test_video_times_read_as_people_write_them() -> None:
    text = format_result({"duration": 13_810.0, "peaks": [
        {"time": 19.55, "start": 9.55, "end": 29.55, "score": 0.9},
        {"time": 3723.5, "start": 3713.5, "end": 3733.5, "score": 0.5}]})
    lines = text.splitlines()
    assert lines[0] == "duration: 3:50:10"
    assert lines[4].split() == ["0:19.55", "0:09.55", "0:29.55", "0.9"]
    assert lines[5].split() == ["1:02:03.5", "1:01:53.5", "1:02:13.5", "0.5"]
