"""Shortory's Streamlit entry point: builds the store and the demo once, then the navigation.

Run with ``scripts/start.sh`` (``scripts/serve.py``). Plain ``streamlit run app.py`` would let
a fresh server's very first request run a ``pages/`` file on its own (Streamlit's legacy page
folder), past this script and its gate. All logic lives in ``shortory_core``; pages only call it.

Two ways in. A link with ``invite=`` (``/join?invite=TOKEN``) is a remote viewer's: it shows
only the viewer's page, with no sidebar and no way to the analyst's pages. Any other URL is the
analyst's: the gate (``pages/analyst_gate.py``) decides first whether they may open.
"""

import streamlit as st

from pages.analyst_gate import analyst_gate, sign_out_button
from pages.common import open_store, prepare_demo
from shortory_core.live.ice import loopback_only, use_loopback_only

st.set_page_config(page_title="Shortory", page_icon="🎬", layout="wide")
if loopback_only():  # a machine with no network: WebRTC on 127.0.0.1 only (see live/ice.py)
    use_loopback_only()

VIEWER = st.Page("pages/viewer.py", title="Your reaction", url_path="join")


def to_viewer() -> None:
    """An invite opened on another path (``/?invite=...``) moves to ``/join``, invite kept."""
    st.switch_page(VIEWER, query_params=st.query_params.to_dict())


if "invite" in st.query_params:  # the token is checked by the viewer's page itself
    # A lone page would be the default, served at "/" only: /join needs a default beside it.
    st.navigation([st.Page(to_viewer, title="Your reaction", url_path="invite", default=True),
                   VIEWER], position="hidden").run()
    st.stop()

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
# Declared before the gate so a deep link (/viewer-panel?project=1) still lands there once
# the analyst has signed in; no page runs until the gate lets this run through.
navigation = st.navigation(PAGES, position="hidden")
signed_in = analyst_gate()

store = open_store()
prepare_demo(store)

with st.sidebar:
    project = st.query_params.get("project")
    for page in PAGES:
        st.page_link(page, query_params={"project": project} if project else None)
    if signed_in:
        sign_out_button()
navigation.run()
