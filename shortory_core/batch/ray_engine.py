"""Analysis on Ray: one vision engine per actor, tasks pulled as actors free up.

Follows Ray's batch-inference advice: the expensive state (the ONNX sessions of a vision
engine) lives in a long-lived actor, built once, and stateless tasks stream through a pool of
such actors, each given one CPU (the engine runs onnxruntime on one thread). Every actor has
at most ``IN_FLIGHT`` tasks queued, so a free actor never waits on the driver and a slow one
never hoards work.

Faults: an actor whose process dies is restarted by Ray (``max_restarts``) and its unfinished
tasks are retried on it (``max_task_retries``). A task that raises (an unreadable recording) is
not retried: its error comes back and only that recording fails. Each task writes its samples
itself (a Parquet part, by key: a retried task replaces its own file) and only the part's
description comes back; the driver alone writes the database, recording the parts.

Ray is optional (``requirements-ray.txt``); nothing imports it unless ``--engine ray`` is asked.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable
from pathlib import Path

from shortory_core.batch.tasks import AnalysisTask, ChunkSamples
from shortory_core.errors import ShortoryError, describe
from shortory_core.store.sample_files import SamplePart

IN_FLIGHT = 2
MAX_TASK_RETRIES = 3
ROOT = Path(__file__).resolve().parents[2]
# What a remote cluster's workers get as their working directory (the code and models/).
UPLOAD_EXCLUDES = [".venv", ".git", "build", "training/runs", "**/__pycache__"]

# The task, the part it wrote or the samples for the driver to write (None: an empty
# span), its error ("" when it worked).
Done = Callable[[AnalysisTask, SamplePart | ChunkSamples | None, str], None]


class VisionWorker:
    """The actor: vision engines built once (one per detector and iris setting)."""

    def __init__(self) -> None:
        self._engines: dict[tuple[str, bool], object] = {}

    def pid(self) -> int:
        return os.getpid()

    def analyse(self, task: AnalysisTask) -> SamplePart | ChunkSamples | None:
        from shortory_core.batch.tasks import write_task
        from shortory_core.vision.engine import VisionEngine

        key = (task.detector, task.iris)
        if key not in self._engines:
            self._engines[key] = VisionEngine(detector=task.detector, use_iris=task.iris)
        return write_task(self._engines[key], task)


class RayEngine:
    """``workers`` actors on the cluster at ``address`` (``None``: a local Ray using this
    machine's cores; ``"auto"``: the running cluster; ``"ray://HOST:PORT"``: a remote one,
    which is sent this project's code and models as its working directory)."""

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ShortoryError("--engine ray needs Ray: pip install -r requirements-ray.txt"
                                ) from exc
        self._ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            options: dict = {"log_to_driver": False, "include_dashboard": False,
                             "logging_level": logging.ERROR}
            if address is None:
                options["num_cpus"] = workers or os.cpu_count() or 1
            else:
                options["address"] = address
                if address.startswith("ray://"):
                    options["runtime_env"] = {"working_dir": str(ROOT),
                                              "excludes": UPLOAD_EXCLUDES}
            try:
                ray.init(**options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ShortoryError(f"Cannot start or reach Ray ({address or 'local'}): "
                                    f"{exc}") from exc
        cpus = int(ray.cluster_resources().get("CPU", 1))
        count = max(1, min(workers or cpus, cpus))
        actor = ray.remote(num_cpus=1, max_restarts=-1,
                           max_task_retries=MAX_TASK_RETRIES)(VisionWorker)
        self.actors = [actor.remote() for _ in range(count)]

    def pids(self) -> list[int]:
        """The process id of every actor now (a restarted actor has a new one)."""
        return self._ray.get([a.pid.remote() for a in self.actors])

    def run(self, tasks: list[AnalysisTask], done: Done) -> None:
        """Run every task; ``done`` hears each one's part (or its error) as it finishes."""
        ray = self._ray
        waiting = deque(tasks)
        running: dict = {}  # ObjectRef → (task, actor index)
        load = [0] * len(self.actors)
        while waiting or running:
            while waiting and min(load) < IN_FLIGHT:
                index = load.index(min(load))
                task = waiting.popleft()
                running[self.actors[index].analyse.remote(task)] = (task, index)
                load[index] += 1
            ready, _ = ray.wait(list(running), num_returns=1)
            task, index = running.pop(ready[0])
            load[index] -= 1
            try:
                part = ray.get(ready[0])
            except Exception as exc:  # the task raised, or its retries ran out
                done(task, None, describe(getattr(exc, "cause", None) or exc))
            else:
                done(task, part, "")

    def close(self) -> None:
        for actor in self.actors:
            self._ray.kill(actor)
        if self._started:
            self._ray.shutdown()
