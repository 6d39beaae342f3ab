"""Comments stored while their file is still being read.

Importing a dump of millions of comments takes seconds to read and scan (Arrow, NumPy) and
seconds to store (``stored_comments``). Done one after the other, the two add up, and the
comments are held whole in between (gigabytes of text). So the file's reader runs in a worker
thread and hands each chunk over as it reads, while the transaction's own thread writes the
chunk before (Arrow's writer and NumPy run outside the GIL, so on two cores the two overlap).
At most ``AHEAD`` chunks wait between them: memory follows the chunk, not the file.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from queue import Full, Queue

from shortory_core.records import CommentColumns, CommentReader, MentionSet
from shortory_core.store.stored_comments import ImportWriter

AHEAD = 2  # chunks read but not yet written
_DISCARD, _END = object(), object()  # what the reader says besides handing over a chunk


class _Stopped(Exception):
    """The writing side failed: the reader stops at its next chunk."""


class _Handover:
    """The reader's ``CommentSink``: a bounded queue to the writing thread."""

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
        """Wait for room, unless the writing side failed (it takes nothing any more)."""
        while not self.failed.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except Full:
                continue
        raise _Stopped


def write_while_reading(read: CommentReader, writer: ImportWriter
                        ) -> tuple[int, dict, MentionSet | None]:
    """Run ``read`` in a worker thread and have ``writer`` write each chunk it hands over,
    in this thread, then finish the file. Returns how many comments were new, with what
    ``read`` returned. Chunks discarded by the reader are forgotten; a failure on either side
    stops both and is raised here (the caller abandons the file and rolls back)."""
    handover = _Handover()
    with ThreadPoolExecutor(1) as pool:
        reading = pool.submit(_read_to_end, read, handover)
        try:
            while (item := handover.queue.get()) is not _END:
                if item is _DISCARD:
                    writer.restart()
                else:
                    writer.add(item)  # type: ignore[arg-type]
            added = writer.finish()
        except BaseException:
            handover.failed.set()  # the pool's exit waits for the reader to stop
            raise
        record, mentions = reading.result()
    return added, record, mentions


def _read_to_end(read: CommentReader, handover: _Handover) -> tuple[dict, MentionSet | None]:
    """``read``, then the end mark if ``read`` did not give it: also after a failure, which
    the writing side then raises from the reader's result."""
    try:
        return read(handover)
    finally:
        with suppress(_Stopped):  # raised when nobody waits for the end any more
            handover.end()
