"""The Panel page's norm: this study's shares of viewers against every earlier study in the
store (``panel/norms.py``), in words and as bands behind the curve."""

from __future__ import annotations

import streamlit as st

from shortory_core.charts.norms import norm_figure
from shortory_core.panel.norms import MIN_STUDIES, describe, norm_table, study_norm
from shortory_core.panel.stats import PanelCurves, PanelOptions
from shortory_core.store import Store

PERCENT = ("p10", "p25", "median", "p75", "p90", "best_share", "above_moments",
           "level_moments")  # to whole %


def norm_section(store: Store, project_id: int, panel: PanelCurves, options: PanelOptions
                 ) -> None:
    """Say where this study stands against the earlier ones, or that there is no norm yet."""
    st.subheader("Against earlier studies")
    with st.spinner("Summarising earlier studies…"):
        norm = study_norm(store, project_id, options)
    if not norm.ready:
        st.info(f"No norm yet: a norm needs at least {MIN_STUDIES} earlier studies with at "
                f"least {options.min_viewers} viewers each, and this store has "
                f"{len(norm.studies)}. Studies created after this one do not count.")
        return
    signals = list(norm.shares)
    signal = st.radio("Compare", signals, horizontal=True, key=f"norm-signal-{project_id}")
    sentence = describe(norm, panel, signal, options.min_viewers)
    if sentence is None:
        st.info(f"No moment of this study has {options.min_viewers} viewers with data yet.")
        return
    st.markdown(sentence)
    st.caption(
        f"The norm rests on {len(norm.studies)} earlier studies with {norm.viewers:,} viewers "
        f"and {norm.moments:,} moments (seconds with at least {options.min_viewers} viewers "
        "with data), each study summarised with the thresholds chosen here and its own "
        "viewer verdicts. The bands hold 10–90% and 25–75% of those moments' shares, pooled "
        "over the studies whatever the moment's place in its video; the dashed line is "
        "their median.")
    video = store.get_video(project_id)
    st.plotly_chart(norm_figure(norm, panel, signal, options.min_viewers,
                                duration=video.duration if video else None,
                                revision=f"panel-norm-{project_id}"), key="panel_norm")
    labels = {"best_share": "this study's best", "above_moments": "above … of earlier moments",
              "level_moments": "level with … of them"}
    config = {name: st.column_config.NumberColumn(labels.get(name), format="percent")
              for name in PERCENT}
    config |= {"best_at": "at", "above_peaks": st.column_config.NumberColumn(
        f"above the peaks of … of {len(norm.studies)} studies")}
    table = norm_table(norm, panel, options.min_viewers)
    st.dataframe(table.round(dict.fromkeys(PERCENT, 2)), hide_index=True, width="stretch",
                 column_config=config)
