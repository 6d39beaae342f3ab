"""Model: the emotion model's card and how it scores on a labelled folder of faces."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from pages.common import confirm_delete, jobs, open_store
from pages.job_panel import job_panel
from shortory_core.charts.reactions import confusion_figure, per_class_figure
from shortory_core.records import JobStatus
from shortory_core.untrusted import for_markdown
from shortory_core.vision.cards import EMOTION_MODEL_ENV, default_card, emotion_cards
from shortory_core.vision.evaluate import Evaluation

store = open_store()
service = jobs(store)
card = default_card("emotion")
st.title(f"Model · {card.name}")
left, right = st.columns([3, 2])
left.markdown(f"**Source:** {card.source}  \n**License:** {card.license}  \n"
              f"**Input:** {card.input_size[0]}×{card.input_size[1]} {card.colour}, "
              f"normalised {card.normalisation.replace('_', ' ')}")
right.dataframe(pd.DataFrame(
    [(label, card.product_mapping.get(label, "—")) for label in card.labels],
    columns=["model class", "shown as"]), hide_index=True)

with st.expander("All emotion models shipped"):
    st.dataframe(pd.DataFrame(
        [{"model": c.name, "active": "✓" if c.name == card.name else "",
          "input": f"{c.input_size[0]}×{c.input_size[1]} {c.colour}", "notes": c.notes,
          "license": c.license} for c in emotion_cards()]), hide_index=True)
    st.caption(f"To use another, start the app with `{EMOTION_MODEL_ENV}=<model>` (its name "
               "above); the commands read the same setting.")

st.subheader("Viewer profiles")
profiles = store.profiles()
if not profiles:
    st.caption("None yet. A viewer makes one with **Calibrate to my face** on the Watch page, "
               "or from a folder of their labelled faces with `python -m shortory_core profile "
               "create NAME FOLDER`. A profile is used for that viewer's live sessions and "
               "recordings.")
for profile in profiles:
    name, faces, remove = st.columns([2, 4, 1], vertical_alignment="center")
    name.markdown(f"**{for_markdown(profile.viewer)}** · {for_markdown(profile.model)}")
    faces.caption(", ".join(f"{n} {e}" for e, n in profile.faces.items()))
    with remove.popover("Delete"):
        if confirm_delete("this viewer profile", f"profile-{profile.viewer}-"
                          f"{profile.model}", files=False):
            store.delete_profile(profile.viewer, profile.model)
            st.rerun()

st.subheader("Evaluate on a labelled folder")
st.caption("One sub-folder per class, named like the model's classes (anger/angry, "
           "happiness/happy… are understood). Small folders give sanity checks, not accuracy "
           "claims.")
with st.form("evaluate"):
    folder = st.text_input("Folder on this machine", placeholder="/data/fer2013/test")
    detect = st.toggle("Whole photos: find the face first")
    submitted = st.form_submit_button("Evaluate")
if submitted and folder.strip():
    path = Path(folder.strip()).expanduser()
    if not path.is_dir():
        st.error(f"{for_markdown(str(path))} is not a folder of class folders.")
    else:
        service.submit("evaluate", {"folder": str(path.resolve()), "detect": detect})
job_panel(service, "evaluate", kinds=("evaluate",), limit=2)

finished = [job for job in store.jobs.listing(kinds=("evaluate",), limit=20)
            if job.status == JobStatus.DONE]
if finished:
    latest = finished[0]
    result = Evaluation.from_dict(latest.result)
    st.caption(f"Latest evaluation: {for_markdown(latest.result['folder'])}"
               + (" (faces found first)" if latest.params.get("detect") else ""))
    metrics = st.columns(3)
    metrics[0].metric("Images", result.images)
    metrics[1].metric("Accuracy (model classes)", f"{result.raw.accuracy:.1%}")
    metrics[2].metric("Accuracy (five emotions)", f"{result.product.accuracy:.1%}")
    raw_tab, product_tab = st.tabs(["Model classes", "Five product emotions"])
    for tab, scores in ((raw_tab, result.raw), (product_tab, result.product)):
        with tab:
            st.plotly_chart(confusion_figure(scores, "Confusion matrix"))
            st.plotly_chart(per_class_figure(scores))
    if result.skipped:
        with st.expander(f"Skipped ({len(result.skipped)})"):
            st.json(result.skipped)
