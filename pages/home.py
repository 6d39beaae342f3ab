"""Home: every project (demo first), and creating one from a URL or from files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from pages.common import open_project, open_store, project_label
from shortory_core.errors import ShortoryError
from shortory_core.projects import create_from_url, import_comments, import_video_file
from shortory_core.sources.web_video import Progress
from shortory_core.timefmt import format_seconds

store = open_store()

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
            bar = st.progress(0.0, text="Starting download…")

            def show(progress: Progress) -> None:
                if progress.fraction is not None:
                    bar.progress(progress.fraction, text=f"Downloading… {progress.fraction:.0%}")

            def show_comments(count: int) -> None:
                bar.progress(min(count / int(limit), 1.0), text=f"{count} comments fetched…")

            try:
                created = create_from_url(
                    store, url, with_comments=fetch_comments, comment_sort=sort,
                    comment_limit=int(limit), progress=show, comment_progress=show_comments,
                )
            except ShortoryError as exc:
                bar.empty()
                st.error(str(exc))
            else:
                if created.comment_error:
                    st.warning(f"Video saved; comments not fetched: {created.comment_error}")
                open_project(created.project_id)
    with from_files:
        with st.form("new_from_files"):
            video = st.file_uploader("Video file", type=["mp4", "mov", "mkv", "webm", "m4v"])
            comments = st.file_uploader(
                "Comment dump (optional)", type=["json", "jsonl", "csv", "txt"],
                help="youtube-comment-downloader JSON lines, a YouTube Data API JSON or CSV "
                "export, or any CSV with a text column.",
            )
            name = st.text_input("Project name (optional)")
            submitted = st.form_submit_button("Create project")
        if submitted and video is None:
            st.error("Choose a video file first.")
        elif submitted and video is not None:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"upload{Path(video.name).suffix.lower()}"
                path.write_bytes(video.getbuffer())
                try:
                    project_id = import_video_file(store, path, name or Path(video.name).stem)
                except ShortoryError as exc:
                    st.error(str(exc))
                    st.stop()
            if comments is not None:
                try:
                    report = import_comments(store, project_id, comments.getvalue(), comments.name)
                    st.success(report.summary())
                except ShortoryError as exc:
                    st.warning(f"Video saved; comments not imported: {exc}")
            open_project(project_id)

st.subheader("Projects")
summaries = store.list_projects()
if not summaries:
    st.info("No projects yet. Create one above.")
for summary in summaries:
    with st.container(border=True):
        left, right = st.columns([5, 1], vertical_alignment="center")
        video = summary.video
        left.markdown(f"**{project_label(summary)}**")
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
