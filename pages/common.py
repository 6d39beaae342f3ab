"""Streamlit glue the pages share: the store, the demo, and which project is open.

The open project lives in the URL (``?project=ID``), so a browser refresh or a shared link
lands on the same project; nothing is kept in module globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from pages.analyst_gate import analyst_gate
from shortory_core.config import data_dir
from shortory_core.errors import StoreError
from shortory_core.jobs import JobService
from shortory_core.kinds import job_service, settle_dead_work
from shortory_core.names import MAX_NAME, InvalidName
from shortory_core.records import Comment, Project, ProjectSummary, VideoInfo
from shortory_core.signals.chapters import ChapterMarker
from shortory_core.signals.mentions import Mentions
from shortory_core.signals.mentions_by_time import MentionsByTime
from shortory_core.signals.stored_mentions import project_chapters
from shortory_core.signals.stored_mentions import project_mentions as stored_mentions
from shortory_core.store import Store
from shortory_core.store.sample_migration import migrate_samples, needs_migration
from shortory_core.untrusted import for_markdown
from shortory_core.uploads import new_upload_dir, save_upload
from shortory_core.validate import id_in


def open_store(*, viewer: bool = False) -> Store:
    """The ``Store`` of the current data folder, built once per process and folder. A data
    folder that cannot be used (read-only, full, damaged) stops the page with the reason and
    what to do, instead of a traceback; the next rerun tries again.

    Every analyst page opens the store here, so the analyst's gate is asked here too (app.py
    asks it first): a page file run on its own, past app.py (plain ``streamlit run app.py``
    on a fresh server), is still gated. Only the remote viewer's page passes ``viewer``."""
    if not viewer:
        analyst_gate()
    try:
        store = _store_at(str(data_dir()))
        settle_dead_work(store)  # a killed process's jobs never show as running
        _move_old_samples(store)
        return store
    except StoreError as exc:
        st.error(for_markdown(str(exc)), icon="💾")
        st.stop()


def _move_old_samples(store: Store) -> None:
    """A store made before samples became Parquet moves them first, with a progress bar: a
    page never shows the counts of a store half-way there. Two tabs at once each move what is
    left (``migrate_session`` checks the rows inside its transaction)."""
    if not needs_migration(store):
        return
    bar = st.progress(0.0, "Moving the reaction samples to the new format…")
    migrate_samples(store, lambda done: bar.progress(
        done.done / max(done.total, 1), f"Moving the reaction samples: {done.line()}"))
    bar.empty()


@st.cache_resource(show_spinner=False)
def _store_at(root: str) -> Store:
    return Store(Path(root))


def jobs(store: Store) -> JobService:
    """This process's job service for the data folder: every page submits its background work
    here and reads its progress back from the store."""
    return _jobs_at(str(store.root))


@st.cache_resource(show_spinner=False)
def _jobs_at(root: str) -> JobService:
    return job_service(_store_at(root))


def project_mentions(store: Store, project_id: int, duration: float | None) -> Mentions:
    """Every time reference in the project's comments, parsed once per state of the comments
    that count (``Store.comments_key``): sliders then only regroup, they never re-parse."""
    return _mentions(str(store.root), project_id, store.comments_key(project_id), duration)


@st.cache_resource(show_spinner="Reading timestamps in the comments…", max_entries=8)
def _mentions(root: str, project_id: int, comments: tuple, duration: float | None
              ) -> Mentions:
    """The stored references (extracted at import), read once per state of the comments. Shared,
    never copied: ``cache_data`` would pickle them on every rerun. Nobody mutates them."""
    del comments  # part of the cache key only
    return stored_mentions(_store_at(root), project_id, duration)


def most_liked_comments(store: Store, project_id: int, limit: int) -> list[Comment]:
    """The project's ``limit`` most-liked comments that count, read once per state of the
    comments (each imported file's likes are read whole: 0.2 s at 500,000 comments)."""
    return _most_liked(str(store.root), project_id, store.comments_key(project_id), limit)


@st.cache_data(show_spinner="Reading the most-liked comments…", max_entries=8)
def _most_liked(root: str, project_id: int, comments: tuple, limit: int) -> list[Comment]:
    del comments  # part of the cache key only
    return _store_at(root).top_comments(project_id, limit)


