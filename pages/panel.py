"""Panel: many viewers of one video, judged as the facial-coding tools judge a panel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.common import open_store, require_project
from pages.panel_invites import REFRESH_S, invite_section
from pages.panel_norms import norm_section
from pages.settings import PageSettings
from shortory_core.charts.panel import difference_figure, heatmap_figure, panel_figure
from shortory_core.exports import csv_bytes, parquet_bytes
from shortory_core.panel.grids import PanelGrids, load_grids
from shortory_core.panel.quality import EXCLUDE, INCLUDE, Thresholds
from shortory_core.panel.stats import (
    PanelOptions,
    agreement,
    curves,
    group_difference,
    heatmap,
    panel_peaks,
)
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.timefmt import format_seconds
from shortory_core.untrusted import for_markdown

CHOICES = {"auto": "automatic", INCLUDE: "always include", EXCLUDE: "always exclude"}

store = open_store()
opened = require_project(store)
project_id, project = opened.id, opened.project
st.title(f"Panel · {for_markdown(project.name)}")
invite_section(store, project_id)

sessions = store.sessions(project_id)
if not sessions:
    st.info("No viewers yet. Invite some above, record one on the Watch page, or add "
            "recorded reactions on the Reactions page (`python -m shortory_core react` adds "
            "many at once).")
    st.stop()

settings = PageSettings(store, project_id, "panel", {
    "face_rate": 0.6, "face_seconds": 10, "fps": 1.0, "paused": 0.5, "normalise": True,
    "z": 1.5, "probability": 0.5, "window": 10, "min_share": 0.3,
    "min_viewers": PanelOptions.min_viewers})
key = settings.key
with st.expander("Session quality thresholds"):
    columns = st.columns(4)
    thresholds = Thresholds(
        min_face_rate=columns[0].slider("Face seen at least", 0.0, 1.0, step=0.05,
                                        key=key("face_rate")),
        min_face_seconds=columns[1].slider("Seconds of face at least", 0, 120,
                                           key=key("face_seconds")),
        min_fps=columns[2].slider("Samples per second at least", 0.0, 5.0, step=0.5,
                                  key=key("fps")),
        max_paused_share=columns[3].slider("Paused at most", 0.0, 1.0, step=0.05,
                                           key=key("paused")),
    )


@st.cache_resource(show_spinner="Reading every viewer's samples…", max_entries=4)
def panel_grids(root: str, project_id: int, version: tuple, thresholds: Thresholds
                ) -> PanelGrids:
    """Read once per data change and thresholds; sliders below only re-aggregate."""
    del root, version  # part of the cache key only
    return load_grids(open_store(), project_id, thresholds=thresholds)


def data_version(sessions: list) -> tuple:
    return tuple((s.id, s.n_samples, s.viewer, repr(s.meta.get("group")),
                  s.meta.get("panel")) for s in sessions)


version = data_version(sessions)
grids = panel_grids(str(store.root), project_id, version, thresholds)

for damaged in grids.damaged.values():
    st.error(for_markdown(damaged + " This viewer is left out of the panel until then."),
             icon="💾")
st.subheader("Viewers")
quality = pd.DataFrame([q.as_dict() for q in grids.quality])
quality["choice"] = quality["choice"].map(CHOICES)
edited = st.data_editor(
    quality, hide_index=True, width="stretch", key=f"quality-{project_id}",
    disabled=[c for c in quality.columns if c not in ("viewer", "group", "choice")],
    column_config={
        "choice": st.column_config.SelectboxColumn("panel", options=list(CHOICES.values()),
                                                   required=True),
        "face_rate": st.column_config.ProgressColumn("face seen", min_value=0, max_value=1,
                                                     format="percent"),
        "paused_share": st.column_config.NumberColumn("paused", format="percent"),
        "session_id": st.column_config.NumberColumn("session"),
    })
changes = edited.compare(quality) if len(edited) == len(quality) else pd.DataFrame()
if not changes.empty:
    by_label = {label: key for key, label in CHOICES.items()}
    for row in changes.index:
        new = edited.loc[row]
        store.update_session(int(new["session_id"]), viewer=str(new["viewer"]).strip()[:60]
                             or None, group=str(new["group"]).strip()[:30] or None,
                             panel=None if by_label[new["choice"]] == "auto"
                             else by_label[new["choice"]])
    st.rerun()

included = grids.subset(grids.included)
st.caption(f"{len(included.quality)} of {len(grids.quality)} viewers in the aggregates. "
           "Excluded viewers are left out of every figure and table below.")
if len(included.quality) == 0:
    st.warning("No viewer meets the thresholds: lower them above, or include viewers by hand.")
    st.stop()

# the switch on a row of its own: beside four controls its label was cut off
normalise = st.toggle("Per-viewer normalisation", key=key("normalise"),
                      help="Each viewer against their own baseline (z-score vs their median)")
controls = st.columns(4)
threshold = controls[0].slider("Expressing above (z)", 0.5, 4.0, step=0.25, key=key("z"),
                               help="How far above the viewer's own baseline") \
    if normalise else controls[0].slider("Expressing above (probability)", 0.1, 0.9,
                                         step=0.05, key=key("probability"))
window = controls[1].slider("Agreement window (s)", 4, 60, key=key("window"))
min_share = controls[2].slider("Peak needs a share of", 0.1, 1.0, step=0.05,
                               key=key("min_share"))
min_viewers = controls[3].number_input(
    "…and viewers with data", 1, 1000, key=key("min_viewers"),
    help="Below 5, one viewer alone moves the share by 25 points or more")
settings.save()
settings.reset_button()
options = PanelOptions(normalise=normalise, threshold=threshold, raw_threshold=threshold,
                       window_s=window, min_share=min_share, min_viewers=int(min_viewers))

panel = curves(included, options)
peaks = panel_peaks(panel, options)


def live_chart() -> None:
    """The panel's curves, drawn again when samples arrive (remote viewers post every few
    seconds); the tables below follow on the page's next run."""
    fresh = data_version(store.sessions(project_id))
    drawn, shown = panel, peaks
    if fresh != version:
        latest = panel_grids(str(store.root), project_id, fresh, thresholds)
        latest = latest.subset(latest.included)
        if len(latest.quality):
            drawn = curves(latest, options)
            shown = panel_peaks(drawn, options)
        note, update = st.columns([4, 1], vertical_alignment="center")
        note.caption(f"New samples: the curves show {len(latest.quality)} viewers now; the "
                     f"tables below still count {len(included.quality)} until they are "
                     "updated.")
        if update.button("Update the tables", key="panel-update-tables"):
            st.rerun(scope="app")
    st.plotly_chart(panel_figure(drawn, shown, normalise, revision=f"panel-{project_id}"),
                    key="panel_chart")


