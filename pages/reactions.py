"""Reactions: analyse recorded reaction videos, many at once, and see each one's
emotion/attention timeline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.common import confirm_delete, jobs, open_store, require_project
from pages.job_panel import job_panel
from shortory_core.charts.reactions import reaction_figure
from shortory_core.exports import csv_bytes
from shortory_core.names import InvalidName
from shortory_core.reactions.timeline import COLUMNS, smooth_emotions
from shortory_core.reactions.uploads import COLUMNS as UPLOAD_COLUMNS
from shortory_core.reactions.uploads import default_rows, queue_recordings, read_rows
from shortory_core.records import SessionKind
from shortory_core.sources.video_file import VIDEO_SUFFIXES
from shortory_core.timefmt import format_seconds
from shortory_core.untrusted import for_markdown

store = open_store()
service = jobs(store)
opened = require_project(store)
project_id, project, video = opened.id, opened.project, opened.video
st.title(f"Reactions · {for_markdown(project.name)}")

with st.expander("➕ Analyse recorded reactions", expanded=False):
    uploads = st.file_uploader("Reaction videos", type=[s.strip(".") for s in VIDEO_SUFFIXES],
                               accept_multiple_files=True, key="reaction_uploads")
    names = [upload.name for upload in uploads or []]
    table = st.data_editor(
        pd.DataFrame(default_rows(names), columns=list(UPLOAD_COLUMNS)), hide_index=True,
        width="stretch", disabled=["file"], key=f"uploads-{hash(tuple(names))}",
        column_config={"offset": st.column_config.TextColumn(
            "starts at", help="The video time the recording's first frame shows: seconds, "
                              "m:ss or h:mm:ss")})
    columns = st.columns(3)
    fps = columns[0].slider("Samples per second", 1, 15, 5)
    detector = columns[1].radio("Face size", ["short", "full"], horizontal=True,
                                captions=["webcam framing", "small faces"])
    iris = columns[2].toggle("Measure gaze (iris)", value=True,
                             help="Off: about 40% faster, gaze not measured")
    if st.button(f"Analyse {len(names)} recording{'s' * (len(names) != 1)}", type="primary",
                 disabled=not names):
        plans, errors = read_rows(table.to_dict("records"), video.duration if video else None)
        if errors:
            st.error("\n\n".join(errors))
        else:
            queued = queue_recordings(store, service, project_id,
                                      [(u.name, u) for u in uploads], plans,
                                      {"fps": fps, "detector": detector, "iris": iris})
            st.success(f"Queued {len(queued)} analyses.")
job_panel(service, f"analyse-{project_id}", project_id=project_id, kinds=("analyse",))

sessions = store.sessions(project_id)
if not sessions:
    st.info("No reactions yet: analyse a recording above.")
    st.stop()
labels = {s.id: f"{s.viewer} · "
                   + (f"recording from {format_seconds(s.time_offset)}"
                      if s.kind == SessionKind.RECORDING else "watched live")
                   + f" · {s.n_samples} samples · {s.status}" for s in sessions}
chosen = st.selectbox("Session", list(labels), format_func=labels.__getitem__,
                      index=len(sessions) - 1)
with st.popover("Manage this session", icon="⚙️"):
    current = next(s for s in sessions if s.id == chosen)
    renamed = st.text_input("Viewer", value=current.viewer, max_chars=60,
                            key=f"viewer-{chosen}")
    group = st.text_input("Panel group", value=current.meta.get("group", ""), max_chars=30,
                          key=f"group-{chosen}", help="e.g. A or B, to compare on the Panel")
    if st.button("Save", key=f"save-{chosen}"):
        try:
            store.update_session(chosen, viewer=renamed.strip() or None,
                                 group=group.strip() or None)
        except InvalidName as exc:
            st.error(str(exc))
        else:
            st.rerun()
    if confirm_delete("this session, its samples and its recording", f"session-{chosen}"):
        store.delete_session(chosen)
        st.rerun()
samples = store.samples(chosen).to_pandas()
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
