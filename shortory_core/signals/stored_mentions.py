"""A project's time references, extracted once and kept in the store.

Finding every reference in a million comments takes seconds; reading them back takes a
fraction of one. So the import extracts them once, and the pages, the timeline and the CLI
read the stored set. It is packed as two Arrow IPC blobs: the references as columns, and
only the comments that hold one (their text makes a moment's top comments). A set is valid
for the comment count and rule version it was made with; one that no longer matches (comments
added by another path, rules changed) is rebuilt from the comments table on first use.

References are stored without a duration cut, so a video added or replaced later needs no
rebuild: ``Mentions.within`` cuts them when they are read. All references are stored; chapter
lists are told apart when they are read (``chapters``): their references are markers, not
votes.

Comments stored before the import turned HTML into text are converted when the set is rebuilt
(the rules version says when), so their snippets and captions read as text too.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from shortory_core.records import CommentColumns, MentionSet
from shortory_core.signals.chapters import ChapterMarker, chapter_lists, chapter_markers, votes
from shortory_core.signals.mentions import Mentions, extract_mentions
from shortory_core.sources.comment_html import clean_column
from shortory_core.store import Store

# Bump when an extraction rule changes what it finds: stored sets are then rebuilt.
RULES_VERSION = "2026.12-1"  # comment text read as text, not HTML
_REFS = ("owner", "seconds", "end", "form", "start", "stop")
_IPC = pa.ipc.IpcWriteOptions(compression="zstd")


def pack(mentions: Mentions, comments: int) -> MentionSet:
    """``mentions`` (taken from all ``comments`` comments of a project) as the store keeps
    them."""
    rows, owner = np.unique(mentions.owner, return_inverse=True)
    quoted = mentions.comments  # each holds a reference (a dump's quoted comments): no copy
    if len(rows) < len(quoted):
        quoted = quoted.take(pa.array(rows, pa.int64()))
    refs = pa.table({"owner": owner.astype(np.int64)} | {
        name: getattr(mentions, name) for name in _REFS[1:]})
    table = pa.table({name: quoted.column(name) for name in CommentColumns.NAMES})
    return MentionSet(comments, RULES_VERSION, _ipc(refs), _ipc(table))


def unpack(stored: MentionSet) -> Mentions:
    refs = _table(stored.refs)
    arrays = [refs.column(name).to_numpy() for name in _REFS]
    return Mentions(CommentColumns(_table(stored.quoted)), *arrays)


def project_mentions(store: Store, project_id: int, duration: float | None = None
                     ) -> Mentions:
    """The time references in the project's comments that vote for a moment (all but those
    of chapter lists), up to ``duration`` when given. Every ranking of comment moments (the
    crowd page, the studio, the timeline's comment signal) reads these."""
    return votes(all_mentions(store, project_id, duration))


def project_chapters(store: Store, project_id: int, duration: float | None = None
                     ) -> list[ChapterMarker]:
    """The project's chapter markers, in time order: the video's own chapters and those of
    the viewers' chapter lists (see ``chapters.chapter_markers``)."""
    video = store.get_video(project_id)
    lists = chapter_lists(all_mentions(store, project_id, duration))
    return chapter_markers(video.chapters if video else [], lists)


def all_mentions(store: Store, project_id: int, duration: float | None = None) -> Mentions:
    """Every time reference in the project's comments, up to ``duration`` when given: the
    stored set, or (none yet, or out of date) one extracted now and stored."""
    stored = store.mentions(project_id)
    if stored is None or stored.rules != RULES_VERSION:
        columns = store.comment_columns(project_id)
        columns = CommentColumns(pa.table(
            {name: clean_column(columns.column(name)) if name == "text" else
             columns.column(name) for name in CommentColumns.NAMES}))
        mentions = extract_mentions(columns)
        store.save_mentions(project_id, pack(mentions, len(columns)))
        return mentions.within(duration)
    return unpack(stored).within(duration)


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_IPC) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _table(blob: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(blob)).read_all()
