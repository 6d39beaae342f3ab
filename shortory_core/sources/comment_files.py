"""Reading comment dumps: youtube-comment-downloader JSON lines, YouTube Data API JSON or CSV,
and any CSV with a text column.

One rule throughout: a bad record is counted and reported, never fatal; a file with no usable
comment at all is a clear ``SourceError``. The format is recognised from the content, not the
file name, because users rename exports.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from shortory_core.errors import SourceError
from shortory_core.records import Comment
from shortory_core.sources.comment_headers import (
    HTML_COLUMNS,
    ColumnMapping,
    normal,
    recognise,
    rejoin,
    resolve,
)
from shortory_core.sources.comment_html import comment_text, html_to_text

MAX_PROBLEMS_KEPT = 20
TRUE_CELLS = ("true", "1", "yes", "y")


@dataclass
class ImportReport:
    """What a comment file gave: the comments, its format, and what was skipped and why."""

    comments: list[Comment]
    format: str
    records: int
    bad_records: int = 0
    problems: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # why records were skipped: count
    encoding: str = "utf-8"
    rejoined: int = 0  # CSV rows that were the rest of a text cut at a bare CR
    columns: dict[str, str] = field(default_factory=dict)  # role -> the column it was read from

    @property
    def replies(self) -> int:
        return sum(c.is_reply for c in self.comments)

    def summary(self) -> str:
        text = (f"{len(self.comments)} comments ({self.replies} replies) from {self.records} "
                f"records ({self.format}, {self.encoding})")
        if self.bad_records:
            why = ", ".join(f"{n} {reason}" for reason, n in sorted(
                self.reasons.items(), key=lambda item: -item[1]))
            text += f"; {self.bad_records} records skipped ({why})"
        if self.rejoined:
            text += f"; {self.rejoined} rows rejoined (a text cut at a bare CR)"
        return text


class _Problems:
    """Counts bad records by reason and keeps the first few messages for the report."""

    def __init__(self) -> None:
        self.count = 0
        self.messages: list[str] = []
        self.reasons: dict[str, int] = {}

    def add(self, where: str, why: str) -> None:
        self.count += 1
        self.reasons[why] = self.reasons.get(why, 0) + 1
        if len(self.messages) < MAX_PROBLEMS_KEPT:
            self.messages.append(f"{where}: {why}")


def _reason(exc: Exception) -> str:
    """A short, countable reason (no record-specific detail such as a column number)."""
    if isinstance(exc, json.JSONDecodeError):
        return "not valid JSON"
    return str(exc)[:80] or type(exc).__name__


MAX_LIKES = 10**12  # far above any real comment; below SQLite's and NumPy's integer limits
_MAX_DIGITS = len(str(MAX_LIKES))
_LONG_NUMBER = re.compile(r"^\s*[0-9][0-9.,]{63,}")
_LIKES = re.compile(r"^\s*([0-9][0-9.,]*)\s*([kKmMbB천만억]?)\s*$")
_LIKE_SCALE = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000,
               "천": 1_000, "만": 10_000, "억": 100_000_000}


def parse_likes(value: Any) -> int:
    """Like counts as YouTube shows them: ``"1.2K"`` → 1200, ``"3M"``, ``"1,234"``, ``"1.5만"``.

    Anything unreadable (``None``, ``""``, ``"many"``, ``nan``) counts as 0 likes rather than
    failing the comment: likes only weight a comment, they never decide whether it exists.
    Counts are clamped to ``0 … MAX_LIKES`` (``1e999``, 2^70 or a 5,000-digit number are
    hostile, not popular); the import report counts the clamped ones.
    """
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return min(max(value, 0), MAX_LIKES)
    if isinstance(value, float):
        return min(max(int(value), 0), MAX_LIKES) if math.isfinite(value) else (
            MAX_LIKES if value > 0 else 0)
    match = _LIKES.match(str(value)[:64])
    if not match:
        return MAX_LIKES if _LONG_NUMBER.match(str(value)) else 0
    number, suffix = match.groups()
    scale = _LIKE_SCALE[suffix.lower()]
    if scale == 1:
        digits = number.replace(",", "").replace(".", "")
        return min(int(digits[:_MAX_DIGITS + 1]), MAX_LIKES) if digits else 0
    try:
        return min(round(float(number.replace(",", ".")) * scale), MAX_LIKES)
    except (ValueError, OverflowError):
        return 0


BOMS = (  # longest first: a UTF-32 LE BOM begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
SAMPLE_CHARS = 65536
MAX_CONTROL_SHARE = 0.05  # more control characters than this: not text
NOT_TEXT = ("This file is not UTF-8 or UTF-16 text: a binary file, or text in a legacy "
            "encoding (such as CP949 or Shift-JIS). Save it as UTF-8 and import it again.")
NOT_COMMENTS = ("This is a binary file, not a comment dump. Use youtube-comment-downloader "
                "JSON lines, a YouTube Data API JSON/CSV export, or a CSV with a text column.")


def _cp1252_repair(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252, one bad sequence at a time: exports
    concatenated from several tools mix encodings, and this keeps every readable comment."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("shortory-cp1252", _cp1252_repair)


def open_text(raw: BinaryIO) -> tuple[TextIO, str]:
    """A text stream over ``raw`` (seekable) and its encoding, found from the byte-order mark:
    UTF-32 or UTF-16 (either byte order) as Excel and Windows tools write them, else UTF-8
    with a Windows-1252 repair of bytes that are not UTF-8. Lines keep their own endings
    (``newline=""``), which is what the csv module needs to read line breaks and carriage
    returns inside quoted fields."""
    head = raw.read(4)
    encoding, skip = "utf-8", 0
    for bom, name in BOMS:
        if head.startswith(bom):
            encoding, skip = name, len(bom)
            break
    if not skip and len(head) == 4:
        encoding = _bomless_utf16(raw) or encoding
    raw.seek(skip)
    errors = "shortory-cp1252" if encoding == "utf-8" else "replace"
    return io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline=""), encoding


def _bomless_utf16(raw: BinaryIO) -> str | None:
    """UTF-16 written without a BOM: ASCII text then has a NUL in every other byte."""
    raw.seek(0)
    head = raw.read(4096)
    if len(head) < 64:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > 0.4 * len(head) / 2 and even < 0.05 * len(head) / 2:
        return "utf-16-le"
    if even > 0.4 * len(head) / 2 and odd < 0.05 * len(head) / 2:
        return "utf-16-be"
    return None


def _bounded_int(digits: str) -> int:
    """A JSON integer, read without Python's 4,300-digit refusal: one past ``MAX_LIKES``'s
    length is enough to know it is out of range."""
    return int(digits[:_MAX_DIGITS + 2])


def _json(text: str) -> Any:
    """``json.loads`` that a 5,000-digit number cannot stop."""
    return json.loads(text, parse_int=_bounded_int)


def not_utf8_share(raw: BinaryIO) -> float:
    """The share of the first bytes of ``raw`` that are not UTF-8: a few
    percent in a file mixing in Windows-1252, most of the high bytes in a binary file or in
    text of a legacy encoding such as CP949. ``raw`` is left where it was."""
    position = raw.tell()
    raw.seek(0)
    head = raw.read(SAMPLE_CHARS)
    raw.seek(position)
    if not head:
        return 0.0
    kept = head.decode("utf-8", "ignore").encode("utf-8")
    return max(len(head) - len(kept) - 3, 0) / len(head)  # a character cut at the end


def looks_binary(sample: str) -> bool:
    """Whether decoded text is really a binary file: control characters (other than tabs and
    line breaks) and undecodable characters are rare in any text, common in binary data,
    with or without NUL bytes."""
    if not sample:
        return False
    odd = sum(1 for c in sample if (c < " " and c not in "\t\n\r\f") or c == "\ufffd")
    return odd / len(sample) > MAX_CONTROL_SHARE


def read_comment_file(source: bytes | Path, name: str = "comments",
                      columns: ColumnMapping | None = None) -> ImportReport:
    """Parse a comment dump of any supported format (a file path, read as a stream, or its
    bytes); see the module docstring. ``columns`` says which CSV column is which, where the
    names are not recognised (``comment_headers``)."""
    with _opened(source, name) as (stream, sample, encoding):
        report = (_read_json_like(stream) if sample.lstrip()[0] in "{["
                  else _read_csv(stream, sample, columns))
    report.encoding = encoding
    if not report.comments:
        detail = f" First problems: {'; '.join(report.problems[:3])}." if report.problems else ""
        raise SourceError(
            f"{name} has no usable comment ({report.records} records read as "
            f"{report.format}).{detail}"
        )
    return report


@contextmanager
def _opened(source: bytes | Path, name: str) -> Iterator[tuple[TextIO, str, str]]:
    """A dump as text from its first character, with a sample of its start and its
    encoding; refused when it is binary, in a legacy encoding, or empty."""
    with (Path(source).open("rb") if isinstance(source, Path) else io.BytesIO(source)) as raw:
        stream, encoding = open_text(raw)
        if encoding == "utf-8" and not_utf8_share(raw) > MAX_CONTROL_SHARE:
            raise SourceError(NOT_TEXT)
        sample = stream.read(SAMPLE_CHARS)
        if looks_binary(sample):
            raise SourceError(NOT_COMMENTS)
        if not sample.strip():
            raise SourceError(f"{name} is empty: there are no comments to import.")
        stream.seek(0)  # back to the first byte, BOM included
        _skip_bom(stream)
        yield stream, sample, encoding


@dataclass(frozen=True)
class ColumnsPreview:
    """The start of a CSV for choosing its columns: the header, the first records (texts
    rejoined as the import would) and the roles recognised from the names."""

    header: list[str]
    rows: list[list[str]]
    found: dict[str, str]


def preview_columns(source: bytes | Path, name: str = "comments", rows: int = 5
                    ) -> ColumnsPreview | None:
    """The start of a CSV dump (``None`` for JSON, whose fields are known by name)."""
    with _opened(source, name) as (stream, sample, _):
        if sample.lstrip()[0] in "{[":
            return None
        reader = csv.reader(stream, delimiter=_delimiter(sample), doublequote=True,
                            quotechar='"')
        header = next(reader, [])
        found = recognise(header)
        text = header.index(found["text"]) if "text" in found else len(header) - 1
        first: list[list[str]] = []
        try:
            for record in rejoin(reader, len(header), text):
                first.append(record.fields)
                if len(first) == rows:
                    break
        except csv.Error:
            return ColumnsPreview(header, first, found)  # the rows before it are the preview
    if not first:  # read to its end without one row: refused now, not after the upload
        raise SourceError(f"{name} has a header and no comments: there is nothing to import.")
    return ColumnsPreview(header, first, found)


def _skip_bom(stream: TextIO) -> None:
    """After ``seek(0)`` a text stream starts at the BOM again: step over it as a character."""
    position = stream.tell()
    if stream.read(1) != "\ufeff":
        stream.seek(position)


def comment_from_downloader(item: dict[str, Any]) -> Comment:
    """One youtube-comment-downloader dict (``cid, text, author, votes, reply, time``).

    A reply's id is ``PARENT.REPLY``, which is how it is linked to its parent. Objects that
    other tools write (``comment_text``, ``authorDisplayName``, ``published_at``…) are read by
    the roles of their keys (``comment_headers``).
    """
    if "text" not in item:
        item = _downloader_keys(item)
    text = item.get("text")
    cid = item.get("cid")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("no text")
    if not isinstance(cid, str) or not cid:
        cid = str(cid) if isinstance(cid, int) else _synthetic_id(
            text, str(item.get("author", "")))
    parent = item.get("parent") or (cid.split(".", 1)[0] if "." in cid else None)
    return Comment(
        cid=cid,
        text=comment_text(text),
        author=str(item.get("author") or ""),
        likes=parse_likes(item.get("votes")),
        is_reply=bool(item.get("reply")) or parent is not None,
        parent_cid=str(parent) if parent is not None else None,
        published=str(item.get("time") or ""),
    )


_DOWNLOADER_KEY = {"text": "text", "id": "cid", "author": "author", "likes": "votes",
                   "reply": "reply", "published": "time", "parent": "parent"}


def _downloader_keys(item: dict[str, Any]) -> dict[str, Any]:
    """An object of another tool with its keys renamed to youtube-comment-downloader's."""
    roles = _roles_of(tuple(item))
    return {_DOWNLOADER_KEY[role]: item[key] for role, key in roles.items()}


