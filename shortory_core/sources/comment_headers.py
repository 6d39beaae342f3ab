"""Which column of a comment export is which: the names real exports use, and a user's mapping.

Exports name their columns in every style: the YouTube Data API writes ``textDisplay`` and
``authorDisplayName``, scrapers and notebooks write ``comment_text``, ``author_name`` or
``published_at``, and pandas' ``json_normalize`` writes ``snippet.topLevelComment.snippet.
textOriginal``. A name is compared in one form (lower case, without ``_``, ``-``, ``.`` or
spaces), first whole and then by its last dotted part, against each role's family below,
best name first. Where a header still has no text column, the user says which column is
what (a ``ColumnMapping``); the import then reads exactly those columns, by the same path.

A CSV written by pandas (``to_csv``, whose line terminator is ``\\n``) leaves a bare ``\\r``
inside a text unquoted, and the csv module ends the row there. ``rejoin`` puts such a text
back together: a row that ends in the text column, followed by a row whose fields would
complete it, is one record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from shortory_core.errors import SourceError

ColumnMapping = Mapping[str, str]  # role (``ROLES``) -> the column's name in the header
ROLES = ("text", "author", "likes", "published", "id", "parent", "reply")
ROLE_LABELS = {"text": "text", "author": "author", "likes": "likes",
               "published": "time published", "id": "comment id",
               "parent": "parent comment id", "reply": "is a reply"}

FAMILIES: dict[str, tuple[str, ...]] = {
    "text": ("textdisplay", "textoriginal", "commenttext", "text", "comment", "commentbody",
             "body", "content", "commentcontent", "message", "textcontent"),
    "author": ("authordisplayname", "authorname", "author", "username", "user", "displayname",
               "commenter", "authorhandle", "name", "channelname"),
    "likes": ("likecount", "likes", "votes", "numlikes", "likescount", "upvotes", "like"),
    "published": ("publishedat", "published", "publishtime", "publishedtime", "createdat",
                  "created", "time", "date", "datetime", "timestamp", "commentdate",
                  "postedat", "updatedat"),
    "id": ("commentid", "cid", "id"),
    "parent": ("parentid", "parentcommentid", "parent", "inreplyto", "replyto"),
    "reply": ("isreply", "reply"),
}
HTML_COLUMNS = ("textdisplay",)  # the API's HTML (its anchors' labels are the times)
_SEPARATORS = re.compile(r"[\s_\-]+")


def normal(name: str) -> str:
    """A column name in the one form names are compared in (``Comment_Text`` ->
    ``commenttext``); dots are kept so that the last part can be tried on its own."""
    return _SEPARATORS.sub("", name.strip().lstrip("\ufeff")).lower()


def recognise(header: list[str]) -> dict[str, str]:
    """The role of each recognised column, as role -> the column's name in ``header``."""
    whole = {normal(h): h for h in reversed(header)}  # the first of a repeated name wins
    last = {normal(h).rsplit(".", 1)[-1]: h for h in reversed(header)}
    found: dict[str, str] = {}
    for role, names in FAMILIES.items():
        taken = set(found.values())
        for table in (whole, last):
            match = next((table[n] for n in names if n in table and table[n] not in taken),
                         None)
            if match is not None:
                found[role] = match
                break
    return found


def resolve(header: list[str], mapping: ColumnMapping | None) -> dict[str, int]:
    """Role -> column index: the user's ``mapping`` when given (every name it gives must be in
    the header), else the recognised names. Raises ``SourceError`` without a text column."""
    if mapping:
        unknown = [role for role in mapping if role not in ROLES]
        missing = [name for name in mapping.values() if name not in header]
        if unknown or missing:
            raise SourceError(
                "The column mapping does not fit this file: "
                + "; ".join([f"no role {r!r} (roles: {', '.join(ROLES)})" for r in unknown]
                            + [f"no column {n!r} (found: {', '.join(header[:12])})"
                               for n in missing]) + ".")
        chosen = dict(mapping)
    else:
        chosen = recognise(header)
    if "text" not in chosen:
        raise SourceError(
            "This CSV has no text column by any name Shortory knows (found: "
            f"{', '.join(header[:12]) or 'nothing'}). Choose the columns on the import page, "
            "or give a mapping (such as --columns text=COLUMN).")
    return {role: header.index(name) for role, name in chosen.items()}


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """``ROLE=COLUMN`` pairs (as the CLI and manifests give them) as a mapping."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        role, sep, name = pair.partition("=")
        if not sep or role.strip() not in ROLES or not name.strip():
            raise SourceError(f"{pair!r} is not ROLE=COLUMN (roles: {', '.join(ROLES)}).")
        mapping[role.strip()] = name.strip()
    return mapping


def describe(mapping: ColumnMapping) -> str:
    """``comment_text → text, author_name → author``: which column became what."""
    return ", ".join(f"{name} → {ROLE_LABELS.get(role, role)}" for role, name in mapping.items())


@dataclass(frozen=True)
class Record:
    """One record of a CSV: where it starts, its fields, and how many rows it was rejoined
    from beyond the first."""

    line: int
    fields: list[str]
    rejoined: int = 0


def rejoin(rows: Iterable[list[str]], width: int, text: int, first_line: int = 2
           ) -> Iterator[Record]:
    """Records from csv rows, a text cut at a bare CR put back together (keeping the CR).

    A row is continued by the next when it ends in the text column (``text``) and the next
    row's fields, its first added to that text, make at most ``width`` fields; blank rows in
    between are CRs of the same text. With one column nothing can be told apart, so nothing
    is joined."""
    held: Record | None = None
    blanks = 0
    for line, row in enumerate(rows, start=first_line):
        if held is not None and width > 1 and len(held.fields) == text + 1:
            if not row:
                blanks += 1
                continue
            if len(held.fields) + len(row) - 1 <= width:
                joined = held.fields[-1] + "\r" * (blanks + 1) + row[0]
                held = Record(held.line, [*held.fields[:-1], joined, *row[1:]],
                              held.rejoined + 1 + blanks)
                blanks = 0
                continue
        blanks = 0
        if held is not None:
            yield held
        held = Record(line, row)
    if held is not None:
        yield held
