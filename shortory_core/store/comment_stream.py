"""Comments inserted while their file is still being read.

Importing a dump of millions of comments takes about as long to read and scan (Arrow, NumPy)
as SQLite takes to insert it. Done one after the other, the two add up, and the comments are
held whole in between (gigabytes of text). So the file's reader runs in a worker thread and
hands each chunk over as it reads, while the transaction's own thread inserts the chunk before
(SQLite steps outside the GIL, so on two cores the two overlap). At most ``AHEAD`` chunks wait
between them: memory follows the chunk, not the file.

Where the store holds few comments yet, the most-liked index is dropped for the import and
built again after its last chunk (``drop_index``), while the reader packs the time references:
sorting two million entries once costs about half of inserting them one by one.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from queue import Full, Queue

from shortory_core.records import CommentColumns, CommentReader, MentionSet

AHEAD = 2  # chunks read but not yet inserted
# Comments already stored (an upper bound: the highest rowid) below which an import rebuilds
# the most-liked index rather than keeping it up to date row by row; rebuilding this many
# costs about a tenth of a second, whatever the import's size.
REBUILD_BELOW = 200_000
_DISCARD, _END = object(), object()  # what the reader says besides handing over a chunk


class _Stopped(Exception):
    """The inserting side failed: the reader stops at its next chunk."""


class _Handover:
    """The reader's ``CommentSink``: a bounded queue to the inserting thread."""

    def __init__(self) -> None:
        self.queue: Queue[object] = Queue(AHEAD)
        self.failed = threading.Event()
        self.ended = False

    def add(self, comments: CommentColumns) -> None:
        self.put(comments)

    def discard(self) -> None:
        self.put(_DISCARD)

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            self.put(_END)

    def put(self, item: object) -> None:
        """Wait for room, unless the inserting side failed (it takes nothing any more)."""
        while not self.failed.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except Full:
                continue
        raise _Stopped


def insert_while_reading(conn: sqlite3.Connection, read: CommentReader,
                         insert: Callable[[CommentColumns], int],
                         then: Callable[[], None]) -> tuple[int, dict, MentionSet | None]:
    """Run ``read`` in a worker thread and ``insert`` each chunk it hands over on ``conn``
    (an open transaction, used from this thread only), then ``then`` while the reader
    finishes. Returns how many comments were new, with what ``read`` returned. Chunks
    discarded by the reader are rolled back to where the file started; a failure on either
    side stops both and is raised here, so the caller's transaction rolls back whole."""
    handover = _Handover()
    conn.execute("SAVEPOINT comment_file")
    with ThreadPoolExecutor(1) as pool:
        reading = pool.submit(_read_to_end, read, handover)
        added = 0
        try:
            while (item := handover.queue.get()) is not _END:
                if item is _DISCARD:
                    conn.execute("ROLLBACK TO comment_file")
                    added = 0
                else:
                    added += insert(item)  # type: ignore[arg-type]
            then()
        except BaseException:
            handover.failed.set()  # the pool's exit waits for the reader to stop
            raise
        record, mentions = reading.result()
    conn.execute("RELEASE comment_file")
    return added, record, mentions


def _read_to_end(read: CommentReader, handover: _Handover) -> tuple[dict, MentionSet | None]:
    """``read``, then the end mark if ``read`` did not give it: also after a failure, which
    the inserting side then raises from the reader's result."""
    try:
        return read(handover)
    finally:
        with suppress(_Stopped):  # raised when nobody waits for the end any more
            handover.end()


def drop_index(conn: sqlite3.Connection, index: str = "comments_by_likes"
               ) -> Callable[[], None]:
    """Drop ``index`` of the comments on an open transaction for a bulk insert, where the
    comments stored before are few enough for building it again to cost less than keeping
    it up to date row by row; returns what builds it again (from its own stored definition),
    or does nothing where it was left. A failure before that rolls the transaction back, the
    drop with it."""
    stored = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM comments").fetchone()[0]
    found = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                         (index,)).fetchone()
    if found is None or stored > REBUILD_BELOW:
        return lambda: None
    conn.execute(f"DROP INDEX {index}")

    def rebuild() -> None:
        conn.execute(found[0])
    return rebuild