@functools.lru_cache(maxsize=64)
def _roles_of(keys: tuple[str, ...]) -> dict[str, str]:
    """The roles of an object's keys (a dump's objects share a few key sets)."""
    return recognise(list(keys))


# -- JSON ------------------------------------------------------------------------------------


def _read_json_like(stream: TextIO) -> ImportReport:
    """A whole JSON document (API export) or JSON lines (youtube-comment-downloader): a first
    line that is a whole JSON object, with more lines after it, means JSON lines, read one line
    at a time; anything else is read as one document."""
    start = stream.tell()
    first = stream.readline()
    second = stream.readline()
    while second and not second.strip():
        second = stream.readline()
    stream.seek(start)
    if second and _is_object(first):
        return _read_json_lines(stream)
    text = stream.read()
    try:
        document = _json(text)
    except json.JSONDecodeError:
        return _read_json_lines(io.StringIO(text, newline=""))
    except RecursionError as exc:
        raise SourceError("This JSON is nested too deeply to be a comment export.") from exc
    problems = _Problems()
    comments = list(_comments_from_document(document, problems))
    return ImportReport(
        comments=_unique(comments),
        format="YouTube Data API JSON" if _is_api_document(document) else "JSON",
        records=len(comments) + problems.count,
        bad_records=problems.count,
        problems=problems.messages, reasons=problems.reasons,
    )


