"""Model: the emotion model's card and how it scores on a labelled folder of faces."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from shortory_core.charts.reactions import confusion_figure, per_class_figure
from shortory_core.errors import ShortoryError
from shortory_core.vision.cards import default_card
from shortory_core.vision.emotion import EmotionClassifier
from shortory_core.vision.evaluate import Evaluation, evaluate_folder
from shortory_core.vision.face_detector import FaceDetector

card = default_card("emotion")
st.title(f"Model · {card.name}")
left, right = st.columns([3, 2])
left.markdown(f"**Source:** {card.source}  \n**License:** {card.license}  \n"
              f"**Input:** {card.input_size[0]}×{card.input_size[1]} {card.colour}, "
              f"normalised {card.normalisation.replace('_', ' ')}")
right.dataframe(pd.DataFrame(
    [(label, card.product_mapping.get(label, "—")) for label in card.labels],
    columns=["model class", "shown as"]), hide_index=True)


@st.cache_data(show_spinner="Scoring the folder…", max_entries=4)
def evaluation(folder: str, detect: bool, modified: float) -> Evaluation:
    """Cached per folder, mode and the folder's modification time."""
    detector = FaceDetector(default_card("face_detection_full")) if detect else None
    return evaluate_folder(Path(folder), EmotionClassifier(card), detector)


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
    try:
        result = evaluation(str(path), detect, path.stat().st_mtime if path.exists() else 0.0)
    except (ShortoryError, OSError) as exc:
        st.error(str(exc))
        st.stop()
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
