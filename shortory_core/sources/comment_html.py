"""Comment text as text: the YouTube Data API's ``textDisplay`` HTML turned into what a viewer
reads.

``textDisplay`` is HTML: ``<b>``/``<i>``/``<s>`` for styling, ``<br>`` for a line break, entities
(``&amp;``, ``&#39;``) for characters, and an ``<a href="…&t=62">1:02</a>`` anchor around every
timestamp and link. Shortory shows comments in tables, snippets, ``clips.csv`` and burned-in
captions, where markup is noise, so comments are converted once where they enter (the import)
and, for stores written before that, where they are read back (``clean_column``). Line breaks
are kept (a chapter list is one entry per line); a link becomes its visible words, which for a
timestamp anchor is the ``1:02`` the timestamp rules read.

Text from other sources (youtube-comment-downloader, a plain CSV) is plain already and is only
converted when it carries YouTube's markup or an entity (``HTML_HINT``): a viewer's ``<3`` stays.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# The markup YouTube writes in ``textDisplay``, and HTML entities: plain text seldom holds either.
_TAG_HINT = r"</?(?:a|b|i|s|u|br|span|strong|em|strike|del|p)\b[^<>]*>"
_ENTITY_HINT = r"&(?:[a-z]{2,8}|#[0-9]{1,7}|#x[0-9a-f]{1,6});"
HTML_HINT = f"(?i){_TAG_HINT}|{_ENTITY_HINT}"
# The texts of a downloader dump that its reader changes: those with a NUL, and those holding a
# "<" that ``clean_column`` converts (markup, or an entity anywhere in a text with a "<"; an
# entity in a text without one is kept as written). ``dump_texts_to_clean`` finds them.
DUMP_TEXT_TO_CLEAN = f"(?is)\x00|{_TAG_HINT}|<.*{_ENTITY_HINT}|{_ENTITY_HINT}.*<"
_TAG_START = np.zeros(256, bool)  # what may follow "<" in a tag: "/" or a letter
_TAG_START[list(b"/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")] = True
_ENTITY_START = _TAG_START.copy()  # what may follow "&" in an entity: "#" or a letter
_ENTITY_START[[ord("/"), ord("#")]] = False, True
_ENTITY_REACH = 9  # "&" then at most nine bytes: "#x" and six hex digits, or eight letters, and ";"
_HINT = re.compile(HTML_HINT)
_BREAK = re.compile(r"(?i)<br\s*/?>|</p\s*>|<p\b[^<>]*>")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_CARRIAGE = re.compile(r"\r\n?")


def html_to_text(markup: str) -> str:
    """``textDisplay`` HTML as plain text: ``<br>`` (and paragraphs) become line breaks, every
    other tag is dropped with its words kept (an anchor becomes its label), entities are
    decoded, no-break spaces become spaces, and a carriage return (alone or before a line
    feed, as CSV exports hold them) is a line break."""
    text = _TAG.sub("", _BREAK.sub("\n", _CARRIAGE.sub("\n", markup)))
    return html.unescape(text).replace("\u00a0", " ").strip()


def comment_text(text: str) -> str:
    """Text from a source that may or may not be HTML, as plain text (unchanged when plain)."""
    return html_to_text(text) if _HINT.search(text) else text


def clean_column(texts: pa.Array) -> pa.Array:
    """A column of comment texts with the HTML ones converted (``comment_text``); only those
    rows are touched in Python, so a million plain comments cost one native scan."""
    marked = pc.fill_null(pc.match_substring_regex(texts, HTML_HINT), False)
    if not pc.any(marked).as_py():
        return texts
    converted = [html_to_text(t) for t in texts.filter(marked).to_pylist()]
    return pc.replace_with_mask(texts, marked, pa.array(converted, texts.type))


def dump_texts_to_clean(texts: pa.Array) -> np.ndarray:
    """Which of a large-string column's texts ``DUMP_TEXT_TO_CLEAN`` matches. RE2 reads every
    byte of every text, and a viewer's "<3" is common; one NumPy pass finds the few NULs,
    "<" and "&" instead, and RE2 reads only the texts that hold a NUL, or a "<" with a tag
    or an entity that may start there (a superset of the matches: a link's "&lang=en" beside
    a "<3" is no entity, having no ";")."""
    _, offsets, data = texts.buffers()
    bounds = np.frombuffer(offsets, np.int64)[texts.offset:texts.offset + len(texts) + 1]
    odd = np.zeros(len(texts), bool)
    if data is None or not len(texts):
        return odd
    buf = np.frombuffer(data, np.uint8)[:bounds[-1]]
    marked = buf == 0
    marked |= buf == ord("<")
    marked |= buf == ord("&")
    marks = np.flatnonzero(marked)
    marks = marks[marks >= bounds[0]]
    if not len(marks):
        return odd
    kind, following = buf[marks], buf[np.minimum(marks + 1, len(buf) - 1)]
    lt = kind == ord("<")
    sure = marks[(kind == 0) | (lt & _TAG_START[following])]  # a NUL; a "<" before a tag name
    entity = marks[_entity_starts(buf, marks, kind, following)]
    rows = np.searchsorted(bounds, np.concatenate([sure, entity]), side="right") - 1
    entity_rows = rows[len(sure):]  # an entity counts where its text also holds a "<"
    lts = marks[lt]
    with_lt = (np.searchsorted(lts, bounds[entity_rows + 1])
               > np.searchsorted(lts, bounds[entity_rows]))
    maybe = np.zeros(len(texts), bool)
    maybe[rows[:len(sure)]] = True
    maybe[entity_rows[with_lt]] = True
    rows = np.flatnonzero(maybe)
    if len(rows):
        matched = pc.match_substring_regex(texts.take(pa.array(rows, pa.int64())),
                                           DUMP_TEXT_TO_CLEAN)
        odd[rows] = pc.fill_null(matched, False).to_numpy(zero_copy_only=False)
    return odd



def _entity_starts(buf: np.ndarray, marks: np.ndarray, kind: np.ndarray,
                   following: np.ndarray) -> np.ndarray:
    """Which ``marks`` may start an entity: an "&" before "#" or a letter, with a ";" among
    the ``_ENTITY_REACH`` bytes after it (the longest entity ``_ENTITY_HINT`` takes)."""
    maybe = (kind == ord("&")) & _ENTITY_START[following]
    at = marks[maybe]
    ahead = buf[np.minimum(at[:, None] + np.arange(1, _ENTITY_REACH + 1), len(buf) - 1)]
    maybe[maybe] = (ahead == ord(";")).any(axis=1)
    return maybe
