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
from shortory_core.sources.comment_html import clean_column, dump_texts_to_clean
from shortory_core.store.comment_ids import first_of_each_id

DOWNLOADER_FIELDS = pa.schema([("cid", pa.string()), ("text", pa.large_string()),
                               ("author", pa.string()), ("votes", pa.string()),
                               ("reply", pa.bool_()), ("time", pa.string())])
CHUNK_BYTES = 8 << 20  # read and parsed at a time (8 and 16 MB were the fastest of 4–32 MB)
BLOCK_BYTES = 16 << 20  # Arrow's unit of parsing: a chunk is one block, parsed on one core
# while the reader's caller scans the one before (no line may be longer)
_BLANK = np.zeros(256, bool)  # what RE2 takes for white space (``\s``)
_BLANK[list(b"\t\n\x0c\r ")] = True


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
    table = pa.concat_tables([chunk.columns.table() for chunk in chunks])
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


@dataclass
class Stretch:
    """One stretch of a dump's lines as Arrow parsed them (texts cleaned), not yet a chunk of
    comments: a reader parses the next stretch on one core while the current one is finished
    (likes parsed, replies and comments without text told) and scanned on the other; the two
    halves take about as long. ``problem`` names a last line that is not JSON."""

    columns: dict[str, pa.Array]
    records: int
    problem: str = ""

    def chunk(self) -> Chunk:
        """The stretch's comments (those with a text), likes parsed."""
        if self.problem:
            return Chunk(CommentColumns(pa.table({})), 1, {"not valid JSON": 1}, [self.problem])
        columns, records = self.columns, self.records
        usable = _has_text(columns["text"])
        no_text = records - int(usable.sum())
        if no_text:
            keep = pa.array(usable)
            columns = {name: column.filter(keep) for name, column in columns.items()}
        cids = columns["cid"]
        is_reply = pc.or_(pc.fill_null(columns["reply"], False), _with_a_dot(cids))
        return Chunk(CommentColumns(pa.table({
            "cid": cids, "text": columns["text"], "author": pc.fill_null(columns["author"], ""),
            "likes": _likes(columns["votes"]), "is_reply": is_reply,
            "published": columns["time"],
        })), records, {"no text": no_text} if no_text else {})


def downloader_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """A youtube-comment-downloader dump read ``chunk_bytes`` at a time, as chunks of comments
    (``downloader_stretches``, each finished into a chunk as it comes)."""
    for stretch in downloader_stretches(path, chunk_bytes):
        yield stretch.chunk()


def downloader_stretches(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Stretch]:
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
        carry = b""  # the line the last stretch cut short
        while True:  # each stretch read in place after the carried line: nothing else copied
            data = bytearray(len(carry) + chunk_bytes)
            data[:len(carry)] = carry
            size = len(carry) + file.readinto(memoryview(data)[len(carry):])
            if size == len(carry):
                break
            cut = data.rfind(b"\n", 0, size) + 1
            if cut:
                yield _parse(memoryview(data)[:cut])
            carry = bytes(data[cut:size])
    if carry.strip():
        try:
            json.loads(carry)
        except ValueError:
            line = _line_count(path) + 1
            yield Stretch({}, 1, f"line {line}: not valid JSON (the file ends inside it)")
        else:
            yield _parse(carry)


def _line_count(path: Path) -> int:
    """How many newlines ``path`` holds (read again only for a dump that ends mid-line)."""
    with path.open("rb") as file:
        return sum(block.count(b"\n") for block in iter(lambda: file.read(1 << 20), b""))


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


def _parse(data: bytes | memoryview) -> Stretch:
    """One stretch of whole JSON lines, parsed, its texts cleaned."""
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
    text = columns["text"]
    # The rare text with a NUL or written as HTML: only those rows are looked at again.
    odd = dump_texts_to_clean(text)
    if odd.any():
        fixed = clean_column(pc.replace_substring(text.filter(odd), "\x00", " "))
        columns["text"] = pc.replace_with_mask(text, odd, fixed)
    return Stretch(columns, records)


def _with_a_dot(cids: pa.Array) -> pa.Array:
    """Which ids hold a "." (a reply's id is its parent's, a dot and its own), found in one
    NumPy pass over the ids' bytes (Arrow's substring search costs more per short string)."""
    _, offsets, data = cids.buffers()
    width = np.int64 if cids.type == pa.large_string() else np.int32
    bounds = np.frombuffer(offsets, width)[cids.offset:cids.offset + len(cids) + 1]
    dotted = np.zeros(len(cids), bool)
    if data is not None:
        dots = np.flatnonzero(np.frombuffer(data, np.uint8)[bounds[0]:bounds[-1]] == ord("."))
        dotted[np.searchsorted(bounds, dots + bounds[0], side="right") - 1] = True
    return pa.array(dotted)


def _has_text(texts: pa.Array) -> np.ndarray:
    """Which texts hold more than white space (``\\S`` as RE2 reads it). Almost every text
    starts with a character that is not a space: only the others (empty or starting blank)
    are searched."""
    _, offsets, data = texts.buffers()
    bounds = np.frombuffer(offsets, np.int64)[texts.offset:texts.offset + len(texts) + 1]
    if data is None or not len(texts):
        return np.zeros(len(texts), bool)
    buf = np.frombuffer(data, np.uint8)
    filled = np.diff(bounds) > 0
    usable = filled & ~_BLANK[buf[np.minimum(bounds[:-1], len(buf) - 1)]]
    rows = np.flatnonzero(filled & ~usable)
    if len(rows):
        found = pc.match_substring_regex(texts.take(pa.array(rows, pa.int64())), r"\S")
        usable[rows] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    return usable


def _likes(votes: pa.Array) -> pa.Array:
    """Like counts as YouTube shows them ("1.2K", "3M", "1,234"), each distinct text parsed
    once (a dump holds a few thousand distinct counts however many comments it has)."""
    encoded = pc.fill_null(votes, "0").dictionary_encode()
    values = np.array([parse_likes(v) for v in encoded.dictionary.to_pylist()], np.int64)
    return pa.array(values[encoded.indices.to_numpy(zero_copy_only=False)]
                    if len(values) else np.zeros(len(encoded), np.int64))
