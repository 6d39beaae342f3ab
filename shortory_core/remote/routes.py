"""Every HTTP route the app adds beside Streamlit's own, in one list for ``scripts/serve.py``.

Streamlit serves the pages over its websocket; a remote viewer's browser also needs plain HTTP:
the model files and the WebAssembly runtime it analyses with, the video it watches, and an
endpoint that takes its sample batches. Those live under ``/remote/``.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from shortory_core.remote.assets import asset_routes
from shortory_core.remote.http import remote_routes


def routes() -> list[BaseRoute]:
    """The routes, asset routes first (they never touch the database)."""
    return [*asset_routes(), *remote_routes()]
