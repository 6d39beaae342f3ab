"""The ASGI app for tests/test_viewer_camera.py: the bare camera page, the app's /remote/
routes, and in front of them stand-ins for the server's sample, finish and video routes that
record what the browser sent (``GET /test/received``).

- Every second samples POST of a session is answered 503, so resending is exercised.
- Session ``HOLD`` is answered 503 until ``POST /test/release``: its samples pile up in the
  page, and what a closing tab hands over can be seen.
- Video ``SHORT`` is a 3.1 s demo clip, ``LONG`` an 11.8 s one.

    streamlit run tests/viewer_camera_asgi.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import streamlit as st
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from shortory_core.demo import ASSETS  # noqa: E402
from shortory_core.remote.routes import routes  # noqa: E402

VIDEOS = {"SHORT": ASSETS / "reaction_smile_man.mp4",
          "LONG": ASSETS / "reaction_expressions_woman.mp4"}
received: dict[str, list] = {"stored": [], "refused": [], "finish": []}
released: set[str] = set()


async def samples(request: Request) -> Response:
    key = request.headers.get("x-shortory-session", "")
    batch = {"key": key, "samples": json.loads(await request.body())["samples"]}
    tries = sum(b["key"] == key for b in received["stored"] + received["refused"])
    if (key == "HOLD" and key not in released) or (key != "HOLD" and tries % 2 == 1):
        received["refused"].append(batch)
        return JSONResponse({"error": "busy"}, status_code=503)
    received["stored"].append(batch)
    return JSONResponse({"stored": len(batch["samples"]), "duplicates": 0})


async def finish(request: Request) -> Response:
    received["finish"].append(request.headers.get("x-shortory-session"))
    return JSONResponse({"finished": True})


async def video(request: Request) -> Response:
    return FileResponse(VIDEOS[request.path_params["token"]], media_type="video/mp4")


async def report(request: Request) -> Response:
    return JSONResponse(received)


async def release(request: Request) -> Response:
    released.add("HOLD")
    return JSONResponse({"released": True})


app = st.App(str(ROOT / "tests" / "viewer_camera_page.py"), routes=[
    Route("/remote/api/samples", samples, methods=["POST"]),
    Route("/remote/api/finish", finish, methods=["POST"]),
    Route("/remote/video/{token}", video), Route("/test/received", report),
    Route("/test/release", release, methods=["POST"]), *routes()])
