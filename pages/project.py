"""One project: its video, comments and reaction sessions, straight from the store."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.comment_files import choose_columns, imported_files
from pages.common import jobs, keep_upload, most_liked_comments, open_store, require_project
from pages.job_panel import job_panel
from shortory_core.clips.preview import needed_preview, shown_file
from shortory_core.kinds.rendering import ask_for_preview
from shortory_core.sources.comment_html import comment_text  # text stored as HTML before
from shortory_core.speech.cache import cached_transcript, stored_transcripts
from shortory_core.timefmt import format_seconds
from shortory_core.untrusted import for_markdown

TOP_COMMENTS = 1000  # a million-comment project lists its most-liked, not all of them

store = open_store()
service = jobs(store)
opened = require_project(store)
project_id, project, video = opened.id, opened.project, opened.video

st.title(for_markdown(project.name))
if video is None:
    st.warning("This project has no video.")
else:
    left, right = st.columns([3, 2])
    shown = shown_file(store, video)
    if shown is not None:
        left.video(str(shown))
        if video.preview and shown == store.media_path(video.preview):
            need = needed_preview(store, video)
            left.caption(f"A preview made for this page{': ' + need.reason if need else ''}. "
                         "Clips are always cut from the original.")
    else:  # an original the browsers would not play well is never handed to the page
        need = ask_for_preview(service, project_id)
        with left:
            st.info(f"A preview is being made for this page{': ' + need.reason if need else ''}"
                    ". Clips are always cut from the original.")
            job_panel(service, f"preview-{project_id}", project_id=project_id,
                      kinds=("preview",))
    right.markdown(f"**{for_markdown(video.title or project.name)}**")
    right.caption(
        f"{format_seconds(video.duration)} · {video.width}×{video.height} · "
        f"{video.fps:g} fps · {'with' if video.has_audio else 'no'} sound"
    )
    if video.source_url:
        right.markdown(f"Source: {for_markdown(video.source_url)}")
    if video.heatmap:
        right.caption(f"Most-replayed heatmap: {len(video.heatmap)} buckets")
    if video.chapters:
        right.dataframe(
            pd.DataFrame([(format_seconds(c.start), c.title) for c in video.chapters],
                         columns=["start", "chapter"]),
            hide_index=True,
        )

if video is not None:
    st.subheader("Speech")
    whole = cached_transcript(store, project_id, 0.0, video.duration)
    if whole is not None:
        st.caption(whole.absent or f"The whole video is transcribed: {len(whole.words):,} words "
                   f"({whole.language}, {whole.language_probability:.0%} sure).")
        if whole.words:
            st.text(" ".join(w.text for w in whole.words[:120]))
    else:
        pieces = stored_transcripts(store, project_id)
        st.caption(f"{len(pieces)} part{'s' * (len(pieces) != 1)} transcribed for shorts so far. "
                   "Transcribing the whole video lets every short and the speech row of the "
                   "studio read it at once.")
        if st.button("Transcribe the whole video"):
            service.submit("transcribe", {"project_id": project_id}, project_id=project_id,
                           subject_id=project_id)
    job_panel(service, f"transcribe-{project_id}", project_id=project_id,
              kinds=("transcribe",))

n_comments = store.comment_count(project_id)
st.subheader(f"Comments ({n_comments:,})")
with st.expander("Import more comments"):
    upload = st.file_uploader("Comment dump", type=["json", "jsonl", "csv", "txt"],
                              key="more_comments")
    columns = (choose_columns(upload.getvalue(), upload.name, "more_comments",
                              "press **Import**")
               if upload is not None else None)
    if upload is not None and st.button("Import", disabled=columns is None):
        saved = keep_upload(store, upload)
        service.submit("comments", {"project_id": project_id, "file": str(saved),
                                    "name": upload.name, "upload_dir": str(saved.parent),
                                    "columns": columns or None},
                       project_id=project_id)
job_panel(service, f"comments-{project_id}", project_id=project_id, kinds=("comments",))
imports = store.comment_imports(project_id)
if imports:
    with st.expander(f"Imported files ({len(imports)})", expanded=True):
        imported_files(store, imports)
if n_comments:
    shown = most_liked_comments(store, project_id, TOP_COMMENTS)
    if n_comments > len(shown):
        st.caption(f"The {len(shown):,} most-liked comments.")
    st.dataframe(
        pd.DataFrame([(c.author, comment_text(c.text), c.likes, "reply" if c.is_reply else "")
                      for c in shown], columns=["author", "text", "likes", "reply"]),
        hide_index=True, width="stretch", height=260,
    )

sessions = store.sessions(project_id)
st.subheader(f"Reaction sessions ({len(sessions)})")
if sessions:
    st.dataframe(
        pd.DataFrame(
            [(s.viewer, s.kind, format_seconds(s.time_offset), s.status,
              s.n_samples) for s in sessions],
            columns=["viewer", "kind", "starts at video time", "status", "samples"],
        ),
        hide_index=True,
    )