def _is_object(line: str) -> bool:
    try:
        return isinstance(_json(line), dict)
    except (ValueError, RecursionError):
        return False


def _read_json_lines(stream: TextIO) -> ImportReport:
    problems = _Problems()
    comments: list[Comment] = []
    records = 0
    for number, line in enumerate(_lines(stream), start=1):
        if not line.strip():
            continue
        records += 1
        try:
            item = _json(line)
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
            comments.append(comment_from_downloader(item))
        except RecursionError:
            problems.add(f"line {number}", "nested too deeply")
        except Exception as exc:  # one bad record never stops the import
            problems.add(f"line {number}", _reason(exc))
    return ImportReport(
        comments=_unique(comments),
        format="youtube-comment-downloader JSON lines",
        records=records,
        bad_records=problems.count,
        problems=problems.messages, reasons=problems.reasons,
    )


def _is_api_document(document: Any) -> bool:
    first = document[0] if isinstance(document, list) and document else document
    return isinstance(first, dict) and ("items" in first or "snippet" in first or
                                        str(first.get("kind", "")).startswith("youtube#"))


def _comments_from_document(document: Any, problems: _Problems) -> Iterator[Comment]:
    """Walk API pages (``{"items": [...]}``), lists of pages, threads, comments, or dicts in
    youtube-comment-downloader's shape."""
    items: Iterable[Any]
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        items = document["items"]
    elif isinstance(document, dict) and isinstance(document.get("comments"), list):
        items = document["comments"]
    elif isinstance(document, list):
        items = document
    else:
        items = [document]
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("items"), list):
            yield from _comments_from_document(item, problems)
            continue
        try:
            yield from _comments_from_item(item)
        except Exception as exc:  # one bad record never stops the import
            problems.add(f"item {index}", _reason(exc))


