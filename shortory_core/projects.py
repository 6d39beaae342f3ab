"""Creating projects from a URL or from files: sources in, store out.

These are the operations the home page and the CLI share (both run them as jobs, see
``kinds/``). A new project is built as a draft in the job's staging folder: the video is
copied or downloaded there and the comments are parsed, then ``Store.commit_project`` makes it
visible in one step. A failed, cancelled or killed import therefore leaves no project behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shortory_core.errors import SourceError
from shortory_core.records import (
    CommentColumns,
    CommentReader,
    CommentSink,
    MentionSet,
    ProjectDraft,
)
from shortory_core.signals.dump_mentions import DumpMentions, dump_mentions
from shortory_core.signals.mentions import Mentions, extract_mentions
from shortory_core.signals.stored_mentions import pack, project_mentions
from shortory_core.sources.comment_files import MAX_LIKES, preview_columns
from shortory_core.sources.comment_headers import ColumnMapping, describe
from shortory_core.sources.urls import validate_url
from shortory_core.sources.video_file import VIDEO_SUFFIXES, probe_video
from shortory_core.sources.web_comments import Sort, fetch_comments
from shortory_core.sources.web_video import Progress, download_video
from shortory_core.store import Store

StepProgress = Callable[[float, str | None], None]  # (fraction, step); may raise to cancel
COPY_CHUNK = 8 * 1024 * 1024


@dataclass
class CreatedProject:
    project_id: int
    comments_added: int
    comment_import: dict | None = None  # the import's record (``import_record``)
    comment_error: str = ""

    def summary(self) -> str:
        """One line for the user: what was made, and what of the comments."""
        text = f"Project {self.project_id} created with {self.comments_added} comments."
        if self.comment_import is not None:
            text = f"Project {self.project_id} created. {import_summary(self.comment_import)}"
        if self.comment_error:
            text += f" Comments: {self.comment_error}"
        return text


def import_summary(record: dict) -> str:
    """An import's record in one line (for comments stored before imports were recorded, or
    added without a file, only what is known)."""
    if "records" not in record:
        return f"{record['file']}."
    text = (f"{record['comments']} comments ({record['replies']} replies) from "
            f"{record['records']} records of {record['file']} ({record['format']}, "
            f"{record['encoding']}); {record['timestamps']} timestamps found")
    if "added" in record and record["added"] < record["comments"]:  # imported before
        text = (f"{record['added']} new: {record['comments'] - record['added']} of the "
                f"comments were already in the project, and stay with the file that "
                f"added them. " + text)
    if record.get("past_end"):
        text += f", {record['past_end']} past the video's end"
    if record.get("clamped_likes"):
        text += (f"; {record['clamped_likes']} like counts out of range were set to "
                 f"{MAX_LIKES:,}")
    if record["skipped"]:
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(
            record["reasons"].items(), key=lambda item: -item[1]))
        text += f"; {_records(record['skipped'])} skipped ({why})"
    if repeated := record["records"] - record["skipped"] - record["comments"]:
        text += f"; {_records(repeated)} repeating an earlier comment's id, counted once"
    if record.get("rejoined"):
        text += f"; {record['rejoined']} rows rejoined (a text cut at a bare CR)"
    if record.get("columns"):
        text += f"; columns: {describe(record['columns'])}"
    return text + "."


def _records(count: int) -> str:
    return f"{count} record" + ("" if count == 1 else "s")


def _quiet(fraction: float, step: str | None = None) -> None:
    pass


def copy_file(source: Path, target: Path, progress: StepProgress = _quiet,
              span: tuple[float, float] = (0.0, 1.0)) -> None:
    """Copy in chunks, reporting progress between them (each report may cancel the copy)."""
    total = max(source.stat().st_size, 1)
    done = 0
    low, high = span
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(COPY_CHUNK):
            writer.write(chunk)
            done += len(chunk)
            progress(low + (high - low) * done / total, None)


def import_files(
    store: Store, video: Path, comments: Path | None = None, name: str | None = None, *,
    work: Path, progress: StepProgress = _quiet, columns: ColumnMapping | None = None,
) -> CreatedProject:
    """A project from a video file and, optionally, a comment dump, built in ``work``.

    The video is probed and the comment file's start checked (empty, binary, a header with no
    rows) before anything is copied; the comments are read as the project is saved (each
    chunk stored as it is read, ``add_comment_file``), in its one transaction. So an
    unusable file (not a video, not a comment dump, empty) refuses the import with its
    reason and leaves nothing behind. Bad records inside a usable dump are skipped
    and counted in the import record. ``columns`` says which CSV column is which where the
    names are not recognised (``sources.comment_headers``).
    """
    video = Path(video)
    progress(0.0, "Checking the video")
    info = probe_video(video)
    suffix = video.suffix.lower() if video.suffix.lower() in VIDEO_SUFFIXES else ".mp4"
    info.path = f"video{suffix}"
    info.title = info.title or video.stem
    draft = ProjectDraft(name=name or video.stem, folder=work, video=info)
    if comments is not None:  # its start checked now, before the copy; read as it is saved
        with _reading(Path(comments).name):
            preview_columns(Path(comments), Path(comments).name)
        add_comment_file(draft, Path(comments), Path(comments).name, columns)
    progress(0.1, "Copying the video")
    copy_file(video, work / info.path, progress, (0.1, 0.9))
    progress(0.9, "Saving the project")
    project_id = store.commit_project(draft)
    record = draft.imports[-1] if comments is not None else None
    return CreatedProject(project_id, record["comments"] if record else 0, record)


def add_comment_file(draft: ProjectDraft, path: Path, name: str,
                     columns: ColumnMapping | None = None) -> None:
    """Have a comment dump read into a new project as the project is committed: the store
    inserts each chunk while the next is read and scanned, so a dump of millions of comments
    is never held whole and its reading and storing overlap. Its time references are
    extracted on the way; its import record is the last of ``draft.imports`` once
    committed."""
    draft.comment_reader = dump_reader(path, name, columns,
                                       draft.video.duration if draft.video else None)


def dump_reader(path: Path, name: str, columns: ColumnMapping | None,
                duration: float | None) -> CommentReader:
    """What reads a comment dump into a store's sink (``records.CommentReader``), with its
    import record and packed time references."""
    def read(sink: CommentSink) -> tuple[dict, MentionSet]:
        with _reading(name):
            found = dump_mentions(path, name, columns=columns, sink=sink)
        return import_record(found, name, duration), pack(found.mentions, found.comments)
    return read


@contextmanager
def _reading(name: str) -> Iterator[None]:
    """A comment file that cannot be read (gone, no permission) refuses the import by name,
    never as a storage fault of the data folder."""
    try:
        yield
    except OSError as exc:
        raise SourceError(f"Cannot read {name}: {exc.strerror}.") from exc


def _set_comments(draft: ProjectDraft, columns: CommentColumns) -> Mentions:
    """Put comments in a draft with their time references, which are returned."""
    mentions = extract_mentions(columns)
    draft.comments, draft.mentions = columns, pack(mentions, len(columns))
    return mentions


def import_comments(store: Store, project_id: int, source: Path, name: str,
                    columns: ColumnMapping | None = None) -> dict:
    """Parse a comment dump and add its comments as one import with its record (one
    transaction), then bring the project's stored time references up to date; returns the
    record (``import_record``) with how many comments were new. ``columns``: as for
    ``import_files``; the page, the CLI and ``batch`` all come here."""
    video = store.get_video(project_id)
    record = store.add_comment_file(project_id, dump_reader(
        source, name, columns, video.duration if video else None))
    if record["added"]:
        project_mentions(store, project_id)
    return record


def switch_import(store: Store, import_id: int, active: bool) -> None:
    """Count an imported file's comments again, or stop counting them (they stay stored), and
    rebuild the project's time references from the comments that count, so every ranking of
    moments (pages, studio, timeline, CLI) follows at once."""
    project_mentions(store, store.set_import_active(import_id, active))


def delete_import(store: Store, import_id: int) -> None:
    """Delete an imported file with every comment it added, then rebuild the project's time
    references from the comments left."""
    project_mentions(store, store.delete_import(import_id))


def import_record(found: DumpMentions, name: str, duration: float | None) -> dict:
    """What the user is shown of an import, and kept with the project: the format, the counts,
    how many time references were found and how many of them point past the video's end, and
    why records were skipped."""
    report, mentions = found.report, found.mentions
    past_end = int((mentions.seconds > duration).sum()) if duration else 0
    return {"file": name, "format": report.format, "encoding": report.encoding,
            "records": report.records, "comments": found.comments,
            "replies": found.replies, "timestamps": len(mentions),
            "past_end": past_end, "skipped": report.bad_records, "reasons": report.reasons,
            "problems": report.problems, "rejoined": report.rejoined,
            "columns": report.columns, "clamped_likes": found.clamped_likes}


def create_from_url(
    store: Store,
    url: str,
    *,
    work: Path,
    with_comments: bool = True,
    comment_sort: Sort = "popular",
    comment_limit: int | None = 5000,
    progress: StepProgress = _quiet,
) -> CreatedProject:
    """Download ``url`` and, for YouTube, its comments into ``work``, then create the project.

    Nothing is visible until both are in; a comment fetch that fails or stops part-way keeps
    the video and says how many comments came and why it stopped.
    """
    url = validate_url(url)

    def downloaded(p: Progress) -> None:
        if p.fraction is not None:
            progress(0.7 * p.fraction, None)

    progress(0.0, "Downloading the video")
    info = download_video(url, work, downloaded)
    draft = ProjectDraft(name=info.title or "Downloaded video", folder=work, video=info)
    error = ""
    if with_comments:
        progress(0.7, "Fetching the comments")
        limit = comment_limit or 0
        try:
            fetched = fetch_comments(
                url, sort=comment_sort, limit=comment_limit,
                progress=lambda n: progress(0.7 + 0.25 * min(n / limit, 1.0) if limit else 0.7,
                                            f"Fetching the comments ({n} so far)"))
        except SourceError as exc:
            error = str(exc)
        else:
            _set_comments(draft, CommentColumns.of(fetched.comments))
            error = fetched.stopped
    progress(0.95, "Saving the project")
    return CreatedProject(store.commit_project(draft), len(draft.comments), comment_error=error)
