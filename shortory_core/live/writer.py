"""Samples reach the store continuously, in small batches, off the frame thread.

A closed tab, a refresh or a killed server loses at most the batch being collected: the writer
flushes every ``FLUSH_EVERY_S`` seconds in a thread of its own, each batch a Parquet part keyed
by its first seq (``live-000000120``). A batch that failed is tried again from the same seq, so
it replaces its own file rather than adding a second one. The session's parts are compacted
into one when it ends (``WatchSession.stop``) or is resumed.
"""

from __future__ import annotations

import logging
import threading

from shortory_core.errors import describe
from shortory_core.store import Store

FLUSH_EVERY_S = 0.5
log = logging.getLogger(__name__)


class SampleWriter:
    """Numbers samples (``seq``) and writes them in batches; ``close`` writes the rest."""

    def __init__(self, store: Store, session_id: int, first_seq: int = 0,
                 flush_every: float = FLUSH_EVERY_S) -> None:
        self.store = store
        self.session_id = session_id
        self.written = 0
        self.error = ""  # why the last write failed; cleared by the next one that works
        self._next_seq = first_seq
        self._pending: list[dict] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._flush_every = flush_every
        self._thread = threading.Thread(target=self._run, name=f"samples-{session_id}",
                                        daemon=True)
        self._thread.start()

    def add(self, row: dict) -> None:
        with self._lock:
            self._pending.append(row | {"seq": self._next_seq})
            self._next_seq += 1

    def flush(self) -> int:
        with self._lock:
            batch, self._pending = self._pending, []
        if batch:
            try:
                self.store.add_samples(self.session_id, batch, prefix="live")
            except Exception as exc:  # keep them for the next try, and tell the viewer
                log.exception("could not write %d samples; retrying", len(batch))
                with self._lock:
                    self._pending[:0] = batch
                    self.error = f"Samples are not being saved: {describe(exc)}"
                return 0
            self.written += len(batch)
            self.error = ""
        return len(batch)

    def _run(self) -> None:
        while not self._stop.wait(self._flush_every):
            try:
                self.flush()
            except Exception:  # flush keeps its batch; this thread must not die
                log.exception("sample writer")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.flush()
