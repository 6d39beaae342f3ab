"""The time references of a comment dump of any length, read a chunk at a time.

A popular video's dump holds millions of comments and hundreds of megabytes of text, but the
crowd signal needs only the comments that name a time. Each chunk of the dump
(``comment_columns.downloader_stretches``) is scanned as it comes, and only its comments holding
a reference are kept (with all their fields: the moments show their text, ids and likes).
Of every other comment only its id stays, so that a comment id repeated anywhere in the dump
still counts once, its first time, as when the dump is read whole. Memory then follows the
chunk and the quoted comments, not the file.

The bulk scan itself looks only at the comments that may hold a reference
(``colon_scan.scan``).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shortory_core.records import CommentColumns, CommentSink
from shortory_core.signals.mentions import Mentions, extract_mentions
from shortory_core.sources.comment_columns import (
    CHUNK_BYTES,
    ColumnsRead,
    NotNative,
    Stretch,
    chunk_report,
    downloader_stretches,
    read_comment_columns,
)
from shortory_core.sources.comment_files import MAX_LIKES, ImportReport
from shortory_core.sources.comment_headers import ColumnMapping
from shortory_core.store.comment_ids import first_of_each_id, id_hashes, repeats


@dataclass
class DumpMentions:
    """A dump's references over its quoted comments only (``mentions.comments``), with the
    counts an import record needs of all its comments."""

    mentions: Mentions
    comments: int
    replies: int
    clamped_likes: int
    report: ImportReport


def dump_mentions(path: Path, name: str | None = None, duration: float | None = None,
                  chunk_bytes: int = CHUNK_BYTES, columns: ColumnMapping | None = None,
                  sink: CommentSink | None = None) -> DumpMentions:
    """Every time reference of the dump at ``path`` (as ``extract_mentions`` finds them in
    the whole file), read ``chunk_bytes`` at a time where the dump is downloader JSON lines;
    any other dump is read whole by ``read_comment_columns`` (``columns``: which CSV column
    is which). ``sink`` is given all the comments as they are read (an import stores them
    there, so they are never all held)."""
    try:
        return _streamed(path, duration, chunk_bytes, sink=sink)
    except NotNative:
        read = read_comment_columns(path, name, columns)
        if sink is not None:
            sink.discard()
            sink.add(read.columns)
            sink.end()
        return _whole(read, duration)


def _whole(read: ColumnsRead, duration: float | None) -> DumpMentions:
    """The references of comments read whole."""
    columns = read.columns
    clamped = pc.sum(pc.equal(columns.column("likes"), MAX_LIKES)).as_py() or 0
    return DumpMentions(extract_mentions(columns, duration), len(columns), columns.replies,
                        int(clamped), read.report)


def _streamed(path: Path, duration: float | None, chunk_bytes: int,
              sink: CommentSink | None = None) -> DumpMentions:
    found = _Found()
    chunks = []
    for stretch in _ahead(downloader_stretches(path, chunk_bytes)):
        chunk = stretch.chunk()
        if sink is not None:
            sink.add(chunk.columns)
        found.add(chunk.columns)
        chunk.columns = CommentColumns(pa.table({}))  # let the chunk's texts go
        chunks.append(chunk)
    if sink is not None:
        sink.end()
    return found.mentions(duration, chunk_report(chunks))


def _ahead(stretches: Iterator[Stretch]) -> Iterator[Stretch]:
    """``stretches``, the next one read, parsed and cleaned in a worker thread while the
    caller finishes, scans and stores the current one: Arrow's parser and NumPy's passes both
    run outside the GIL, so the two overlap on two cores, and the two halves take about as
    long. At most two stretches are held."""
    with ThreadPoolExecutor(1) as pool:
        coming = pool.submit(next, stretches, None)
        while (stretch := coming.result()) is not None:
            coming = pool.submit(next, stretches, None)
            yield stretch


class _Found:
    """What is kept of the chunks seen so far: every id, reply flag and clamped-likes flag
    (to drop repeated ids and count at the end), and the quoted comments with their
    references (``owner`` numbered among the comments kept). The
    kept texts, most of what is kept, go into one growing buffer: joining them at the end
    would hold them twice."""

    def __init__(self) -> None:
        self.cids: list[pa.Array] = []
        self.hashes: list[np.ndarray] = []  # of the ids: finding repeats by hash costs little
        self.flags: list[np.ndarray] = []  # per comment: 1 a reply, 2 its likes clamped
        self.quoted: list[pa.Table] = []  # the quoted comments' other columns
        self.text = bytearray()
        self.text_ends: list[np.ndarray] = [np.zeros(1, np.int64)]
        self.rows: list[np.ndarray] = []  # the quoted comments' rows in the whole dump
        # per column of the references (owner, seconds, end, form, start, stop), per chunk;
        # kept as int32 (half the memory), the columns' int64 made one at a time at the end
        self.refs: list[list[np.ndarray]] = [[] for _ in range(6)]
        self.seen = self.held = 0  # comments seen; quoted comments held

    def add(self, columns: CommentColumns) -> None:
        self.cids.append(columns.column("cid"))
        self.hashes.append(id_hashes(columns.column("cid")))
        reply = columns.column("is_reply").to_numpy(zero_copy_only=False).astype(np.int8)
        clamped = pc.equal(columns.column("likes"), MAX_LIKES).to_numpy(zero_copy_only=False)
        self.flags.append(reply | (clamped.astype(np.int8) << 1))
        found = extract_mentions(columns)
        rows, owner = np.unique(found.owner, return_inverse=True)
        quoted = columns.take(pa.array(rows, pa.int64())).table()
        self._keep_texts(quoted.column("text").combine_chunks().cast(pa.large_string()))
        self.quoted.append(quoted.drop_columns("text"))
        self.rows.append(rows + self.seen)
        for column, part in zip(self.refs, (owner.reshape(-1) + self.held, found.seconds,
                                            found.end, found.form, found.start, found.stop),
                                strict=True):
            column.append(part.astype(np.int32))
        self.seen += len(columns)
        self.held += len(rows)

    def _keep_texts(self, texts: pa.Array) -> None:
        _, offsets, data = texts.buffers()
        ends = np.frombuffer(offsets, np.int64)[texts.offset:texts.offset + len(texts) + 1]
        self.text_ends.append(ends[1:] - ends[0] + len(self.text))
        if data is not None:
            self.text += memoryview(data)[ends[0]:ends[-1]]

    def _quoted(self) -> CommentColumns:
        ends = np.concatenate(self.text_ends)
        text = pa.LargeStringArray.from_buffers(len(ends) - 1, pa.py_buffer(ends),
                                                pa.py_buffer(self.text))
        table = pa.concat_tables(self.quoted) if self.quoted else pa.table({})
        return CommentColumns(table.append_column("text", text))

    def mentions(self, duration: float | None, report: ImportReport) -> DumpMentions:
        """The references of the first comment of each id, as ``extract_mentions`` gives
        them for the whole dump."""
        flags = np.concatenate(self.flags) if self.flags else np.zeros(0, np.int8)
        hashes = np.concatenate(self.hashes) if self.hashes else np.zeros(0, np.uint64)
        keep = None  # equal ids hash alike: with no hash twice, no id is given twice
        if repeats(hashes):
            keep = first_of_each_id(pa.chunked_array(self.cids, pa.string()).combine_chunks())
        if keep is not None:
            flags = flags[keep.to_numpy()]
        rows = np.concatenate(self.rows) if self.rows else np.zeros(0, np.int64)
        quoted = self._quoted()
        kind = np.int32  # ranking moments and storing them take them so, at half the memory
        refs = []
        for parts in self.refs:
            refs.append(np.concatenate(parts).astype(kind, copy=False) if parts
                        else np.zeros(0, kind))
            parts.clear()
        if keep is not None:  # drop the quoted comments that repeat an earlier id
            first = np.zeros(self.seen, bool)
            first[keep.to_numpy()] = True
            held = first[rows]
            renumber = np.cumsum(held) - 1
            quoted = quoted.take(pa.array(np.flatnonzero(held), pa.int64()))
            live = held[refs[0]]
            refs = [part[live] for part in refs]
            refs[0] = renumber[refs[0]]
        mentions = Mentions(quoted, *refs)
        return DumpMentions(mentions.within(duration), len(flags), int((flags & 1).sum()),
                            int((flags >> 1).sum()), report)
