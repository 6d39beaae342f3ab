"""Reading a big comment dump straight into columns, in native code.

A popular video has millions of comments, and youtube-comment-downloader writes them as JSON
lines. Python's ``json`` module and one ``Comment`` object per record cost seconds per million;
Arrow's JSON reader parses the file on every core into columns that ``signals.mentions`` scans
as they are. Only the fields Shortory uses are kept (a dump's photo URLs and the like are
skipped while parsing).

``records.CommentColumns`` is that shape, whatever a dump was read by: the import stores
comments from it and ``signals.mentions`` scans it.

Anything Arrow does not take in one go (another format, a malformed line, an unexpected
field type) is read by ``comment_files.read_comment_file``, which reports each bad record; the
result is the same comments either way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from shortory_core.records import CommentColumns
from shortory_core.sources.comment_files import ImportReport, parse_likes, read_comment_file
from shortory_core.sources.comment_headers import ColumnMapping
from shortory_core.sources.comment_html import DUMP_TEXT_TO_CLEAN, clean_column

DOWNLOADER_FIELDS = pa.schema([("cid", pa.string()), ("text", pa.large_string()),
                               ("author", pa.string()), ("votes", pa.string()),
                               ("reply", pa.bool_()), ("time", pa.string())])
CHUNK_BYTES = 8 << 20  # read and parsed at a time (8 and 16 MB were the fastest of 4–32 MB)
BLOCK_BYTES = 16 << 20  # Arrow's unit of parsing: a chunk is one block, parsed on one core
# while the reader's caller scans the one before (no line may be longer)


@dataclass
class ColumnsRead:
    """Comments as columns, with what was read (``report.comments`` is left empty: the
    columns hold them)."""

    columns: CommentColumns
    report: ImportReport

    @property
    def comments(self) -> int:
        return len(self.columns)


def read_comment_columns(path: Path, name: str | None = None,
                         columns: ColumnMapping | None = None) -> ColumnsRead:
    """The comments of a dump as columns; natively for youtube-comment-downloader JSON lines,
    through ``read_comment_file`` for everything else (``columns``: which CSV column is
    which, see ``comment_headers``)."""
    name = name or path.name
    try:
        chunks = list(downloader_chunks(path))
    except NotNative:
        report = read_comment_file(path, name, columns)
        columns = CommentColumns.of(report.comments)
        report.comments = []
        return ColumnsRead(columns, report)
    table = pa.concat_tables([columns_table(chunk.columns) for chunk in chunks])
    keep = first_of_each_id(table.column("cid").combine_chunks())
    if keep is not None:
        table = table.take(keep)
    return ColumnsRead(CommentColumns(table), chunk_report(chunks))


class NotNative(Exception):
    """The dump is not plain youtube-comment-downloader JSON lines that Arrow reads as they
    are (another format, a malformed line, records without ids): the Python reader must read
    it, and report each bad record."""


@dataclass
class Chunk:
    """The comments of one stretch of whole lines of a dump (those with a text), with how
    many records the stretch held and why the others were skipped."""

    columns: CommentColumns
    records: int
    reasons: dict[str, int]
    problems: list[str] = field(default_factory=list)


def downloader_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """A youtube-comment-downloader dump read ``chunk_bytes`` at a time, each stretch cut
    after its last newline (a newline never falls inside a JSON line's text or a UTF-8
    character, so no comment, character or time is ever split), parsed by Arrow into columns.
    Only one stretch is held at a time: memory follows ``chunk_bytes``, not the file. A last
    line without its end (a download killed mid-write) is read if whole, else skipped as not
    valid JSON, as the Python reader reports it. Raises ``NotNative`` when Arrow cannot read
    the dump as it is (seen from its first bytes, before anything is yielded, or when a
    stretch fails): a caller drops what it took and reads the file with
    ``read_comment_file``."""
    with path.open("rb") as file:
        head = file.read(65536)
        if not head.lstrip().startswith(b"{") or head.startswith(b"\xef\xbb\xbf"):
            raise NotNative(path)
        file.seek(0)
        data, lines = b"", 0
        while block := file.read(chunk_bytes):
            data = data + block if data else block
            cut = data.rfind(b"\n") + 1
            if cut:  # parsed in place; only the line cut short is carried over (copied)
                yield _parse(memoryview(data)[:cut])
                lines += data.count(b"\n", 0, cut)
                data = data[cut:]
    if data.strip():
        try:
            json.loads(data)
        except ValueError:
            yield Chunk(CommentColumns(pa.table({})), 1, {"not valid JSON": 1},
                        [f"line {lines + 1}: not valid JSON (the file ends inside it)"])
        else:
            yield _parse(data)


def columns_table(columns: CommentColumns) -> pa.Table:
    """The columns as one Arrow table (to join chunks)."""
    return pa.table({name: columns.column(name) for name in CommentColumns.NAMES})


def chunk_report(chunks: Iterable[Chunk]) -> ImportReport:
    """The import report of a dump read in chunks (its ``comments`` left empty)."""
    records, reasons, problems = 0, {}, []
    for chunk in chunks:
        records += chunk.records
        problems += chunk.problems
        for why, count in chunk.reasons.items():
            reasons[why] = reasons.get(why, 0) + count
    return ImportReport(comments=[], format="youtube-comment-downloader JSON lines",
                        records=records, bad_records=sum(reasons.values()), reasons=reasons,
                        problems=problems)


def _parse(data: bytes | memoryview) -> Chunk:
    """One stretch of whole JSON lines as a chunk of comments (texts cleaned, likes parsed)."""
    options = pj.ParseOptions(explicit_schema=DOWNLOADER_FIELDS,
                              unexpected_field_behavior="ignore")
    try:  # blocks of a few MB let Arrow parse a stretch on every core
        table = pj.read_json(pa.BufferReader(pa.py_buffer(data)), parse_options=options,
                             read_options=pj.ReadOptions(block_size=BLOCK_BYTES))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise NotNative(str(exc)) from exc
    records = table.num_rows
    if table.column("cid").null_count or (records and table.column("text").null_count
                                          == records):
        raise NotNative("records without ids")  # the Python reader gives them stable ids
    columns = {name: table.column(name).combine_chunks() for name in table.column_names}
    del table
    text = columns["text"]
    # The rare text with a NUL or written as HTML: one RE2 pass (the fastest way Arrow has)
    # finds them, and only those rows are looked at again.
    odd = pc.fill_null(pc.match_substring_regex(text, DUMP_TEXT_TO_CLEAN), False)
    if pc.any(odd).as_py():
        fixed = clean_column(pc.replace_substring(text.filter(odd), "\x00", " "))
        text = pc.replace_with_mask(text, odd, fixed)
    usable = pc.fill_null(pc.match_substring_regex(text, r"\S"), False)
    no_text = records - (pc.sum(usable).as_py() or 0)
    columns["text"] = text
    if no_text:
        columns = {name: column.filter(usable) for name, column in columns.items()}
    cids = columns["cid"]
    is_reply = pc.or_(pc.fill_null(columns["reply"], False), pc.match_substring(cids, "."))
    return Chunk(CommentColumns(pa.table({
        "cid": cids, "text": columns["text"], "author": pc.fill_null(columns["author"], ""),
        "likes": _likes(columns["votes"]), "is_reply": is_reply, "published": columns["time"],
    })), records, {"no text": no_text} if no_text else {})


def first_of_each_id(cids: pa.Array) -> pa.Array | None:
    """Rows to keep when a comment id repeats (the first of each), or ``None`` when none does.
    Arrow numbers the distinct ids in order of first appearance, so a row is an id's first
    exactly when its number is above every number before it."""
    encoded = cids.dictionary_encode()
    if len(encoded.dictionary) == len(cids):
        return None
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    seen = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
    return pa.array(np.flatnonzero(codes > seen))


def _likes(votes: pa.Array) -> pa.Array:
    """Like counts as YouTube shows them ("1.2K", "3M", "1,234"), each distinct text parsed
    once (a dump holds a few thousand distinct counts however many comments it has)."""
    encoded = pc.fill_null(votes, "0").dictionary_encode()
    values = np.array([parse_likes(v) for v in encoded.dictionary.to_pylist()], np.int64)
    return pa.array(values[encoded.indices.to_numpy(zero_copy_only=False)]
                    if len(values) else np.zeros(len(encoded), np.int64))
