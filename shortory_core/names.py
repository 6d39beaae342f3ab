"""Names people type (projects, viewers, profiles), normalised by one rule everywhere.

A name is one line of text: Unicode NFC (so "é" typed two ways is one name), runs of spaces
collapsed and the ends trimmed, at most ``MAX_NAME`` characters. Control characters (newline,
tab, ESC…), bidirectional overrides that make text read differently than it is stored, and
undecodable bytes are refused, not silently removed: a name is shown in terminals, charts
and file listings, and must mean there what it meant when typed.
"""

from __future__ import annotations

import unicodedata

from shortory_core.errors import ShortoryError

MAX_NAME = 120
# Bidirectional embeddings, overrides and isolates (the "Trojan Source" characters).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class InvalidName(ShortoryError):
    """A name that cannot be kept; the message says what to type instead."""


def normalise_name(text: str, what: str = "A name") -> str:
    """``text`` as the one form a name is stored and compared in, or ``InvalidName``."""
    name = unicodedata.normalize("NFC", str(text))
    bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Cs")
                or c in BIDI_CONTROLS), None)
    if bad is not None:
        kind = "undecodable bytes" if unicodedata.category(bad) == "Cs" else \
            f"a control character (U+{ord(bad):04X})"
        raise InvalidName(f"{what} cannot contain {kind}; type it as one line of plain text.")
    name = " ".join(name.split())
    if not name:
        raise InvalidName(f"{what} cannot be empty.")
    if len(name) > MAX_NAME:
        raise InvalidName(f"{what} is at most {MAX_NAME} characters, not {len(name)}.")
    return name
