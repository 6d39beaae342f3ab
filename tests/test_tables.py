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
