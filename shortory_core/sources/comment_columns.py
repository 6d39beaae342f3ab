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

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from shortory_core.records import CommentColumns
from shortory_core.sources.comment_files import ImportReport, parse_likes, read_comment_file
from shortory_core.sources.comment_headers import ColumnMapping
from shortory_core.sources.comment_html import clean_column

DOWNLOADER_FIELDS = pa.schema([("cid", pa.string()), ("text", pa.large_string()),
                               ("author", pa.string()), ("votes", pa.string()),
                               ("reply", pa.bool_()), ("time", pa.string())])


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
    table = _downloader_lines(path)
    if table is None:
        report = read_comment_file(path, name, columns)
        columns = CommentColumns.of(report.comments)
        report.comments = []
        return ColumnsRead(columns, report)
    records = table.num_rows
    # One contiguous copy of each column, the chunked ones let go at once (a peak of two
    # copies of two million texts is what a careless order costs).
    columns = {name: table.column(name).combine_chunks() for name in table.column_names}
    del table
    if pc.any(pc.match_substring(columns["text"], "\x00")).as_py():
        columns["text"] = pc.replace_substring(columns["text"], "\x00", " ")
    columns["text"] = clean_column(columns["text"])  # the rare one written as HTML
    usable = pc.fill_null(pc.match_substring_regex(columns["text"], r"\S"), False)
    no_text = records - pc.sum(usable).as_py() if records else 0
    if no_text:
        columns = {name: column.filter(usable) for name, column in columns.items()}
    keep = _first_of_each_id(columns["cid"])
    if keep is not None:
        columns = {name: column.take(keep) for name, column in columns.items()}
    cids = columns["cid"]
    is_reply = pc.or_(pc.fill_null(columns["reply"], False), pc.match_substring(cids, "."))
    columns = CommentColumns(pa.table({
        "cid": cids, "text": columns.pop("text"),
        "author": pc.fill_null(columns["author"], ""),
        "likes": _likes(columns["votes"]), "is_reply": is_reply, "published": columns["time"],
    }))
    report = ImportReport(comments=[], format="youtube-comment-downloader JSON lines",
                          records=records, bad_records=no_text,
                          reasons={"no text": no_text} if no_text else {})
    return ColumnsRead(columns, report)


def _downloader_lines(path: Path) -> pa.Table | None:
    """The dump parsed by Arrow when it is plain UTF-8 JSON lines with ids, else ``None``."""
    with path.open("rb") as file:
        head = file.read(65536)
    if not head.lstrip().startswith(b"{") or head.startswith(b"\xef\xbb\xbf"):
        return None
    options = pj.ParseOptions(explicit_schema=DOWNLOADER_FIELDS,
                              unexpected_field_behavior="ignore")
    try:  # streamed in blocks: the whole file is never held at once
        table = pj.open_json(path, read_options=pj.ReadOptions(block_size=4 << 20),
                             parse_options=options).read_all()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.column("cid").null_count or table.column("text").null_count == table.num_rows:
        return None  # records without ids get stable hash ids from the Python reader
    return table


def _first_of_each_id(cids: pa.Array) -> pa.Array | None:
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
