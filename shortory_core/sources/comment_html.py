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

import pyarrow as pa
import pyarrow.compute as pc

# The markup YouTube writes in ``textDisplay``, and HTML entities: plain text seldom holds either.
_TAG_HINT = r"</?(?:a|b|i|s|u|br|span|strong|em|strike|del|p)\b[^<>]*>"
_ENTITY_HINT = r"&(?:[a-z]{2,8}|#[0-9]{1,7}|#x[0-9a-f]{1,6});"
HTML_HINT = f"(?i){_TAG_HINT}|{_ENTITY_HINT}"
# The texts of a downloader dump that its reader changes: those with a NUL, and those holding a
# "<" that ``clean_column`` converts (markup, or an entity anywhere in a text with a "<"; an
# entity in a text without one is kept as written). One RE2 pass over every text finds exactly
# them: finding "[\x00<]" first and then HTML_HINT among those cost twice as much, because a
# viewer's "<3" is common and none of those texts changes.
DUMP_TEXT_TO_CLEAN = f"(?is)\x00|{_TAG_HINT}|<.*{_ENTITY_HINT}|{_ENTITY_HINT}.*<"
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
