"""The ASGI app ``scripts/serve.py`` runs: the Streamlit pages of ``app.py`` plus the remote
panel's HTTP routes. ``streamlit run`` finds ``app`` here and serves it with uvicorn."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # uvicorn imports this file by name, from scripts/
    sys.path.insert(0, str(ROOT))

from shortory_core.remote.routes import routes  # noqa: E402

app = st.App(str(ROOT / "app.py"), routes=routes())
