"""Highlights studio: every signal on one time axis, peaks per emotion, shorts by emotion."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from pages.clip_library import show_library
from pages.common import (
    chapter_markers,
    jobs,
    mentions_by_time,
    open_store,
    require_project,
    require_video,
)
from pages.settings import PageSettings
from shortory_core.charts.studio import PEAK_TRACE, studio_figure, trace_names
from shortory_core.clips.burn_in import DEFAULT_STYLE, STYLES
from shortory_core.clips.layouts import DEFAULT_LAYOUT, LAYOUTS
from shortory_core.clips.preview import shown_file
from shortory_core.clips.spec import CAPTIONS, ShortSpec
from shortory_core.exports import csv_bytes, parquet_bytes
from shortory_core.highlights.peaks import (
    EXPRESSIVE,
    Peak,
    PeakOptions,
    find_highlights,
    fused_score,
)
from shortory_core.highlights.picking import session_picks
from shortory_core.highlights.score import Scorer, viewer_faces
from shortory_core.highlights.shorts import ShortOptions, plan_shorts, render_shorts
from shortory_core.highlights.timeline import ProjectTimeline, build_timeline, timeline_frame
from shortory_core.panel.grids import viewer_verdicts
from shortory_core.records import VideoInfo
from shortory_core.signals.mentions_by_time import MentionsByTime
from shortory_core.signals.registry import SIGNALS
from shortory_core.store import Store
from shortory_core.timefmt import format_seconds
from shortory_core.untrusted import for_markdown

LENGTH_PRESETS = {"± padding": None, "15 s": 15.0, "30 s": 30.0, "60 s": 60.0}
LAYOUT_NAMES = {"16:9": "16:9 · YouTube, editors", "9:16": "9:16 · Shorts, Reels, TikTok",
                "1:1": "1:1 · feeds", "4:5": "4:5 · Instagram feed"}
CAPTION_NAMES = {"speech": "Speech", "label": "Title only", "none": "None"}

store = open_store()
opened = require_project(store)
project_id, project = opened.id, opened.project
st.title(f"Highlights studio · {for_markdown(project.name)}")
video = require_video(opened)

sessions = store.sessions(project_id)
verdicts = viewer_verdicts(store, project_id)
names = {s.id: f"{s.viewer} · {s.kind} #{s.id}" for s in sessions
         if verdicts[s.id].included}
chosen = st.multiselect("Viewers (their mean is shown)", list(names), default=list(names),
                        format_func=names.__getitem__,
                        help="One viewer's reactions, or the mean over several; the viewers "
                             "the panel excludes are left out here too")
if excluded := [q for q in verdicts.values() if not q.included]:
    st.caption("Left out, as on the Panel page: " + "; ".join(
        f"{for_markdown(q.viewer)} ({q.reason})" for q in excluded))


@st.cache_data(show_spinner="Joining the signals…", max_entries=16)
def project_timeline(root: str, project_id: int, session_ids: tuple[int, ...], version: tuple
                     ) -> ProjectTimeline:
    """Rebuilt only when the data changes (``version``), never when a slider moves."""
    del root, version  # part of the cache key only
    return build_timeline(open_store(), project_id, session_ids=list(session_ids))


version = (store.comments_key(project_id), tuple(s.name for s in SIGNALS),
           tuple((s.id, s.status, s.n_samples) for s in sessions if s.id in chosen),
           tuple(q.included for q in verdicts.values()))
timeline = project_timeline(str(store.root), project_id, tuple(chosen), version)
mentions = mentions_by_time(store, project_id, video.duration)

settings = PageSettings(store, project_id, "studio", {
    "smoothing": 2.0, "prominence": 0.1, "min_gap": 10, "top_k": 3,
    "emotions": list(EXPRESSIVE), "preset": next(iter(LENGTH_PRESETS)), "pad": 10,
    "max_short_s": 60, "separate": False, "layout": DEFAULT_LAYOUT, "platform_size": False,
    "captions": "speech", "caption_style": DEFAULT_STYLE, "title_line": False, "snap": True,
    "mode": "exact",
    **{f"w_{name}": weight for name, weight in SIGNALS.default_weights().items()}})
key = settings.key
with st.sidebar:
    st.header("Peaks")
    smoothing = st.slider("Smoothing window (s)", 0.0, 10.0, step=0.5, key=key("smoothing"))
    prominence = st.slider("Peak prominence", 0.01, 0.5, step=0.01, key=key("prominence"),
                           help="How far a peak must stand above the valleys around it")
    min_gap = st.slider("Minimum gap between peaks (s)", 1, 120, key=key("min_gap"))
    top_k = st.slider("Top peaks per emotion", 1, 10, key=key("top_k"))
    emotions = st.multiselect("Emotions", list(EXPRESSIVE), key=key("emotions"))
    st.header("Clip length")
    preset = st.radio("Length", list(LENGTH_PRESETS), horizontal=True, key=key("preset"))
    pad = LENGTH_PRESETS[preset] / 2 if LENGTH_PRESETS[preset] else st.slider(
        "Clip padding (± s)", 2, 60, key=key("pad"))
    st.header("Fused interest weights")
    weights = {signal.name: st.slider(signal.slider_label, 0.0, 2.0, step=0.1,
                                      key=key(f"w_{signal.name}"), help=signal.help)
               for signal in SIGNALS.fused()}
    settings.save()
    settings.reset_button()

options = PeakOptions(smoothing_s=smoothing, prominence=prominence, min_gap_s=float(min_gap),
                      top_k=top_k, pad_s=float(pad), emotions=tuple(emotions), weights=weights)
peaks = find_highlights(timeline, options, mentions.mentions)
window = max(round(smoothing / timeline.step), 1)
fused = fused_score(timeline, weights, window)

stats = st.columns(4)
stats[0].metric("Viewers", len(chosen))
stats[1].metric("Comment mentions", len(mentions))
stats[2].metric("Peaks found", len(peaks))
stats[3].metric("Video", format_seconds(video.duration))
if not chosen and not mentions:
    st.info("No reactions and no comment timestamps yet: record a viewer on the Reactions page "
            "or import comments on the Project page.")
    st.stop()

figure = studio_figure(timeline, fused, peaks, window, revision=f"studio-{project_id}",
                       chapters=chapter_markers(store, project_id, video.duration))
names = trace_names(figure)
picking = session_picks(st.session_state, project_id)
chart_key = picking.chart_key(project_id)
chart_state = st.session_state.get(chart_key)
picking.take(chart_state.get("selection") if chart_state else None, names, PEAK_TRACE, peaks,
             timeline, pad)
picks = picking.resolve(peaks)


def deselected(project_id: int, chart_key: str) -> None:
    """The chart's select callback, run on the user's own selection changes only: an empty
    selection then is a double click on the chart, which clears the picks."""
    selection = (st.session_state.get(chart_key) or {}).get("selection") or {}
    if not (selection.get("points") or selection.get("box")):
        session_picks(st.session_state, project_id).clear()


def player(store: Store, video: VideoInfo, seek_s: float | None) -> None:
    """The project's video (its small preview), started where the last pick is."""
    shown = shown_file(store, video)
    if shown is None:
        st.caption("The player shows the video's preview once the Project page has made it.")
        return
    st.video(str(shown), start_time=int(seek_s or 0))
    st.caption(f"Plays from the last pick, {format_seconds(seek_s)}." if seek_s is not None
               else "Pick on the chart to play from that moment.")