def _comments_from_item(item: Any) -> Iterator[Comment]:
    if not isinstance(item, dict):
        raise ValueError("not a JSON object")
    snippet = item.get("snippet")
    if not isinstance(snippet, dict):
        yield comment_from_downloader(item)
        return
    top = snippet.get("topLevelComment")
    if isinstance(top, dict):  # a commentThread: the comment and its replies
        parent = _api_comment(top, parent_id=None)
        yield parent
        for reply in (item.get("replies") or {}).get("comments") or []:
            yield _api_comment(reply, parent_id=parent.cid)
    else:  # a bare comment resource
        yield _api_comment(item, parent_id=snippet.get("parentId"))


def _api_comment(resource: dict[str, Any], parent_id: str | None) -> Comment:
    snippet = resource["snippet"]
    markup = snippet.get("textDisplay")
    text = html_to_text(markup) if isinstance(markup, str) else snippet.get("textOriginal")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("no textDisplay")
    author = str(snippet.get("authorDisplayName") or "")
    parent = parent_id or snippet.get("parentId")
    return Comment(
        cid=str(resource.get("id") or _synthetic_id(markup or text, author)),
        text=text,
        author=author,
        likes=parse_likes(snippet.get("likeCount")),
        is_reply=bool(parent),
        parent_cid=str(parent) if parent else None,
        published=str(snippet.get("publishedAt") or ""),
    )


