"""The files a viewer's browser analyses with: the built bundle and WebAssembly runtime
(``browser/dist/``) and the shipped models (``models/``), over plain HTTP.

Both routes look the requested name up in a list of files they may serve; a name from the
request is never joined onto a path, so ``../`` or an absolute path finds nothing. Models are
only the vision cards shipped in ``models/`` and their ``.onnx`` files, plus ``index.json``
(which card is the default for each kind, and every card's file by card name, so an ensemble
card's members, named by card name, can be found).
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from shortory_core.config import MODELS_DIR
from shortory_core.vision.cards import DEFAULT_CARDS

DIST = Path(__file__).resolve().parent / "browser" / "dist"
MEDIA_TYPES = {
    ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
    ".html": "text/html; charset=utf-8", ".css": "text/css", ".json": "application/json",
    ".onnx": "application/octet-stream",
}
VISION_TASKS = ("emotion", "face_detection", "face_landmarks", "iris_landmarks")
# Built chunks carry a content hash in their name (vite: name-HASH.js); the runtime's .wasm
# changes only with the pinned onnxruntime-web version: both may be cached for a year.
HASHED = re.compile(r"-[A-Za-z0-9_-]{8}\.(js|mjs|css)$")
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"  # stable names (viewer.js, the pages): asked again, answered 304
MODEL_CACHE = "public, max-age=86400"
COMPRESSED = (".wasm", ".js")  # code compresses 4:1; model weights hardly at all


def _dist_files() -> dict[str, Path]:
    """The servable files of the built bundle, by name (read each time: a rebuild while the
    app runs is served at once; the folder holds a handful of files)."""
    if not DIST.is_dir():
        return {}
    return {p.name: p for p in DIST.iterdir() if p.is_file() and p.suffix in MEDIA_TYPES}


@functools.cache
def shipped_models(models_dir: Path = MODELS_DIR) -> tuple[dict[str, Path], dict[str, str]]:
    """(servable file name → path, card name → card file name) for the vision cards in
    ``models_dir``: each card's JSON and, for a single-model card, its ``.onnx`` when it lies
    in the same folder. Shipped files do not change while the app runs, so this is read once."""
    files: dict[str, Path] = {}
    names: dict[str, str] = {}
    for card_path in sorted(models_dir.glob("*.json")):
        try:
            card = json.loads(card_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(card, dict) or card.get("task") not in VISION_TASKS:
            continue
        if "members" not in card:
            model = models_dir / str(card.get("file", ""))
            if model.parent != models_dir or model.suffix != ".onnx" or not model.is_file():
                continue
            files[model.name] = model
        files[card_path.name] = card_path
        names[str(card.get("name", card_path.stem))] = card_path.name
    return files, names


def models_index(models_dir: Path = MODELS_DIR) -> dict[str, dict[str, str]]:
    """What the browser needs to find its models: the default card file of each kind and every
    card's file by card name."""
    files, names = shipped_models(models_dir)
    return {"defaults": {kind: name for kind, name in DEFAULT_CARDS.items() if name in files},
            "cards": names}


def _file(path: Path, cache: str) -> Response:
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix],
                        headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})


def _not_found() -> Response:
    return JSONResponse({"error": "no such file"}, status_code=404)


def _etag(path: Path) -> str:
    """The ETag Starlette's FileResponse gives this version of the file."""
    return FileResponse(path, stat_result=path.stat()).headers["etag"]


def _unchanged(request: Request, path: Path) -> bool:
    """Whether the browser's cached copy (its ETag) is still this file."""
    return _etag(path) in request.headers.get("if-none-match", "")


@functools.lru_cache(maxsize=8)
def _gzipped(path: Path, size: int, mtime_ns: int) -> bytes:
    """A built file compressed once per version (the runtime: 14 MB, 3.7 MB gzipped)."""
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


async def asset(request: Request) -> Response:
    path = _dist_files().get(request.path_params["file"])
    if path is None:
        return _not_found()
    stable = not (HASHED.search(path.name) or path.suffix == ".wasm")
    if stable and _unchanged(request, path):
        return Response(status_code=304, headers={"Cache-Control": REVALIDATE})
    cache = REVALIDATE if stable else FOREVER
    if path.suffix in COMPRESSED and "gzip" in request.headers.get("accept-encoding", ""):
        stat = path.stat()
        return Response(await run_in_threadpool(_gzipped, path, stat.st_size, stat.st_mtime_ns),
                        media_type=MEDIA_TYPES[path.suffix], headers={
                            "Cache-Control": cache, "Content-Encoding": "gzip",
                            "Vary": "Accept-Encoding", "ETag": _etag(path),
                            "X-Content-Type-Options": "nosniff"})
    return _file(path, cache)


async def model(request: Request) -> Response:
    name = request.path_params["file"]
    if name == "index.json":
        return JSONResponse(models_index(), headers={"Cache-Control": REVALIDATE})
    path = shipped_models()[0].get(name)
    return _not_found() if path is None else _file(path, MODEL_CACHE)


def asset_routes() -> list[Route]:
    """The two GET routes, for ``routes.py``."""
    return [Route("/remote/assets/{file}", asset, methods=["GET"]),
            Route("/remote/models/{file}", model, methods=["GET"])]
