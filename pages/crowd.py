"""Crowd moments: comment timestamps → ranked moments → clips."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from pages.common import clip_queue, open_store, require_project
from shortory_core.charts.crowd import crowd_figure
from shortory_core.clips.comment_clips import render_comment_moments
from shortory_core.signals.comment_moments import (
    Mention,
    MomentOptions,
    extract_mentions,
    find_moments,
    merge_clip_spans,
)
from shortory_core.signals.heatmap import heatmap_peaks
from shortory_core.store import Store
from shortory_core.timefmt import format_seconds

store = open_store()
opened = require_project(store)
project_id, project, video = opened.id, opened.project, opened.video
duration = video.duration if video else None


@st.cache_data(show_spinner="Reading timestamps in the comments…", max_entries=8)
def project_mentions(root: str, project_id: int, n_comments: int,
                     duration: float | None) -> list[Mention]:
    """Cached per project and comment count: sliders then only regroup, they never re-parse."""
    return extract_mentions(Store(root).comments(project_id), duration)


n_comments = store.comment_count(project_id)
mentions = project_mentions(str(store.root), project_id, n_comments, duration)

st.title(f"Crowd moments · {project.name}")
controls = st.columns(6)
window = controls[0].slider("Window (s)", 1, 30, 5, help="Mentions this close form one moment")
top_k = controls[1].slider("Top moments", 1, 20, 5)
pad = controls[2].slider("Clip padding (± s)", 2, 60, 10)
bin_seconds = controls[3].slider("Histogram bin (s)", 1, 30, 2)
unique = controls[4].toggle("One vote per author", help="Someone repeating a time counts once")
liked = controls[5].toggle("Weight by likes", help="Each mention counts 1 + ln(1 + likes)")

options = MomentOptions(window=window, top_k=top_k, pad=pad, unique_authors=unique,
                        like_weighted=liked)
moments = find_moments(mentions, duration, options)
peaks = heatmap_peaks(video.heatmap) if video and video.heatmap else []

stats = st.columns(4)
stats[0].metric("Comments", n_comments)
stats[1].metric("Time mentions", len(mentions))
stats[2].metric("Moments shown", len(moments))
stats[3].metric("Replay peaks", len(peaks) if video and video.heatmap else "—")

if not mentions:
    st.info("No comment of this project mentions a time in the video yet. Import a comment dump "
            "on the project page.")
    st.stop()

st.plotly_chart(
    crowd_figure(mentions, moments, bin_seconds=bin_seconds, duration=duration,
                 heatmap=video.heatmap if video else None, heat_peaks=peaks),
    key="crowd_chart",
)

table = pd.DataFrame(
    [{
        "rank": m.rank, "time": format_seconds(m.centre),
        "clip": f"{format_seconds(m.start)}–{format_seconds(m.end)}",
        "mentions": m.mentions, "authors": m.unique_authors, "likes": m.likes,
        "score": round(m.score, 1),
        "top comments": " | ".join(c.snippet for c in m.top_comments),
    } for m in moments]
)
st.dataframe(table, hide_index=True, width="stretch")
if peaks:
    st.caption("Most-replayed peaks: " + ", ".join(
        f"{format_seconds(p.time)} ({p.value:.2f})" for p in peaks))

spans = merge_clip_spans(moments)
left, right = st.columns([2, 3], vertical_alignment="bottom")
mode = left.radio("Cut", ["exact", "copy"], horizontal=True,
                  captions=["frame-exact, re-encoded", "fast, snaps to keyframes"])
if right.button(f"Render {len(spans)} clip{'s' * (len(spans) != 1)}", type="primary",
                disabled=video is None or not spans):
    render_comment_moments(store, clip_queue(store), project_id, moments, mode)


def clip_list() -> bool:
    """Show the comment clips; returns whether some are still queued or rendering."""
    clips = store.clips(project_id, "comments")
    if not clips:
        return False
    st.subheader("Clips from comments")
    for clip in clips:
        span = f"{format_seconds(clip.start)}–{format_seconds(clip.end)}"
        if clip.status in ("queued", "rendering"):
            st.progress(clip.progress, text=f"{clip.label} · {span} · {clip.status}…")
        elif clip.status == "failed":
            st.error(f"{clip.label} · {span}: {clip.error}")
        else:
            with st.expander(f"{clip.label} · {span} · score {clip.score:.0f} · {clip.mode}"):
                path = store.media_path(clip.path)
                st.video(str(path))
                st.download_button("Download", path.read_bytes(), file_name=f"clip-{clip.id}.mp4",
                                   mime="video/mp4", key=f"dl-{clip.id}")
    return any(c.status in ("queued", "rendering") for c in clips)


if clip_list():
    # Renders run in the background; look again in a second (a full rerun, which keeps the
    # page's navigation; any click interrupts the wait).
    time.sleep(1.0)
    st.rerun()
