"""The remote panel's HTTP routes: what a viewer's browser calls, beside Streamlit's pages.

    POST /remote/api/samples   a sample batch (``batches``)    -> {"stored": n, "duplicates": d}
    POST /remote/api/finish    the video ended                  -> {"samples": n}
    POST /remote/api/withdraw  delete the viewer's session       -> {"withdrawn": true}
    GET  /remote/video/{token} the project's video, with Range requests

The POSTs carry the session key in the header ``X-Shortory-Session`` (never in the URL, which
access logs keep) and a JSON body; a ``navigator.sendBeacon``, which cannot set headers, puts
the key in the body instead (``{"session": KEY, "seq0": …, "samples": […]}``). Every
refusal is JSON ``{"error": reason}`` with the status of ``refusals``. A body is read only up
to ``MAX_BATCH_BYTES``: a larger one is refused (413) without being held in memory. The
database work runs in Starlette's thread pool, each call on its own SQLite connection
(``Store``), so a hundred viewers posting at once queue on SQLite's write lock (``BEGIN
IMMEDIATE`` with a busy timeout) rather than on the event loop.

The video is the project's preview when one was made (``clips/preview.py``: small H.264 that
every browser plays), else the original; its path comes from the store, never the request.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from shortory_core.errors import ShortoryError
from shortory_core.remote.batches import MAX_BATCH_BYTES, ingest_batch
from shortory_core.remote.invites import open_invite
from shortory_core.remote.refusals import RemoteRefused
from shortory_core.remote.viewer_sessions import SESSION_GRACE_S, finish_viewing, withdraw
from shortory_core.store import Store

SESSION_HEADER = "x-shortory-session"
BODY_KEY = "session"  # the key inside the body, for sendBeacon
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff"}
log = logging.getLogger(__name__)


class StoreHolder:
    """The app's store, opened at the first request (in the data folder the server runs
    with) and shared by every request: opening one runs the migrations."""

    def __init__(self, store: Store | None = None) -> None:
        self._store = store
        self._lock = threading.Lock()

    def __call__(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store()
            return self._store


def remote_routes(store: Store | None = None) -> list[BaseRoute]:
    """The routes, on ``store`` (tests) or the data folder's store (the app)."""
    holder = StoreHolder(store)

    async def samples(request: Request) -> Response:
        key, payload = await _keyed_body(request)
        receipt = await run_in_threadpool(ingest_batch, holder(), key, payload)
        return _json({"stored": receipt.stored, "duplicates": receipt.duplicates})

    async def finish(request: Request) -> Response:
        key, _ = await _keyed_body(request)
        session = await run_in_threadpool(finish_viewing, holder(), key)
        return _json({"samples": session.n_samples})

    async def withdrawal(request: Request) -> Response:
        key, _ = await _keyed_body(request)
        await run_in_threadpool(withdraw, holder(), key)
        return _json({"withdrawn": True})

    async def video(request: Request) -> Response:
        return await run_in_threadpool(_video, holder(), request.path_params["token"])

    return [Route("/remote/api/samples", _refusing(samples), methods=["POST"]),
            Route("/remote/api/finish", _refusing(finish), methods=["POST"]),
            Route("/remote/api/withdraw", _refusing(withdrawal), methods=["POST"]),
            Route("/remote/video/{token}", _refusing(video), methods=["GET", "HEAD"])]


Endpoint = Callable[[Request], Any]


def _refusing(endpoint: Endpoint) -> Endpoint:
    """The endpoint, with a refusal answered as ``{"error": reason}`` and its status, and a
    storage fault as 503 (its details, which name the server's folders, go to the log)."""

    async def answer(request: Request) -> Response:
        try:
            return await endpoint(request)
        except RemoteRefused as refused:
            return _json({"error": refused.reason}, refused.status)
        except ShortoryError:
            log.exception("remote %s", request.url.path)
            return _json({"error": "The server could not store this just now; it will be "
                                   "sent again."}, 503)

    return answer


async def _json_body(request: Request) -> Any:
    """The request's JSON, read at most ``MAX_BATCH_BYTES`` far; NaN and Infinity, which JSON
    does not have, are refused."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BATCH_BYTES:
        raise RemoteRefused(f"A request is at most {MAX_BATCH_BYTES // 1024} KiB.", 413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BATCH_BYTES:
            raise RemoteRefused(f"A request is at most {MAX_BATCH_BYTES // 1024} KiB.", 413)
    if not body.strip():
        return {}
    try:
        return json.loads(body, parse_constant=_no_constant)
    except ValueError as exc:
        raise RemoteRefused(f"The body is not JSON: {exc}", 400) from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number in JSON (NaN and infinity are not)")


async def _keyed_body(request: Request) -> tuple[str, Any]:
    """The session key and the JSON body. The key comes in the header, or, from
    ``navigator.sendBeacon`` (which cannot set headers: the last batch as the tab closes), as
    the body's top-level ``"session"`` field, which is taken out of the body."""
    body = await _json_body(request)
    key = request.headers.get(SESSION_HEADER)
    if not key and isinstance(body, dict) and isinstance(body.get(BODY_KEY), str):
        key = body.pop(BODY_KEY)
    if not key:
        raise RemoteRefused("The session key (header X-Shortory-Session) is missing.", 401)
    return key, body


def _video(store: Store, token: str) -> Response:
    invite = open_invite(store, token, grace_s=SESSION_GRACE_S)
    video = store.get_video(invite.project_id)
    if video is None:
        raise RemoteRefused("This project's video was deleted.", 410)
    for relative in (video.preview, video.path):
        path = store.media_path(relative) if relative else None
        if path is not None and path.is_file():
            return FileResponse(path, headers=PRIVATE | {"Cache-Control": "private, "
                                                                          "max-age=3600"})
    raise RemoteRefused("This project's video file is missing.", 410)


def _json(data: dict, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status, headers=PRIVATE)
