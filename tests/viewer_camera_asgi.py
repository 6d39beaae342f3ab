"""The ASGI app for tests/test_viewer_camera.py: the bare camera page, the app's /remote/
routes, and in front of them stand-ins for the server's sample, finish and video routes that
record what the browser sent (``GET /test/received``). Every second samples POST is answered
503, so the browser's resending is exercised on every run.

    streamlit run tests/viewer_camera_asgi.py   (SHORTORY_TEST_VIDEO: the video to serve)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import streamlit as st
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from shortory_core.remote.routes import routes  # noqa: E402

received: dict[str, list] = {"batches": [], "refused": [], "finish": [], "keys": []}


async def samples(request: Request) -> Response:
    body = json.loads(await request.body())
    received["keys"].append(request.headers.get("x-shortory-session"))
    if len(received["batches"]) + len(received["refused"]) < 40 \
            and (len(received["batches"]) + len(received["refused"])) % 2 == 1:
        received["refused"].append(body)
        return JSONResponse({"error": "busy"}, status_code=503)
    received["batches"].append(body)
    return JSONResponse({"stored": len(body["samples"]), "duplicates": 0})


async def finish(request: Request) -> Response:
    received["finish"].append(request.headers.get("x-shortory-session"))
    return JSONResponse({"finished": True})


async def video(request: Request) -> Response:
    return FileResponse(os.environ["SHORTORY_TEST_VIDEO"], media_type="video/mp4")


async def report(request: Request) -> Response:
    return JSONResponse(received)


app = st.App(str(ROOT / "tests" / "viewer_camera_page.py"), routes=[
    Route("/remote/api/samples", samples, methods=["POST"]),
    Route("/remote/api/finish", finish, methods=["POST"]),
    Route("/remote/video/{token}", video), Route("/test/received", report),
    *routes()])