chart_column, player_column = st.columns([3, 1])
chart_column.plotly_chart(figure, key=chart_key,
                          on_select=partial(deselected, project_id, chart_key),
                          selection_mode=("points", "box"))
with player_column:
    player(store, video, picking.seek_s)
hint, clear = st.columns([5, 1], vertical_alignment="center")
hint.caption("Click a star to pick that peak, click anywhere else to pick the moment there, or "
             "drag a box over a span with the chart's box tool (top right). A pick ticks its "
             "row below and unticks the others (tick any row to keep it too). Picks stay until "
             "you clear them: a double click on the chart, or Clear picks.")
clear.button("Clear picks", on_click=picking.clear, disabled=not picking.picked)


@st.cache_resource(max_entries=8, show_spinner=False)
def project_scorer(root: str, project_id: int, session_ids: tuple[int, ...], version: tuple,
                   _timeline: ProjectTimeline, _mentions: MentionsByTime) -> Scorer:
    """One scorer per data version: it keeps each window length's values once computed."""
    del root, version  # part of the cache key only
    faces = viewer_faces(open_store(), project_id, video.duration, list(session_ids))
    return Scorer(_timeline, _mentions, faces)


scorer = project_scorer(str(store.root), project_id, tuple(chosen), version, timeline,
                        mentions)


def peak_rows(found: list[Peak], picked: tuple[Peak, ...]) -> pd.DataFrame:
    rows = []
    for index, peak in enumerate([*found, *picked]):
        is_pick = index >= len(found)
        comments = mentions.nearby(peak.start, peak.end)
        scored = scorer.score(peak.start, peak.end)
        rows.append({
            "render": is_pick or not picks or index in picks.peak_indices,
            "kind": peak.kind, "source": "picked" if is_pick else "found",
            "time": format_seconds(peak.time),
            "clip": f"{format_seconds(peak.start)}–{format_seconds(peak.end)}",
            "score": scored.total, "why": scored.why,
            "nearby comments": " | ".join(m.snippet for m in comments),
        })
    return pd.DataFrame(rows, columns=["render", "kind", "source", "time", "clip", "score",
                                       "why", "nearby comments"])