st.fragment(live_chart, run_every=REFRESH_S if st.session_state.get(
    f"invites-live-{project_id}", True) else None)()
norm_section(store, project_id, panel, options)

left, right = st.columns(2)
with left:
    st.subheader("Panel peaks")
    thin = panel_peaks(panel, options, thin=True)
    named = ", ".join(f"{p.emotion} at {format_seconds(p.time)} ({p.n} viewers)"
                      for p in thin[:3]) + ("…" if len(thin) > 3 else "")
    st.caption(f"A peak is a moment when at least {min_share:.0%} of the viewers with data "
               f"expressed an emotion, and at least {int(min_viewers)} viewers had data then."
               + (f" Left out as too thin: {named}." if thin else ""))
    peak_table = pd.DataFrame([p.as_dict() | {"at": format_seconds(p.time)} for p in peaks],
                              columns=["at", "time", "emotion", "share", "n", "mean"])
    st.dataframe(peak_table, hide_index=True, width="stretch",
                 column_config={"share": st.column_config.NumberColumn(format="percent")})
with right:
    st.subheader("Where viewers agree")
    agreed = agreement(included, options).windows
    if agreed.empty:
        st.info("Agreement needs at least two viewers with data in the same window.")
    else:
        shown = agreed.head(10).assign(
            window=lambda f: [f"{format_seconds(a)}–{format_seconds(b)}"
                              for a, b in zip(f["start"], f["end"], strict=True)])
        st.dataframe(shown[["window", "emotion", "agreement", "n"]], hide_index=True,
                     width="stretch",
                     column_config={"agreement": st.column_config.NumberColumn(format="%.2f")})

st.subheader("Viewers × time")
emotion = st.radio("Signal", [*PRODUCT_EMOTIONS, "attention"], horizontal=True)
grid_frame = heatmap(included, emotion, normalised=normalise and emotion != "attention")
st.plotly_chart(heatmap_figure(grid_frame, emotion, revision=f"panel-heatmap-{project_id}",
                               duration=included.duration), key="panel_heatmap")

groups = sorted({q.group for q in included.quality if q.group})
st.subheader("Groups")
tagged = sorted({q.group for q in grids.quality if q.group})
if len(groups) < 2:
    if len(tagged) >= 2:  # the tags are there; the verdicts left one group (or none) in
        st.info(f"Groups {', '.join(for_markdown(g) for g in tagged)} are tagged, but only "
                f"{len(groups)} has viewers included in the aggregates: include more viewers "
                "above to compare groups.")
    else:
        st.info("Tag viewers with a group (the table's group column, e.g. A and B) to "
                "compare two groups' curves.")
    difference = None
else:
    pick = st.columns(2)
    a = pick[0].selectbox("Group", groups, index=0)
    b = pick[1].selectbox("minus group", groups, index=1)
    difference = group_difference(included, a, b, options)
    st.caption(f"{for_markdown(a)}: {difference.n_a} viewers, {for_markdown(b)}: "
               f"{difference.n_b} viewers. A band that leaves zero is a difference beyond "
               "chance (95%).")
    st.plotly_chart(difference_figure(difference, revision=f"panel-groups-{project_id}"),
                    key="panel_groups")

with st.expander("Export the panel's tables"):
    tables = {"curves": panel.frame(), "sessions": pd.DataFrame(
        [q.as_dict() for q in grids.quality]), "peaks": peak_table,
        "agreement": agreed, "heatmap": grid_frame.reset_index(names="viewer")}
    if difference is not None:
        tables["groups"] = difference.frame()
    for name, table in tables.items():
        row = st.columns([2, 1, 1], vertical_alignment="center")
        row[0].write(f"{name} ({len(table)} rows)")
        row[1].download_button("CSV", csv_bytes(table), f"panel-{project_id}-{name}.csv",
                               "text/csv", key=f"csv-{name}")
        row[2].download_button("Parquet", parquet_bytes(table),
                               f"panel-{project_id}-{name}.parquet",
                               "application/octet-stream", key=f"pq-{name}")
