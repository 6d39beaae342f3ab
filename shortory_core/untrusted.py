"""Text that came from someone else (titles, project names, comments, authors), made safe for
where it is shown.

A fetched title or a comment is data, never markup or commands: in Streamlit it would be
Markdown (``![x](http://host/beacon.png)`` makes every visitor's browser fetch that URL), in
a terminal its escape sequences would move the cursor or retitle the window, in a spreadsheet
``=HYPERLINK(…)`` would run as a formula. Each function here neutralises one of those, and
keeps the text readable.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd

# C0 and C1 controls and DEL, except tab and newline (ESC starts terminal escape sequences).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Everything CommonMark or Streamlit's Markdown gives a meaning to, ":" included (":red[…]",
# ":material/…:" and emoji shortcodes), "$" (LaTeX) and "~" (strike-through).
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>:$~=])")
# What GitHub-flavoured Markdown links by itself: a scheme's "://", "www.", and e-mail's "@".
_AUTOLINK = re.compile(r"(?i)(://|\bwww\.|@)")
# Spreadsheet programs start a formula with these (tab and CR included: some strip them first).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def for_terminal(text: str) -> str:
    """``text`` without control characters (no escape sequence reaches the terminal)."""
    return _CONTROLS.sub("", text)


def for_markdown(text: str) -> str:
    """``text`` as literal text inside Streamlit Markdown (titles, captions, labels): every
    Markdown character escaped, controls dropped, line breaks kept as spaces. A web address
    in it stays plain text too: GitHub-flavoured Markdown would turn ``http://…`` and
    ``www.…`` into links by itself, so an invisible word joiner (U+2060) breaks the pattern."""
    flat = " ".join(for_terminal(text).split())
    flat = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + "\u2060" + m.group(0)[-1], flat)
    return _MARKDOWN.sub(r"\\\1", flat)


def for_plotly(text: str) -> str:
    """``text`` inside a Plotly label or hover, which reads a subset of HTML (``<a href>``
    included) and ``%{…}`` templates: shown as written, never as a tag or a template."""
    return html.escape(for_terminal(text), quote=False).replace("%{", "%\u200b{")


def for_spreadsheet(value: Any) -> Any:
    """A cell that a spreadsheet shows as text, never runs: a string starting like a formula
    gets a leading apostrophe (what Excel itself writes for text that looks like one)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and headers are all ``for_spreadsheet``-safe."""
    safe = frame.copy()
    safe.columns = [for_spreadsheet(str(c)) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(for_spreadsheet)
    return safe
