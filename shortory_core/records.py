"""Plain records passed between sources, the store and the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shortory_core.sources.comment_columns import CommentColumns


@dataclass(frozen=True)
class Comment:
    """One viewer comment, whatever it was imported from.

    ``text`` is kept as the source gave it (YouTube Data API ``textDisplay`` is HTML, and its
    timestamp anchors carry the exact second in ``&t=``). ``parent_cid`` links a reply to the
    comment it answers.
    """

    cid: str
    text: str
    author: str = ""
    likes: int = 0
    is_reply: bool = False
    parent_cid: str | None = None
    published: str = ""


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
    kind: str
    source_path: str
    time_offset: float
    samples: list[dict]
    status: str = "analysed"
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MentionSet:
    """A project's time references as the store keeps them (``signals.stored_mentions`` packs
    and reads them): valid while the project has ``comments`` comments and the rules are
    ``rules``."""

    comments: int
    rules: str
    refs: bytes
    quoted: bytes


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
    status: str  # queued → rendering → done | failed
    path: str = ""
    error: str = ""
    progress: float = 0.0
    created_at: float = 0.0
    vertical: bool = False
    meta: dict = field(default_factory=dict)  # caption, emotion scores, progress
