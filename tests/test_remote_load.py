"""A hundred viewers posting at once, over real HTTP: a uvicorn server on a free loopback port
serves the app's remote routes (``routes.routes()``, on the data folder of ``SHORTORY_HOME``),
and a hundred threads, a viewer each, post their batches in a shuffled order, resending some,
as browsers on flaky connections do. Every sample must be stored exactly once."""

from __future__ import annotations

import random
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from shortory_core.remote.invites import create_invite
from shortory_core.remote.routes import routes
from shortory_core.remote.viewer_sessions import ViewerSession, start_viewing
from shortory_core.store import Store
from tests.remote_helpers import batch, demo_store
from tests.waiting import wait_until

VIEWERS = 100
BATCHES = 6  # per viewer: 2 s of samples at 5 a second each
PER_BATCH = 10
RESENDS = 2  # per viewer: batches posted a second time


@pytest.fixture
def server(demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[tuple[str, Store]]:
    """The routes served by uvicorn in a thread, on a port the system chose."""
    store = demo_store(demo_home, tmp_path)
    monkeypatch.setenv("SHORTORY_HOME", str(store.root))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    served = uvicorn.Server(uvicorn.Config(Starlette(routes=routes()), log_level="warning",
                                           limit_concurrency=1000))
    thread = threading.Thread(target=served.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: served.started, "the server to start")
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", store
    served.should_exit = True
    thread.join(timeout=30)
    sock.close()


def test_a_hundred_viewers_posting_at_once_store_every_sample_once(
        server: tuple[str, Store]) -> None:
    base, store = server
    project_id = store.demo_project_id()
    viewers = [start_viewing(store, create_invite(store, project_id, viewer=f"Viewer {i}",
                                                  group="AB"[i % 2]), "")
               for i in range(VIEWERS)]
    start = threading.Barrier(VIEWERS + 1)
    latencies: list[float] = []
    receipts: list[tuple[int, int]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def watch(viewer: ViewerSession, seed: int) -> None:
        order = list(range(BATCHES))
        rng = random.Random(seed)
        rng.shuffle(order)  # batches arrive out of order, as after a lost connection
        order += rng.sample(range(BATCHES), RESENDS)
        with httpx.Client(base_url=base, timeout=120,
                          headers={"X-Shortory-Session": viewer.key}) as client:
            start.wait()
            for n in order:
                began = time.perf_counter()
                answer = client.post("/remote/api/samples", json=batch(
                    range(n * PER_BATCH, (n + 1) * PER_BATCH)))
                with lock:
                    latencies.append(time.perf_counter() - began)
                    if answer.status_code != 200:
                        failures.append(f"{viewer.viewer}: {answer.status_code} {answer.text}")
                    else:
                        receipts.append((answer.json()["stored"], answer.json()["duplicates"]))

    threads = [threading.Thread(target=watch, args=(v, i)) for i, v in enumerate(viewers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began

    assert failures == []
    total = VIEWERS * BATCHES * PER_BATCH
    assert sum(r[0] for r in receipts) == total
    assert sum(r[1] for r in receipts) == VIEWERS * RESENDS * PER_BATCH
    for viewer in viewers:
        assert [s["seq"] for s in store.samples(viewer.session_id).to_pylist()] == list(
            range(BATCHES * PER_BATCH)), viewer.viewer
    requests = len(latencies)
    print(f"\n{VIEWERS} viewers, {requests} batches ({total} samples, "
          f"{VIEWERS * RESENDS} resent) in {wall:.2f} s: {requests / wall:.0f} batches/s, "
          f"{total / wall:.0f} samples/s; latency median "
          f"{statistics.median(latencies) * 1000:.0f} ms, p95 "
          f"{statistics.quantiles(latencies, n=20)[-1] * 1000:.0f} ms")