candidates = [*peaks, *picks.spans]
table = peak_rows(peaks, picks.spans)
edited = st.data_editor(
    table, hide_index=True, width="stretch", disabled=list(table.columns[1:]),
    height=min(36 * (len(table) + 1) + 3, 600),
    column_config={"render": st.column_config.CheckboxColumn("render", help="Cut this one"),
                   "score": st.column_config.ProgressColumn(
                       "score", min_value=0, max_value=100, format="%d",
                       help="0–100 against this video's best moment of the same length: "
                            "comments, authors, Most replayed, viewers expressing, attention")},
    key=f"peaks-{hash(tuple(table['kind'] + table['clip']))}-{hash(tuple(table['render']))}",
)
selected = [peak for peak, keep in zip(candidates, edited["render"], strict=True) if keep]

# -- the render controls: every option of the cut, and the button, in this one block ---------
with st.container(border=True):
    shape, words, cut = st.columns(3)
    layout = shape.selectbox("Layout", list(LAYOUTS), key=key("layout"),
                             format_func=LAYOUT_NAMES.__getitem__,
                             help="9:16, 1:1 and 4:5 follow the main face (two people apart "
                                  "in 9:16: one above the other)")
    platform_size = shape.toggle(
        f"Platform size ({'×'.join(map(str, LAYOUTS[layout].output))})",
        key=key("platform_size"),
        help="Deliver at the size the platforms ask for, scaled up from a small source; "
             "off: the source's own pixels")
    captions = words.radio("Captions", CAPTIONS, key=key("captions"), horizontal=True,
                           format_func=CAPTION_NAMES.__getitem__,
                           help="Speech: the words as they are spoken, the spoken word "
                                "highlighted, with an .srt and a .vtt beside the short. Title: "
                                "the emotions, the score and the top comment.")
    style = words.selectbox("Caption style", [n for n in STYLES if n != "none"],
                            key=key("caption_style"), disabled=captions != "speech")
    title = words.toggle("Add the title line", key=key("title_line"),
                         disabled=captions != "speech")
    snap = cut.toggle("Clean cuts", key=key("snap"),
                      help="Move each edge up to 1.5 s to a scene cut or a pause in speech, "
                           "never mid-word; the library says why each edge moved")
    spec = ShortSpec(layout=layout, captions=captions, style=style, title=title,
                     platform_size=platform_size, snap=snap)
    mode = cut.radio("Cut", ["exact", "copy"], horizontal=True, key=key("mode"),
                     disabled=spec.reencodes or snap,
                     captions=["frame-exact", "fast, snaps to keyframes"])
    length, merging, press = st.columns(3, vertical_alignment="bottom")
    max_length = length.number_input(
        "Longest short (s)", min_value=5, max_value=600, step=5, key=key("max_short_s"),
        help="60 s is the most YouTube Shorts and Reels take. Picks merge only while the "
             "merged short fits; a longer pick is cut around its peak.")
    separate = merging.checkbox("Don't merge", key=key("separate"),
                                help="Each pick its own short, even where their clips overlap")
    short_options = ShortOptions(mode="exact" if spec.reencodes or snap else mode, spec=spec,
                                 max_length_s=float(max_length), merge=not separate)
    shorts = plan_shorts(selected, short_options)
    for short in shorts:
        if short.why():
            st.caption(f"Merged: {short.why()}")
        if short.trim_note():
            st.caption(f"Trimmed: {short.trim_note()}")
    if press.button(f"Render {len(shorts)} short{'s' * (len(shorts) != 1)}", type="primary",
                    disabled=not shorts):
        render_shorts(jobs(store), project_id, shorts, mentions, short_options, scorer)

with st.expander("Export the timeline"):
    export = st.columns(2)
    export[0].download_button("Timeline (CSV)", lambda: csv_bytes(timeline_frame(timeline, fused)),
                              file_name=f"timeline-project-{project_id}.csv", mime="text/csv")
    export[1].download_button("Timeline (Parquet)",
                              lambda: parquet_bytes(timeline_frame(timeline, fused)),
                              file_name=f"timeline-project-{project_id}.parquet",
                              mime="application/vnd.apache.parquet")

show_library(jobs(store), project_id, "Shorts", (*EXPRESSIVE, "fused", "picked", "comments"))