def mentions_by_time(store: Store, project_id: int, duration: float | None
                     ) -> MentionsByTime:
    """The same mentions sorted by time, for looking up the comments about any span."""
    return _by_time(str(store.root), project_id, store.comments_key(project_id), duration)


@st.cache_resource(show_spinner=False, max_entries=8)
def _by_time(root: str, project_id: int, comments: tuple, duration: float | None
             ) -> MentionsByTime:
    return MentionsByTime(_mentions(root, project_id, comments, duration))


def chapter_markers(store: Store, project_id: int, duration: float | None
                    ) -> list[ChapterMarker]:
    """The project's chapter markers (the video's own and the viewers' chapter lists)."""
    return _chapters(str(store.root), project_id, store.comments_key(project_id), duration)


@st.cache_data(show_spinner=False, max_entries=8)
def _chapters(root: str, project_id: int, comments: tuple, duration: float | None
              ) -> list[ChapterMarker]:
    """Read once per data folder and state of the comments."""
    del comments  # part of the cache key only
    return project_chapters(_store_at(root), project_id, duration)


def prepare_demo(store: Store) -> None:
    """Start building the demo project on the first start of a new data folder (a ``demo``
    job; the Projects page shows its steps). Submitted once: not again while one is queued or
    running, in this process or another."""
    if store.demo_project_id() is not None:
        return
    service = jobs(store)
    if not any(job.active for job in store.jobs.listing(kinds=("demo",), limit=5)):
        service.submit("demo")


def keep_upload(store: Store, uploaded: UploadedFile, folder: Path | None = None) -> Path:
    """Write a browser upload to disk in chunks for a job to read (into a new upload folder
    unless ``folder`` is given); returns the file."""
    return save_upload(uploaded, uploaded.name, folder or new_upload_dir(store))


HOME_PAGE = "pages/home.py"


@dataclass(frozen=True)
class OpenProject:
    id: int
    project: Project
    video: VideoInfo | None


def require_project(store: Store) -> OpenProject:
    """The project this page shows: the one in the URL, else the demo; stops the page with a
    hint if there is none. A link to a project that is not here (deleted, or mistyped) says
    so, with the way home: showing the demo instead would pass it off as the one asked for."""
    raw = st.query_params.get("project")
    if raw is None:
        project_id = store.demo_project_id()
        if project_id is None:
            st.info("No project yet: create one on the Projects page.")
            st.stop()
    else:
        project_id = id_in(raw)  # digits past SQLite's integers name no project
    project = store.get_project(project_id) if project_id is not None else None
    if project is None:
        st.error(f"There is no project {for_markdown(str(raw))} here: it was deleted, or the "
                 "link is wrong.", icon="🔎")
        st.page_link(HOME_PAGE, label="Open your projects", icon="🎬")
        st.stop()
    st.query_params["project"] = str(project_id)
    return OpenProject(project_id, project, store.get_video(project_id))


def require_video(opened: OpenProject) -> VideoInfo:
    """The open project's video; stops the page with a hint when it has none yet."""
    if opened.video is None:
        st.info("This project has no video yet: add one on the Project page.")
        st.stop()
    return opened.video


def open_project(project_id: int) -> None:
    st.switch_page("pages/project.py", query_params={"project": str(project_id)})


def project_label(summary: ProjectSummary) -> str:
    badge = " · demo" if summary.project.is_demo else ""
    return f"{summary.project.name}{badge}"


def confirm_delete(what: str, key: str, *, files: bool = True) -> bool:
    """A delete button behind a confirmation box: True once both were used."""
    sure = st.checkbox(f"Yes, delete {what}" + (" and its files" if files else ""),
                       key=f"{key}-sure")
    return st.button("Delete", key=f"{key}-delete", type="primary", disabled=not sure)


def manage_project(store: Store, project_id: int, name: str) -> None:
    """Rename or delete a project (its files go too), from a small menu."""
    with st.popover("Manage", icon="⚙️"):
        new = st.text_input("Name", value=name, max_chars=MAX_NAME, key=f"name-{project_id}")
        if st.button("Rename", key=f"rename-{project_id}") and new.strip():
            try:
                store.rename_project(project_id, new)
            except InvalidName as exc:
                st.error(str(exc))
            else:
                st.rerun()
        if confirm_delete("this project, its comments, viewers and clips",
                          f"project-{project_id}"):
            store.delete_project(project_id)
            st.rerun()
