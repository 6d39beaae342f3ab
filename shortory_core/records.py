"""Plain records passed between sources, the store and the pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shortory_core.owner import Owner

# The five emotions the product shows, whatever a model's own classes are (each model card maps
# its labels onto these).
PRODUCT_EMOTIONS: tuple[str, ...] = ("happy", "sad", "angry", "neutral", "surprise")


# Statuses are enums so that a misspelt one fails where it is written, not silently in a
# comparison. A ``StrEnum`` member is its own string: the store writes and reads it as text.

class JobStatus(StrEnum):
    """A background job's state (``jobs/``): ``queued`` waits for its owner's worker,
    ``running`` is being worked on, ``done``/``failed``/``cancelled`` ended by itself, by an
    error or on request, ``interrupted`` means its owner process died first (retry it)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"

    @property
    def active(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def retryable(self) -> bool:
        return self in (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)


class ClipStatus(StrEnum):
    """A clip's state: queued → rendering → done | failed | cancelled."""

    QUEUED = "queued"
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def pending(self) -> bool:
        """Still on its way to a file."""
        return self in (ClipStatus.QUEUED, ClipStatus.RENDERING)


class SessionKind(StrEnum):
    LIVE = "live"  # watched in the app, samples written as it plays
    RECORDING = "recording"  # an uploaded or linked reaction video, analysed by a job


class SessionStatus(StrEnum):
    """A reaction session's state. A recording: pending → analysing → analysed, or the
    status of the analysis job that ended without finishing (failed, cancelled, interrupted).
    A live session: live (being watched, or resumable) → ended."""

    PENDING = "pending"
    ANALYSING = "analysing"
    ANALYSED = "analysed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    LIVE = "live"
    ENDED = "ended"


class StepStatus(StrEnum):
    """How one step of a batch (``batch/``) ended."""

    DONE = "done"
    SKIPPED = "skipped"
    MERGED = "merged"  # a manifest row that repeats one before it
    FAILED = "failed"


@dataclass(frozen=True)
class Comment:
    """One viewer comment, whatever it was imported from.

    ``text`` is plain text (the Data API's ``textDisplay`` HTML is converted where comments
    enter: ``sources.comment_html``). ``parent_cid`` links a reply to the comment it
    answers.
    """

    cid: str
    text: str
    author: str = ""
    likes: int = 0
    is_reply: bool = False
    parent_cid: str | None = None
    published: str = ""


CommentRow = tuple[str, str, str, int, bool, str | None, str]


class CommentColumns:
    """Comments as Arrow columns, in the order ``Comment`` has its fields: what a dump reader
    fills, what the bulk scan reads and what the store inserts from, without one Python
    object per comment. A NUL character in a text becomes a space (it means nothing in a
    comment, and the bulk scan joins texts with it)."""

    NAMES = ("cid", "text", "author", "likes", "is_reply", "parent_cid", "published")
    TYPES = (pa.string(), pa.large_string(), pa.string(), pa.int64(), pa.bool_(), pa.string(),
             pa.string())

    def __init__(self, table: pa.Table) -> None:
        self._columns = {
            name: (_one_array(table.column(name)) if name in table.column_names
                   else pa.nulls(table.num_rows, kind))
            for name, kind in zip(self.NAMES, self.TYPES, strict=True)}
        self._rows = table.num_rows

    @classmethod
    def of(cls, comments: Iterable[Comment] | CommentColumns) -> CommentColumns:
        if isinstance(comments, CommentColumns):
            return comments
        comments = list(comments)
        table = {name: [getattr(c, name) for c in comments] for name in cls.NAMES}
        table["text"] = [text.replace("\x00", " ") for text in table["text"]]
        return cls(pa.table({name: pa.array(table[name], kind)
                             for name, kind in zip(cls.NAMES, cls.TYPES, strict=True)}))

    @classmethod
    def from_rows(cls, batches: Iterable[list[CommentRow]]) -> CommentColumns:
        """Columns from batches of rows in ``NAMES`` order (as the store reads them)."""
        schema = pa.schema(list(zip(cls.NAMES, cls.TYPES, strict=True)))
        batches = ([(row[0], row[1].replace("\x00", " "), *row[2:]) for row in batch]
                   for batch in batches)  # rows stored before NULs were replaced at import
        tables = [pa.Table.from_arrays(
            [pa.array(values if kind != pa.bool_() else [bool(v) for v in values], kind)
             for values, kind in zip(zip(*batch, strict=True), cls.TYPES, strict=True)],
            schema=schema) for batch in batches if batch]
        return cls(pa.concat_tables(tables) if tables else schema.empty_table())

    def __len__(self) -> int:
        return self._rows

    def column(self, name: str) -> pa.Array:
        return self._columns[name]

    def table(self) -> pa.Table:
        """The columns as one Arrow table (to join chunks, or to write them)."""
        return pa.table(self._columns)

    @property
    def replies(self) -> int:
        return int(pc.sum(self._columns["is_reply"]).as_py() or 0)

    def take(self, rows: pa.Array | np.ndarray) -> CommentColumns:
        """The comments at ``rows``, in that order."""
        return CommentColumns(pa.table({name: column.take(rows)
                                        for name, column in self._columns.items()}))

    def rows(self, batch: int = 50_000) -> Iterator[CommentRow]:
        """Every comment as a plain tuple in ``NAMES`` order, converted a batch at a time so
        that a million comments are never all Python objects at once."""
        for low in range(0, self._rows, batch):
            parts = [self._columns[name].slice(low, batch).to_pylist() for name in self.NAMES]
            for cid, text, author, likes, reply, parent, published in zip(*parts, strict=True):
                if parent is None and reply and "." in cid:  # a reply's id is PARENT.REPLY
                    parent = cid.split(".", 1)[0]
                yield (cid, text, author or "", likes or 0, bool(reply), parent,
                       published or "")


def _one_array(column: pa.ChunkedArray) -> pa.Array:
    """A column as one array; one already whole is not copied (``combine_chunks`` would copy
    a dump's hundreds of megabytes of text)."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


@dataclass(frozen=True)
class HeatPoint:
    """One bucket of YouTube's "Most replayed" graph; ``value`` is 0..1."""

    start: float
    end: float
    value: float


@dataclass(frozen=True)
class Chapter:
    start: float
    end: float
    title: str


@dataclass
class VideoInfo:
    """What is known of a project's source video. ``path`` is relative to the media folder."""

    path: str
    duration: float
    width: int = 0
    height: int = 0
    fps: float = 0.0
    has_audio: bool = False
    title: str = ""
    source_url: str = ""
    heatmap: list[HeatPoint] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    preview: str = ""  # a small copy for the pages (clips/preview.py), relative to media/


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    created_at: float
    is_demo: bool


@dataclass
class SessionDraft:
    """A reaction session made before its project exists (the demo's recorded viewers).
    ``source_path`` is relative to the draft's folder."""

    viewer: str
    kind: SessionKind
    source_path: str
    time_offset: float
    samples: pa.Table  # SAMPLE_SCHEMA (store.sample_files); its session id is replaced
    status: SessionStatus = SessionStatus.ANALYSED
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ReactionSession:
    """A reaction session as the store keeps it, with how many samples it holds.
    ``source_path`` is relative to the media folder ("" for live and linked sessions);
    ``meta`` holds the panel group, inclusion, a linked ``media_url`` and a live heartbeat."""

    id: int
    project_id: int
    viewer: str
    kind: SessionKind
    source_path: str
    time_offset: float
    status: SessionStatus
    started_at: float
    ended_at: float | None
    meta: dict[str, Any]
    n_samples: int
    work_key: str | None = None  # a batch row's identity (``batch/manifest.py``)


@dataclass(frozen=True)
class CommentImport:
    """One imported comment file: what it read and skipped (``projects.import_record`` writes
    the report), how many of the project's comments it added and still holds, and whether
    they count (``active``: a file switched off keeps its comments out of every signal)."""

    created_at: float
    report: dict[str, Any]
    id: int = 0
    active: bool = True
    comments: int = 0

    @property
    def files(self) -> list[str]:
        """The files it read: its own, or for the "earlier imports" entry (comments stored
        before imports were kept apart) those of the imports it stands for."""
        return [self.report["file"], *(r.get("file", "") for r in
                                       self.report.get("imports", []))]


@dataclass(frozen=True)
class ProfileSummary:
    """A stored viewer profile as lists show it: whose, for which emotion model, and how many
    faces per emotion it was made from (the prototypes stay in the store)."""

    viewer: str
    model: str
    created_at: float
    faces: dict[str, int]


@dataclass(frozen=True)
class MentionSet:
    """A project's time references as the store keeps them (``signals.stored_mentions`` packs
    and reads them): valid while the project has ``comments`` comments and the rules are
    ``rules``."""

    comments: int
    rules: str
    refs: bytes
    quoted: bytes


class CommentSink(Protocol):
    """Where a comment file's reader puts the comments as it reads them (the store inserts
    them inside its transaction), so that a dump of millions of comments is never held
    whole and is stored while it is still being read."""

    def add(self, comments: CommentColumns) -> None:
        """Store these comments after those added before (file order is kept)."""

    def discard(self) -> None:
        """Forget every comment added so far: the reader starts the file again another way
        (a stretch Arrow could not parse sends it to the Python reader)."""

    def end(self) -> None:
        """No more comments come: the store finishes its inserts (builds its index) while
        the reader finishes its own work."""


# Reads a comment file into the sink; returns the import's record (``projects.import_record``)
# and the comments' time references, packed (``None``: extracted on first use).
CommentReader = Callable[[CommentSink], tuple[dict, "MentionSet | None"]]


@dataclass
class ProjectDraft:
    """Everything a new project holds, made off the record: files in ``folder`` (a staging
    folder inside the data folder), rows in memory. ``Store.commit_project`` makes it real
    in one step. Paths inside are relative to ``folder``."""

    name: str
    folder: Path
    video: VideoInfo | None = None
    comments: list[Comment] | CommentColumns = field(default_factory=list)
    mentions: MentionSet | None = None  # the comments' time references, when extracted
    sessions: list[SessionDraft] = field(default_factory=list)
    imports: list[dict] = field(default_factory=list)  # comment import reports (projects.py)
    # a comment file read while the project is committed (``comments`` then stays empty);
    # its record is appended to ``imports`` once read
    comment_reader: CommentReader | None = None
    is_demo: bool = False


@dataclass(frozen=True)
class ProjectSummary:
    """A project with the counts the home page shows."""

    project: Project
    video: VideoInfo | None
    comments: int
    sessions: int
    samples: int
    clips: int


@dataclass(frozen=True)
class ClipRecord:
    """A clip as the store keeps it; ``path`` is relative to the media folder once done."""

    id: int
    project_id: int
    kind: str  # "comments", or the emotion it was cut for
    start: float
    end: float
    score: float
    label: str
    mode: str
    status: ClipStatus
    path: str = ""
    error: str = ""
    progress: float = 0.0
    created_at: float = 0.0
    vertical: bool = False
    meta: dict = field(default_factory=dict)  # caption, emotion scores, progress


@dataclass(frozen=True)
class Job:
    """A row of the ``jobs`` table: one piece of background work, its progress and the
    process that owns it (``jobs/service.py`` runs it, ``jobs/recovery.py`` ends it when that
    process is gone)."""

    id: int
    kind: str
    project_id: int | None
    subject_id: int | None
    params: dict[str, Any]
    status: JobStatus
    progress: float
    message: str
    error: str
    result: dict[str, Any]
    owner: Owner
    heartbeat: float
    cancel_requested: bool
    attempts: int
    created_at: float
    started_at: float | None
    ended_at: float | None

    @property
    def active(self) -> bool:
        return self.status.active
