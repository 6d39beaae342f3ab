"""Home: every project (demo first), and creating one from a URL or from files."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.comment_files import choose_columns
from pages.common import (
    jobs,
    keep_upload,
    manage_project,
    open_project,
    open_store,
    project_label,
)
from pages.job_panel import job_panel
from shortory_core.errors import ShortoryError
from shortory_core.jobs import Job
from shortory_core.sources.urls import validate_url
from shortory_core.timefmt import format_seconds
from shortory_core.untrusted import for_markdown

store = open_store()
service = jobs(store)

st.title("🎬 Shortory")
st.caption("Turn a long video into short highlight clips from audience signals.")

with st.expander("➕ New project", expanded=False):
    from_url, from_files = st.tabs(["From a URL", "Import files"])
    with from_url:
        with st.form("new_from_url"):
            url = st.text_input("Video URL", placeholder="https://www.youtube.com/watch?v=…")
            fetch_comments = st.checkbox("Fetch YouTube comments", value=True)
            sort = st.radio("Comment order", ["popular", "recent"], horizontal=True)
            limit = st.number_input("Most comments", 100, 100_000, 5000, step=500)
            submitted = st.form_submit_button("Download")
        if submitted:
            try:
                checked = validate_url(url)
            except ShortoryError as exc:
                st.error(for_markdown(str(exc)))
            else:
                # one download of a URL at a time: a second press joins the first
                service.submit("fetch", {"url": checked, "with_comments": fetch_comments,
                                         "sort": sort, "limit": int(limit)},
                               claim=f"fetch {checked}")
    with from_files:
        with st.form("new_from_files"):
            video = st.file_uploader("Video file", type=["mp4", "mov", "mkv", "webm", "m4v"])
            comments = st.file_uploader(
                "Comment dump (optional)", type=["json", "jsonl", "csv", "txt"],
                help="youtube-comment-downloader JSON lines, a YouTube Data API JSON or CSV "
                "export, or any CSV with a text column.",
            )
            name = st.text_input("Project name (optional)", max_chars=120)
            submitted = st.form_submit_button("Create project")
        asked = (video.file_id if video else "", comments.file_id if comments else "", name)
        imported = st.session_state.setdefault("imports_asked", {})
        if submitted and video is None:
            st.error("Choose a video file first.")
        elif submitted and asked in imported:
            # Enter in the name field submits too, and the files stay chosen: the same
            # upload submitted again is one project, not two.
            st.info(f"These files are already imported (job {imported[asked]}). To make "
                    "a second project from them, choose the files again.")
        elif submitted:
            st.session_state["import_pending"] = asked
        if video is not None and st.session_state.get("import_pending") == asked:
            # a comment file whose columns are not known by name waits for the user's mapping
            columns = (choose_columns(comments.getvalue(), comments.name, "new_columns",
                                      "press **Create project with these columns** below: "
                                      "nothing is imported before that")
                       if comments is not None else {})
            chosen = columns is not None and (
                columns == {} or st.button("Create project with these columns"))
            if chosen:
                del st.session_state["import_pending"]
                video_file = keep_upload(store, video)
                params = {"video": str(video_file), "name": name or Path(video.name).stem,
                          "upload_dir": str(video_file.parent), "columns": columns or None}
                if comments is not None:
                    params["comments"] = str(keep_upload(store, comments, video_file.parent))
                imported[asked] = service.submit("import", params)


def open_button(job: Job) -> None:
    """A finished import or download: its report, and the way to the new project."""
    result = job.result
    if result.get("comment_error"):
        st.warning(f"Comments: {for_markdown(result['comment_error'])}")
    if result.get("project_id") and st.button("Open project", key=f"open-job-{job.id}"):
        open_project(int(result["project_id"]))


job_panel(service, "home", kinds=("import", "fetch", "demo"), on_done=open_button)

st.subheader("Projects")
summaries = store.list_projects()
if not summaries:
    st.info("No projects yet. Create one above.")
for summary in summaries:
    with st.container(border=True):
        left, right = st.columns([5, 1], vertical_alignment="center")
        video = summary.video
        left.markdown(f"**{for_markdown(project_label(summary))}**")
        facts = [
            f"{format_seconds(video.duration)} video" if video else "no video",
            f"{summary.comments} comments",
            f"{summary.sessions} reaction sessions ({summary.samples} samples)",
            f"{summary.clips} clips",
        ]
        if video and video.heatmap:
            facts.append("Most-replayed heatmap")
        left.caption(" · ".join(facts))
        if right.button("Open", key=f"open-{summary.project.id}"):
            open_project(summary.project.id)
        manage_project(store, summary.project.id, summary.project.name)