# -- CSV -------------------------------------------------------------------------------------


def _lines(stream: TextIO) -> Iterator[str]:
    """JSON lines end at a line feed; a lone carriage return inside a line is kept (a stream
    opened with ``newline=""`` would end a line there too)."""
    pending = ""
    for piece in stream:
        pending += piece
        if pending.endswith("\n"):
            yield pending
            pending = ""
    if pending:
        yield pending


def _read_csv(stream: TextIO, sample: str, mapping: ColumnMapping | None = None
              ) -> ImportReport:
    """A CSV's comments, its columns recognised by name or given by ``mapping`` (see
    ``comment_headers``); a text cut at a bare CR is rejoined and counted."""
    rows = csv.reader(stream, delimiter=_delimiter(sample), doublequote=True, quotechar='"')
    header = next(rows, [])
    roles = resolve(header, mapping)
    names = {normal(h) for h in header}
    fmt = "YouTube Data API CSV" if {"textdisplay", "authordisplayname"} & names else "CSV"
    as_text = html_to_text if normal(header[roles["text"]]) in HTML_COLUMNS else comment_text
    problems = _Problems()
    comments: list[Comment] = []
    records = rejoined = 0
    try:
        for record in rejoin(rows, len(header), roles["text"]):
            row, number = record.fields, record.line
            if not any(cell.strip() for cell in row):
                continue
            records += 1
            rejoined += record.rejoined
            if len(row) != len(header):
                problems.add(f"row {number} ({len(row)} fields, the header has {len(header)})",
                             "wrong number of fields")
                continue
            body = row[roles["text"]]
            text = as_text(body)
            if not text.strip():
                problems.add(f"row {number}", "empty text")
                continue
            cell = _cells(row, roles)
            parent = cell("parent") or None
            comments.append(Comment(
                cid=cell("id") or _synthetic_id(body, cell("author"), str(number)),
                text=text,
                author=cell("author"),
                likes=parse_likes(cell("likes")),
                is_reply=parent is not None or cell("reply").lower() in TRUE_CELLS,
                parent_cid=parent,
                published=cell("published"),
            ))
    except csv.Error as exc:
        problems.add("file", f"CSV stopped being readable: {exc}")
    return ImportReport(
        comments=_unique(comments), format=fmt, records=records,
        bad_records=problems.count, problems=problems.messages, reasons=problems.reasons,
        rejoined=rejoined, columns={role: header[i] for role, i in roles.items()},
    )


def _delimiter(sample: str) -> str:
    """Comma, semicolon or tab, whichever the sample's first line is split by. Only the
    delimiter is sniffed: the sniffer also guesses quoting, and a wrong guess there (it often
    says quotes are not doubled) breaks every field holding a quote or a line break."""
    try:
        return csv.Sniffer().sniff(sample[:8192], ",;\t").delimiter
    except csv.Error:
        header = sample.split("\n", 1)[0]
        return max(",;\t", key=header.count)


def _cells(row: list[str], roles: dict[str, int]) -> Callable[[str], str]:
    """A row's cell by role (``""`` for a role the file has no column for)."""
    def cell(role: str) -> str:
        return row[roles[role]].strip() if role in roles else ""

    return cell


def _synthetic_id(*parts: str) -> str:
    """A stable id for comments exported without one, so re-imports do not duplicate them."""
    return "h-" + hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


def _unique(comments: list[Comment]) -> list[Comment]:
    seen: set[str] = set()
    unique = []
    for comment in comments:
        if comment.cid not in seen:
            seen.add(comment.cid)
            unique.append(comment)
    return unique
