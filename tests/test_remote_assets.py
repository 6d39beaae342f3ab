"""The viewer's browser fetches its bundle, runtime and models over plain HTTP: only the files
that are meant to be served, with the types browsers insist on (``application/wasm`` for
streaming compilation, JavaScript for modules) and headers that let them cache."""

from __future__ import annotations

import json
import re

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from shortory_core.config import MODELS_DIR
from shortory_core.remote.assets import DIST, FOREVER, REVALIDATE, asset_routes
from shortory_core.vision.cards import DEFAULT_CARDS


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(Starlette(routes=asset_routes()))


def test_the_bundle_and_runtime_are_served_with_their_types(client: TestClient) -> None:
    viewer = client.get("/remote/assets/viewer.js")
    assert viewer.status_code == 200 and viewer.headers["content-type"].startswith(
        "text/javascript")
    assert viewer.headers["cache-control"] == REVALIDATE
    again = client.get("/remote/assets/viewer.js",
                       headers={"If-None-Match": viewer.headers["etag"]})
    assert again.status_code == 304
    runtime = client.get("/remote/assets/ort-wasm-simd-threaded.wasm")  # asks for gzip
    assert runtime.headers["content-type"] == "application/wasm"
    assert runtime.headers["cache-control"] == FOREVER
    assert runtime.headers["content-encoding"] == "gzip"
    assert int(runtime.headers["content-length"]) < (DIST / "ort-wasm-simd-threaded.wasm"
                                                     ).stat().st_size / 3
    assert runtime.content == (DIST / "ort-wasm-simd-threaded.wasm").read_bytes()
    plain = client.get("/remote/assets/ort-wasm-simd-threaded.wasm",
                       headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content[:4] == b"\0asm"
    page = client.get("/remote/assets/bench.html")
    assert page.headers["content-type"].startswith("text/html")


def test_every_chunk_the_committed_bundle_imports_is_there(client: TestClient) -> None:
    """dist/ is committed: a rebuild that left out a chunk would break every viewer."""
    for entry in ("viewer.js", "bench.js"):
        for chunk in re.findall(r'from\s*"\./([^"]+)"', (DIST / entry).read_text()):
            answer = client.get(f"/remote/assets/{chunk}")
            assert answer.status_code == 200, chunk
            assert answer.headers["cache-control"] == FOREVER  # its name carries its hash


@pytest.mark.parametrize("name", ["../assets.py", "..%2Fassets.py", "%2Fetc%2Fpasswd",
                                  "package.json", "missing.js", ".."])
def test_nothing_outside_the_built_files_is_served(client: TestClient, name: str) -> None:
    assert client.get(f"/remote/assets/{name}").status_code == 404


def test_the_shipped_vision_models_and_their_index(client: TestClient) -> None:
    index = client.get("/remote/models/index.json").json()
    assert index["defaults"] == {kind: file for kind, file in DEFAULT_CARDS.items()}
    for file in index["cards"].values():
        card = client.get(f"/remote/models/{file}").json()
        if "file" in card:
            model = client.get(f"/remote/models/{card['file']}")
            assert model.status_code == 200
            assert model.content == (MODELS_DIR / card["file"]).read_bytes()
    emotion = json.loads((MODELS_DIR / DEFAULT_CARDS["emotion"]).read_text())
    assert index["cards"][emotion["name"]] == DEFAULT_CARDS["emotion"]


@pytest.mark.parametrize("name", ["speech_whisper_base.json", "../config.py", "model.bin",
                                  "..%2Fpyproject.toml", "README.md"])
def test_no_other_file_is_served_as_a_model(client: TestClient, name: str) -> None:
    assert client.get(f"/remote/models/{name}").status_code == 404
