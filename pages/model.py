"""Model: the emotion model the open project reads faces with, its viewer profiles, and how
it scores on a labelled folder of faces."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from pages.common import confirm_delete, jobs, open_store, require_project
from pages.job_panel import job_panel
from shortory_core.charts.reactions import confusion_figure, per_class_figure
from shortory_core.errors import ShortoryError
from shortory_core.reactions.models import (
    choose_emotion_model,
    chosen_model,
    project_emotion_card,
    session_model,
)
from shortory_core.reactions.photo_profiles import profile_from_photos
from shortory_core.records import JobStatus
from shortory_core.untrusted import for_markdown
from shortory_core.vision.cards import EMOTION_MODEL_ENV, default_card, emotion_cards
from shortory_core.vision.evaluate import Evaluation

store = open_store()
service = jobs(store)
app_card = default_card("emotion")
# the project in the URL, else the demo; with neither, the app's default model alone
opened = require_project(store) if st.query_params.get("project") is not None \
    or store.demo_project_id() is not None else None
card = project_emotion_card(store, opened.id) if opened else app_card
st.title(f"Model · {card.name}")

if opened is not None:
    names = [c.name for c in emotion_cards()]
    follow = f"the app's default ({app_card.name})"
    choice = st.selectbox(f"Emotion model of **{for_markdown(opened.project.name)}**",
                          [follow, *names],
                          index=1 + names.index(chosen_model(store, opened.id))
                          if chosen_model(store, opened.id) in names else 0,
                          help="Every reaction of this project is read with it: recordings "
                               "analysed from now on, live and remote viewers. Viewer profiles "
                               "belong to one model.")
    picked = None if choice == follow else choice
    if picked != chosen_model(store, opened.id):
        choose_emotion_model(store, opened.id, picked)
        st.rerun()

left, right = st.columns([3, 2])
if card.members:
    left.markdown("**Ensemble** of " + ", ".join(f"`{m.name}`" for m in card.members)
                  + ": each reads the face as its own card says; their log-probabilities are "
                    f"averaged.  \n**License:** {card.license}")
else:
    left.markdown(f"**Source:** {card.source}  \n**License:** {card.license}  \n"
                  f"**Input:** {card.input_size[0]}×{card.input_size[1]} {card.colour}, "
                  f"normalised {card.normalisation.replace('_', ' ')}")
if card.notes:
    left.caption(card.notes)
right.dataframe(pd.DataFrame(
    [(label, card.product_mapping.get(label, "—")) for label in card.labels],
    columns=["model class", "shown as"]), hide_index=True)

with st.expander("All emotion models shipped"):
    st.dataframe(pd.DataFrame(
        [{"model": c.name, "active": "✓" if c.name == card.name else "",
          "input": " + ".join(m.name for m in c.members) if c.members
          else f"{c.input_size[0]}×{c.input_size[1]} {c.colour}", "notes": c.notes,
          "license": c.license} for c in emotion_cards()]), hide_index=True)
    st.caption(f"A project without a choice uses the app's default, {app_card.name}; start the "
               f"app with `{EMOTION_MODEL_ENV}=<model>` to change it (the commands read the "
               "same setting).")

if opened is not None and (sessions := store.sessions(opened.id)):
    with st.expander(f"Which model read each of this project's {len(sessions)} sessions"):
        st.dataframe(pd.DataFrame(
            [{"viewer": s.viewer, "kind": str(s.kind), "session": s.id,
              "model": session_model(s) or "not recorded (read before models were noted)"}
             for s in sessions]), hide_index=True)

st.subheader("Viewer profiles")
with st.expander(f"A viewer's profile from a folder of labelled photos ({card.name})"):
    st.caption("One sub-folder per emotion (happy, sad, angry, neutral, surprise; anger/angry, "
               "happiness/happy… are understood), a few photos of the viewer in each, two "
               "emotions at least. The face in each photo is found first.")
    with st.form("photo-profile"):
        viewer = st.text_input("Viewer's name", key="photo-viewer")
        photos = st.text_input("Folder on this machine", placeholder="/data/photos/ada",
                               key="photo-folder")
        crops = st.toggle("The photos are face crops already")
        again = st.checkbox("Replace the viewer's profile for this model")
        made_it = st.form_submit_button("Build the profile", key="photo-submit")
    if made_it and viewer.strip() and photos.strip():
        try:
            made = profile_from_photos(store, viewer, Path(photos.strip()).expanduser(), card,
                                       detect=not crops, replace=again)
        except ShortoryError as exc:
            st.error(for_markdown(str(exc)))
        else:
            st.success(for_markdown(made.summary()))
            if made.skipped:
                st.dataframe(pd.DataFrame(sorted(made.skipped.items()),
                                          columns=["photo or folder", "why not used"]),
                             hide_index=True)

profiles = store.profiles()
if not profiles:
    st.caption("None yet. A viewer makes one with **Calibrate to my face** on the Watch page, "
               "or from a folder of their labelled photos above (or `python -m shortory_core "
               "profile create NAME FOLDER`). A profile is used for that viewer's live "
               "sessions and recordings read by its model.")
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
    folder = st.text_input("Folder on this machine", placeholder="/data/fer2013/test",
                           key="evaluate-folder")
    detect = st.toggle("Whole photos: find the face first")
    submitted = st.form_submit_button("Evaluate", key="evaluate-submit")
if submitted and folder.strip():
    path = Path(folder.strip()).expanduser()
    if not path.is_dir():
        st.error(f"{for_markdown(str(path))} is not a folder of class folders.")
    else:
        service.submit("evaluate", {"folder": str(path.resolve()), "detect": detect,
                                    "model": card.name})
job_panel(service, "evaluate", kinds=("evaluate",), limit=2)

finished = [job for job in store.jobs.listing(kinds=("evaluate",), limit=20)
            if job.status == JobStatus.DONE]
if finished:
    latest = finished[0]
    result = Evaluation.from_dict(latest.result)
    st.caption(f"Latest evaluation: {for_markdown(latest.result['folder'])}, "
               f"{for_markdown(latest.result.get('model', ''))}"
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
