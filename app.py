"""Shortory's Streamlit entry point: builds the store and the demo once, then the navigation.

Run with ``streamlit run app.py``. All logic lives in ``shortory_core``; pages only call it.
"""

import streamlit as st

from pages.common import open_store, prepare_demo

st.set_page_config(page_title="Shortory", page_icon="🎬", layout="wide")

store = open_store()
prepare_demo(store)

navigation = st.navigation(
    [
        st.Page("pages/home.py", title="Projects", icon="🎬", default=True),
        st.Page("pages/project.py", title="Project", icon="📼", url_path="project"),
    ]
)
navigation.run()
