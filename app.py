"""Shortory's Streamlit entry point: builds the store and the demo once, then the navigation.

Run with ``streamlit run app.py``. All logic lives in ``shortory_core``; pages only call it.
"""

import streamlit as st

from pages.common import open_store, prepare_demo
from shortory_core.live.ice import loopback_only, use_loopback_only

st.set_page_config(page_title="Shortory", page_icon="🎬", layout="wide")
if loopback_only():  # a machine with no network: WebRTC on 127.0.0.1 only (see live/ice.py)
    use_loopback_only()

store = open_store()
prepare_demo(store)

# URL paths must differ from the file names in pages/: Streamlit runs pages/NAME.py on its
# own, without this entry script, when a browser opens /NAME directly (a refresh, a link).
PAGES = [
    st.Page("pages/home.py", title="Projects", icon="🎬", default=True),
    st.Page("pages/project.py", title="Project", icon="📼", url_path="overview"),
    st.Page("pages/crowd.py", title="Crowd moments", icon="💬", url_path="moments"),
    st.Page("pages/watch.py", title="Watch", icon="📺", url_path="live"),
    st.Page("pages/reactions.py", title="Reactions", icon="🙂", url_path="viewers"),
    st.Page("pages/studio.py", title="Highlights studio", icon="✂️", url_path="shorts"),
    st.Page("pages/panel.py", title="Panel", icon="👥", url_path="viewer-panel"),
    st.Page("pages/model.py", title="Model", icon="🧠", url_path="emotion-model"),
]
navigation = st.navigation(PAGES, position="hidden")
with st.sidebar:
    project = st.query_params.get("project")
    for page in PAGES:
        st.page_link(page, query_params={"project": project} if project else None)
navigation.run()
