"""Creating projects from a URL or from files: sources in, store out.

These are the operations the home page and the CLI share, so both behave the same.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shortory_core.errors import SourceError
from shortory_core.sources.comment_files import ImportReport, read_comment_file
from shortory_core.sources.urls import validate_url
from shortory_core.sources.video_file import VIDEO_SUFFIXES, probe_video
from shortory_core.sources.web_comments import Sort, fetch_comments
from shortory_core.sources.web_video import ProgressCallback, download_video
from shortory_core.store import Store


@dataclass
class CreatedProject:
    project_id: int
    comments_added: int
    comment_report: ImportReport | None = None
    comment_error: str = ""


def import_video_file(store: Store, video: Path, name: str | None = None) -> int:
    """A new project whose source is a copy of the local ``video`` file.

    The file is probed before anything is written, so a corrupt file leaves no half project.
    """
    video = Path(video)
    info = probe_video(video)
    suffix = video.suffix.lower() if video.suffix.lower() in VIDEO_SUFFIXES else ".mp4"
    project_id = store.create_project(name or video.stem)
    target = store.project_media_dir(project_id) / f"video{suffix}"
    try:
        shutil.copyfile(video, target)
    except OSError:
        store.delete_project(project_id)
        raise
    info.path = store.relative_media_path(target)
    info.title = info.title or video.stem
    store.set_video(project_id, info)
    return project_id


def import_comments(store: Store, project_id: int, data: bytes, name: str) -> ImportReport:
    """Parse a comment dump and add its comments; returns the report of what was read."""
    report = read_comment_file(data, name)
    store.add_comments(project_id, report.comments)
    return report


def import_files(
    store: Store, video: Path, comments: Path | None = None, name: str | None = None
) -> CreatedProject:
    """A project from a video file and, optionally, a comment dump.

    A bad comment file does not lose the video: the project is kept and the error reported.
    """
    project_id = import_video_file(store, video, name)
    if comments is None:
        return CreatedProject(project_id, 0)
    try:
        data = Path(comments).read_bytes()
        report = import_comments(store, project_id, data, Path(comments).name)
    except (SourceError, OSError) as exc:
        return CreatedProject(project_id, 0, comment_error=str(exc))
    return CreatedProject(project_id, len(report.comments), comment_report=report)


def create_from_url(
    store: Store,
    url: str,
    *,
    with_comments: bool = True,
    comment_sort: Sort = "popular",
    comment_limit: int | None = 5000,
    progress: ProgressCallback | None = None,
    comment_progress: Callable[[int], None] | None = None,
) -> CreatedProject:
    """Download ``url`` into a new project and, for YouTube, fetch its comments.

    The project row is created only after the download succeeded, so a failed download leaves
    nothing behind; a comment fetch that fails keeps the video and reports why.
    """
    url = validate_url(url)
    staging = store.media_root / "incoming"
    staging.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=staging))
    try:
        info = download_video(url, work, progress)
        project_id = store.create_project(info.title or "Downloaded video")
        target_dir = store.project_media_dir(project_id)
        target = target_dir / Path(info.path).name
        shutil.move(str(work / Path(info.path).name), target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    info.path = store.relative_media_path(target)
    store.set_video(project_id, info)
    if not with_comments:
        return CreatedProject(project_id, 0)
    try:
        comments = fetch_comments(
            url, sort=comment_sort, limit=comment_limit, progress=comment_progress
        )
    except SourceError as exc:
        return CreatedProject(project_id, 0, comment_error=str(exc))
    return CreatedProject(project_id, store.add_comments(project_id, comments))
