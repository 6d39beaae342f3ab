"""Plain-text results for a terminal: ``key: value`` lines and aligned tables.

A command's result is a dict. Without ``--json`` its scalars print as ``key: value`` lines
and each list of records (projects, jobs, moments, peaks…) as a table under its key, instead
of Python's dict text. Every cell is one line: text from others (titles, comments) is
flattened and stripped of control characters, long cells are cut at ``MAX_CELL`` characters,
numbers align right, and video times read as m:ss or h:mm:ss.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from shortory_core.timefmt import format_exact
from shortory_core.untrusted import for_terminal

MAX_CELL = 48
GAP = "  "
# Columns that hold video times or lengths in seconds: shown as m:ss or h:mm:ss, the way
# people read and type them (``--json`` keeps the seconds).
TIME_COLUMNS = frozenset({"time", "start", "end", "centre", "duration", "offset",
                          "peak_time"})


def format_result(result: Mapping[str, Any]) -> str:
    """The whole result: scalars as ``key: value``, nested dicts indented under their key,
    lists of records as tables."""
    lines: list[str] = []
    for key, value in result.items():
        if _records(value):
            lines += [""] * bool(lines) + [f"{key}:"]
            lines += ["  " + row for row in format_table(value).splitlines()]
        elif isinstance(value, Mapping) and value:
            lines += [f"{key}:", *(f"  {k}: {cell(v)}" for k, v in value.items())]
        else:
            shown = time_cell(value) if key in TIME_COLUMNS else cell(value)
            lines.append(f"{key}: {shown if value != [] else '(none)'}")
    return "\n".join(lines)


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as columns under a header (the keys in the order they first appear)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[time_cell(row.get(c)) if c in TIME_COLUMNS else cell(row.get(c))
              for c in columns] for row in rows]
    numeric = [all(_is_number(row.get(c)) for row in rows if row.get(c) is not None)
               for c in columns]
    widths = [max(_width(text) for text in (c, *(r[i] for r in cells)))
              for i, c in enumerate(columns)]
    lines = [GAP.join(_pad(c, w, right) for c, w, right in zip(columns, widths, numeric,
                                                                  strict=True))]
    lines += [GAP.join(_pad(text, w, right) for text, w, right in zip(row, widths, numeric,
                                                                       strict=True))
              for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def cell(value: Any) -> str:
    """One value as one short line."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = _number(value)
    elif isinstance(value, Mapping):
        text = ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    elif isinstance(value, list | tuple):
        text = ", ".join(cell(v) for v in value)
    else:
        text = str(value)
    flat = " ".join(for_terminal(text).split())
    return flat if len(flat) <= MAX_CELL else flat[:MAX_CELL - 1] + "…"


def time_cell(value: Any) -> str:
    """Seconds as ``m:ss`` or ``h:mm:ss`` (hundredths kept when there are any)."""
    return format_exact(float(value)) if _is_number(value) else cell(value)


def _number(value: float) -> str:
    """Up to three decimals, no trailing zeros: 120.0 → 120, 43.150000000000006 → 43.15."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _records(value: Any) -> bool:
    return (isinstance(value, list) and bool(value)
            and all(isinstance(row, Mapping) for row in value))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: wide (CJK, emoji) characters take two, combining
    marks none."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space
