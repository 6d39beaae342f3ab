"""Reactions: analyse a recorded reaction video and see its emotion/attention timeline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from pages.common import confirm_delete, jobs, open_store, require_project
from pages.job_panel import job_panel
from shortory_core.charts.reactions import reaction_figure
from shortory_core.exports import csv_bytes
from shortory_core.reactions.sessions import add_recording
from shortory_core.reactions.timeline import COLUMNS, smooth_emotions
from shortory_core.sources.video_file import VIDEO_SUFFIXES
from shortory_core.timefmt import format_seconds
from shortory_core.untrusted import for_markdown

store = open_store()
service = jobs(store)
opened = require_project(store)
project_id, project, video = opened.id, opened.project, opened.video
st.title(f"Reactions · {for_markdown(project.name)}")

with st.expander("➕ Analyse a recorded reaction", expanded=False):
    with st.form("new_recording"):
        upload = st.file_uploader("Reaction video", type=[s.strip(".") for s in VIDEO_SUFFIXES])
        viewer = st.text_input("Viewer", value="Viewer", max_chars=60)
        columns = st.columns(3)
        offset = columns[0].number_input(
            "Starts at video time (s)", 0.0, float(video.duration if video else 1e6), 0.0,
            help="The moment of the source video the recording's first frame shows")
        fps = columns[1].slider("Samples per second", 1, 15, 5)
        detector = columns[2].radio("Face size", ["short", "full"], horizontal=True,
                                    captions=["webcam framing", "small faces"])
        iris = st.toggle("Measure gaze (iris)", value=True,
                         help="Off: about 40% faster, gaze not measured")
        submitted = st.form_submit_button("Analyse", type="primary")
    if submitted and upload is None:
        st.error("Choose a reaction video first.")
    elif submitted and upload is not None:
        settings = {"fps": fps, "detector": detector, "iris": iris}
        session_id = add_recording(store, project_id, viewer, upload, Path(upload.name).suffix,
                                   time_offset=float(offset), meta=settings)
        service.submit("analyse", {"session_id": session_id} | settings,
                       project_id=project_id, subject_id=session_id)
job_panel(service, f"analyse-{project_id}", project_id=project_id, kinds=("analyse",))

sessions = store.sessions(project_id)
if not sessions:
    st.info("No reactions yet: analyse a recording above.")
    st.stop()
labels = {s["id"]: f"{s['viewer']} · "
                   + (f"recording from {format_seconds(s['time_offset'])}"
                      if s["kind"] == "recording" else "watched live")
                   + f" · {s['n_samples']} samples · {s['status']}" for s in sessions}
chosen = st.selectbox("Session", list(labels), format_func=labels.__getitem__,
                      index=len(sessions) - 1)
with st.popover("Manage this session", icon="⚙️"):
    current = next(s for s in sessions if s["id"] == chosen)
    renamed = st.text_input("Viewer", value=current["viewer"], max_chars=60,
                            key=f"viewer-{chosen}")
    group = st.text_input("Panel group", value=current["meta"].get("group", ""), max_chars=30,
                          key=f"group-{chosen}", help="e.g. A or B, to compare on the Panel")
    if st.button("Save", key=f"save-{chosen}"):
        store.update_session(chosen, viewer=renamed.strip() or None,
                             group=group.strip() or None)
        st.rerun()
    if confirm_delete("this session, its samples and its recording", f"session-{chosen}"):
        store.delete_session(chosen)
        st.rerun()
samples = pd.DataFrame(store.samples(chosen))
if samples.empty:
    st.warning("This session has no samples yet.")
    st.stop()
window = st.slider("Emotion smoothing (samples)", 1, 15, 1,
                   help="Centred moving average; the stored samples stay raw")
samples = smooth_emotions(samples, window)
faces = samples["face_found"].astype(bool)
stats = st.columns(4)
stats[0].metric("Samples", len(samples))
stats[1].metric("Face found", f"{faces.mean():.0%}")
stats[2].metric("Mean attention", f"{samples['attention'].mean():.2f}")
stats[3].metric("Most often", samples.loc[faces, "dominant"].mode().iat[0] if faces.any() else "—")
# In video-time order, without samples taken while the video was paused: a live viewer may
# have paused, sought back or replayed.
watched = samples[samples["paused"] == 0].sort_values("video_time", kind="stable")
if watched.empty:
    st.info("Every sample of this session was taken while the video was paused.")
else:
    st.plotly_chart(reaction_figure(watched, video.duration if video else None,
                                    revision=f"reaction-{chosen}"), key="reaction")
st.download_button("Download timeline (CSV)",
                   csv_bytes(samples[list(COLUMNS)]),
                   file_name=f"reaction-{chosen}.csv", mime="text/csv")
