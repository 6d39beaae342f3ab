"""Streamlit glue the pages share: the store, the demo, and which project is open.

The open project lives in the URL (``?project=ID``), so a browser refresh or a shared link
lands on the same project; nothing is kept in module globals.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from shortory_core.clips.jobs import ClipQueue
from shortory_core.config import data_dir
from shortory_core.demo import ensure_demo_project
from shortory_core.highlights.shorts import MentionsByTime
from shortory_core.records import Project, ProjectSummary, VideoInfo
from shortory_core.signals.comment_moments import Mention, extract_mentions
from shortory_core.store import Store
from shortory_core.vision.engine import VisionEngine


def open_store() -> Store:
    """The ``Store`` of the current data folder, built once per process and folder."""
    return _store_at(str(data_dir()))


@st.cache_resource(show_spinner=False)
def _store_at(root: str) -> Store:
    return Store(Path(root))


def clip_queue(store: Store) -> ClipQueue:
    """The one background clip renderer of this data folder."""
    return _queue_at(str(store.root))


@st.cache_resource(show_spinner=False)
def _queue_at(root: str) -> ClipQueue:
    return ClipQueue(_store_at(root))


@st.cache_resource(show_spinner="Loading the face models…", max_entries=4)
def vision_engines(detector: str = "short", iris: bool = True) -> list[VisionEngine]:
    """Two engines (one per core) for offline analysis, loaded once per process and setting.
    Engines hold a viewer's state: use them only inside ``analysis_lock()``."""
    return [VisionEngine(detector=detector, use_iris=iris) for _ in range(2)]


@st.cache_resource(show_spinner=False)
def analysis_lock() -> threading.Lock:
    """One offline analysis at a time per process: it already uses both cores."""
    return threading.Lock()


def project_mentions(store: Store, project_id: int, duration: float | None) -> list[Mention]:
    """Every time reference in the project's comments, parsed once per comment count: sliders
    then only regroup, they never re-parse."""
    return _mentions(str(store.root), project_id, store.comment_count(project_id), duration)


@st.cache_data(show_spinner="Reading timestamps in the comments…", max_entries=8)
def _mentions(root: str, project_id: int, n_comments: int, duration: float | None
              ) -> list[Mention]:
    return extract_mentions(_store_at(root).comments(project_id), duration)


def mentions_by_time(store: Store, project_id: int, duration: float | None
                     ) -> MentionsByTime:
    """The same mentions sorted by time, for looking up the comments about any span."""
    return _by_time(str(store.root), project_id, store.comment_count(project_id), duration)


@st.cache_resource(show_spinner=False, max_entries=8)
def _by_time(root: str, project_id: int, n_comments: int, duration: float | None
             ) -> MentionsByTime:
    return MentionsByTime(_mentions(root, project_id, n_comments, duration))


def prepare_demo(store: Store) -> None:
    """Build the demo project on the first start of a new data folder."""
    if store.demo_project_id() is not None:
        return
    with st.status("Preparing the demo project (first start only)…", expanded=True) as status:
        ensure_demo_project(store, step=status.write)
        status.update(label="Demo project ready", state="complete", expanded=False)


@dataclass(frozen=True)
class OpenProject:
    id: int
    project: Project
    video: VideoInfo | None


def require_project(store: Store) -> OpenProject:
    """The project this page shows (kept in the URL); stops the page with a hint if none."""
    project_id = selected_project_id(store)
    if project_id is None:
        st.info("No project yet: create one on the Projects page.")
        st.stop()
    st.query_params["project"] = str(project_id)
    return OpenProject(project_id, store.get_project(project_id), store.get_video(project_id))


def require_video(opened: OpenProject) -> VideoInfo:
    """The open project's video; stops the page with a hint when it has none yet."""
    if opened.video is None:
        st.info("This project has no video yet: add one on the Project page.")
        st.stop()
    return opened.video


def selected_project_id(store: Store) -> int | None:
    """The project named in the URL, else the demo, else ``None``."""
    raw = st.query_params.get("project")
    if raw is not None and raw.isdigit() and store.get_project(int(raw)):
        return int(raw)
    return store.demo_project_id()


def open_project(project_id: int) -> None:
    st.switch_page("pages/project.py", query_params={"project": str(project_id)})


def project_label(summary: ProjectSummary) -> str:
    badge = " · demo" if summary.project.is_demo else ""
    return f"{summary.project.name}{badge}"
