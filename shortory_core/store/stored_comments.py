"""Comments as Parquet files, one per import, listed in SQLite.

SQLite took about 6 µs to insert a comment, whatever the comment held: two million comments
were 13 s of an import's CPU. An import's new comments are therefore written, as its file is
read, into one Parquet file of the project's media folder (``comments/import-<id>.parquet``):
two million in about 2 s. SQLite keeps what needs transactions: the import's row (its report,
whether it counts, how many comments it added, and its file). Comments imported before this
stay rows of the ``comments`` table (an import without a file) and are read from there.

The file is written under a temporary name and renamed when whole, and counts only once its
import row is committed: a failed import removes it, one killed leaves a file nobody reads.
A comment id counts once per project, under the import that brought it first
(``comment_ids``).
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shortory_core.errors import StoreError
from shortory_core.records import CommentColumns
from shortory_core.store.comment_ids import KnownIds, first_of_each_id, id_hashes, repeats

COMMENTS_FOLDER = "comments"
COMMENT_SCHEMA = pa.schema(list(zip(CommentColumns.NAMES, CommentColumns.TYPES, strict=True)))
# Texts and ids are nearly all distinct: a dictionary of them only costs time.
_WRITE = {"compression": "zstd", "use_dictionary": ["author", "parent_cid", "published"]}


def comment_file(import_id: int) -> str:
    """The file of an import's comments, in its project's folder."""
    return f"{COMMENTS_FOLDER}/import-{int(import_id)}.parquet"


class ImportWriter:
    """Writes one import's comments into its file as they come, each only if its id is new
    to the project (``known``) and to the import. ``add`` a chunk at a time, ``finish`` to
    put the file in place; ``restart`` forgets what was added (the reader starts the file
    again another way), ``abandon`` removes the file (the import failed)."""

    def __init__(self, folder: Path, import_id: int, known: KnownIds) -> None:
        self.import_id = import_id
        self.name = comment_file(import_id)
        self.path = folder / self.name
        self.temp = self.path.with_name(self.path.name + ".part")
        self.known = known
        try:
            self._start()
        except BaseException:
            self.temp.unlink(missing_ok=True)
            raise

    def _start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(self.temp, COMMENT_SCHEMA, **_WRITE)
        self.ids: list[pa.Array] = []
        self.hashes: list[np.ndarray] = []
        self.written = 0

    def add(self, comments: CommentColumns) -> int:
        """Write the comments whose ids are new; returns how many were."""
        table = _completed(comments)
        ids = table.column("cid").combine_chunks()
        hashes = id_hashes(ids)
        keep = self.known.unknown(ids, hashes)
        first = first_of_each_id(ids)
        if first is not None:
            once = np.zeros(len(ids), bool)
            once[first.to_numpy()] = True
            keep &= once
        if not keep.all():
            mask = pa.array(keep)
            table, ids, hashes = table.filter(mask), ids.filter(mask), hashes[keep]
        self.writer.write_table(table)
        self.ids.append(ids)
        self.hashes.append(hashes)
        self.written += len(table)
        return len(table)

    def restart(self) -> None:
        self.writer.close()
        self.temp.unlink(missing_ok=True)
        self._start()

    def finish(self) -> int:
        """Put the file in place; an id that came again in a later chunk keeps its first
        comment only (the file is written again without the others, which a real dump
        seldom needs). Returns how many comments the file holds."""
        self.writer.close()
        if self.hashes and repeats(np.concatenate(self.hashes)):
            keep = first_of_each_id(pa.chunked_array(self.ids, pa.string()).combine_chunks())
            if keep is not None:
                table = pq.read_table(self.temp, schema=COMMENT_SCHEMA).take(keep)
                pq.write_table(table, self.temp, **_WRITE)
                self.written = len(table)
        os.replace(self.temp, self.path)
        return self.written

    def abandon(self) -> None:
        with suppress(Exception):  # a full disk fails the close too
            self.writer.close()
        for path in (self.temp, self.path):
            with suppress(OSError):
                path.unlink()


def read_comments(folder: Path, name: str, columns: list[str] | None = None) -> pa.Table:
    """An import's comments (``columns`` of them), or one clear error naming the file."""
    path = folder / name
    try:
        return pq.read_table(path, columns=columns, schema=COMMENT_SCHEMA)
    except FileNotFoundError as exc:
        raise StoreError(f"The comments of an import are missing: {path} is gone. Restore it "
                         "from a backup, or delete the import and import its file again."
                         ) from exc
    except (OSError, pa.ArrowException) as exc:
        raise StoreError(f"The comments of an import cannot be read: {path} is damaged or "
                         f"truncated ({exc}). Restore it from a backup, or delete the import "
                         "and import its file again.") from exc


def most_liked(folder: Path, name: str, limit: int) -> pa.Table:
    """An import's ``limit`` most-liked comments, most liked first (ties in file order):
    the likes are read whole, the comments only from the row groups that hold them."""
    likes = read_comments(folder, name, ["likes"]).column("likes").to_numpy()
    top = np.argsort(-likes, kind="stable")[:limit]
    if not len(top):
        return COMMENT_SCHEMA.empty_table()
    try:
        file = pq.ParquetFile(folder / name)
        sizes = np.array([file.metadata.row_group(g).num_rows
                          for g in range(file.metadata.num_row_groups)], np.int64)
        starts = np.cumsum(sizes) - sizes
        groups = np.searchsorted(starts, top, side="right") - 1
        wanted = np.unique(groups)
        table = file.read_row_groups(wanted.tolist())
    except (OSError, pa.ArrowException) as exc:
        raise StoreError(f"The comments of an import cannot be read: {folder / name} is "
                         f"damaged or truncated ({exc}).") from exc
    read_from = np.cumsum(sizes[wanted]) - sizes[wanted]  # where each group is in ``table``
    rows = read_from[np.searchsorted(wanted, groups)] + top - starts[groups]
    return table.take(pa.array(rows, pa.int64()))


def _completed(comments: CommentColumns) -> pa.Table:
    """The comments as a table of ``COMMENT_SCHEMA`` with nothing left empty that a comment
    always has, a reply's parent taken from its id (``PARENT.REPLY``) where none is given."""
    columns = {name: comments.column(name) for name in CommentColumns.NAMES}
    cid, reply = columns["cid"], pc.fill_null(columns["is_reply"], False)
    implied = pc.if_else(pc.and_(reply, pc.match_substring(cid, ".")), pc.list_element(
        pc.split_pattern(cid, ".", max_splits=1), 0), pa.scalar(None, pa.string()))
    columns |= {"author": pc.fill_null(columns["author"], ""), "is_reply": reply,
                "likes": pc.fill_null(columns["likes"], 0),
                "parent_cid": pc.coalesce(columns["parent_cid"], implied),
                "published": pc.fill_null(columns["published"], "")}
    return pa.table(columns).cast(COMMENT_SCHEMA)
