"""Crowd moments: comment timestamps → ranked moments → clips."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.clip_library import show_library
from pages.common import chapter_markers, jobs, open_store, project_mentions, require_project
from pages.settings import PageSettings
from shortory_core.charts.crowd import crowd_figure
from shortory_core.clips.comment_clips import render_comment_moments
from shortory_core.signals.comment_moments import MomentOptions, find_moments, merge_clip_spans
from shortory_core.signals.heatmap import heatmap_peaks
from shortory_core.timefmt import format_seconds
from shortory_core.untrusted import for_markdown

store = open_store()
opened = require_project(store)
project_id, project, video = opened.id, opened.project, opened.video
duration = video.duration if video else None


n_comments = store.comment_count(project_id)
mentions = project_mentions(store, project_id, duration)
chapters = chapter_markers(store, project_id, duration)

st.title(f"Crowd moments · {for_markdown(project.name)}")
settings = PageSettings(store, project_id, "crowd", {
    "window": 5, "top_k": 5, "pad": 10, "bin": 2, "unique": False, "liked": False})
controls = st.columns(4)
window = controls[0].slider("Window (s)", 1, 30, key=settings.key("window"),
                            help="Mentions this close form one moment")
top_k = controls[1].slider("Top moments", 1, 20, key=settings.key("top_k"))
pad = controls[2].slider("Clip padding (± s)", 2, 60, key=settings.key("pad"))
bin_seconds = controls[3].slider("Histogram bin (s)", 1, 30, key=settings.key("bin"))
switches = st.columns(2)  # a row of their own: beside four sliders, labels were cut off
unique = switches[0].toggle("One vote per author", key=settings.key("unique"),
                            help="Someone repeating a time counts once")
liked = switches[1].toggle("Weight by likes", key=settings.key("liked"),
                           help="Each mention counts 1 + ln(1 + likes)")
settings.save()
settings.reset_button()

options = MomentOptions(window=window, top_k=top_k, pad=pad, unique_authors=unique,
                        like_weighted=liked)
moments = find_moments(mentions, duration, options)
peaks = heatmap_peaks(video.heatmap) if video and video.heatmap else []

stats = st.columns(4)
stats[0].metric("Comments", n_comments)
stats[1].metric("Time mentions", len(mentions),
                help="Timestamps that vote for a moment; a chapter list's times are chapters")
stats[2].metric("Moments shown", len(moments))
stats[3].metric("Replay peaks", len(peaks) if video and video.heatmap else "—")

if off := [record for record in store.comment_imports(project_id) if not record.active]:
    st.caption(f"Left out: {sum(r.comments for r in off):,} comments of "
               f"{len(off)} switched-off file{'s' if len(off) > 1 else ''} "
               f"({', '.join(for_markdown(r.report.get('file', '?')) for r in off)}). Switch "
               "them on under Comment files on the Project page.")
if not mentions:
    st.info("No comment of this project mentions a time in the video yet. Import a comment dump "
            "on the project page.")
    st.stop()

st.plotly_chart(
    crowd_figure(mentions, moments, bin_seconds=bin_seconds, duration=duration,
                 heatmap=video.heatmap if video else None, heat_peaks=peaks,
                 chapters=chapters, revision=f"crowd-{project_id}"),
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
if chapters:
    st.caption(f"{len(chapters)} chapters (dotted lines), from the video and the viewers' "
               "chapter lists; a chapter list counts as no mention.")
if peaks:
    st.caption("Most-replayed peaks: " + ", ".join(
        f"{format_seconds(p.time)} ({p.value:.2f})" for p in peaks))

spans = merge_clip_spans(moments)
for span in spans:
    if len(span.moments) > 1:
        st.caption(f"Moments {' and '.join(f'#{r}' for r in sorted(span.moments))} are one clip "
                   f"({format_seconds(span.start)}–{format_seconds(span.end)}): their clips "
                   "overlap.")
left, right = st.columns([2, 3], vertical_alignment="bottom")
mode = left.radio("Cut", ["exact", "copy"], horizontal=True,
                  captions=["frame-exact, re-encoded", "fast, snaps to keyframes"])
if right.button(f"Render {len(spans)} clip{'s' * (len(spans) != 1)}", type="primary",
                disabled=video is None or not spans):
    render_comment_moments(jobs(store), project_id, moments, mode)


show_library(jobs(store), project_id, "Clips from comments", ("comments",))
