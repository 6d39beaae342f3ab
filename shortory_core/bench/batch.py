"""Batch analysis throughput: the local job service against Ray, and Ray from 1 to 2 workers.

Twenty 60 s recordings made from the fixture faces (each clip's packets looped, so they decode
like the real recordings), one project, the same manifest for every run, each run in a fresh
data folder. Throughput is seconds of recording analysed per wall-clock second of the analysis
phase; Ray's start-up (actors and their engines) is reported on its own, as Ray's guides
measure steady-state throughput. Needs ``requirements-ray.txt``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from shortory_core.batch.manifest import read_manifest
from shortory_core.batch.runner import BatchOptions, BatchRun
from shortory_core.bench.vision import loop_recording
from shortory_core.demo import ASSETS
from shortory_core.demo.video import write_demo_video
from shortory_core.records import StepStatus
from shortory_core.store import Store

RECORDINGS = 20
SECONDS = 60.0
FACES = ("reaction_expressions_woman.mp4", "reaction_smile_man.mp4",
         "reaction_webcam_glasses.mp4")


def make_inputs(folder: Path, recordings: int, seconds: float) -> Path:
    """The recordings, a short project video and their manifest; returns the manifest."""
    write_demo_video(folder / "show.mp4", duration=seconds)
    looped = [loop_recording(ASSETS / name, folder / f"loop-{k}.mp4", seconds)
              for k, name in enumerate(FACES)]
    lines = ["project,video,recording,viewer,group"]
    for k in range(recordings):
        video = "show.mp4" if k == 0 else ""
        lines.append(f"Bench,{video},{looped[k % len(looped)].name},viewer {k:02d},"
                     f"{'AB'[k % 2]}")
    manifest = folder / "manifest.csv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def timed_run(manifest: Path, home: Path, **options: object) -> dict[str, float]:
    run = BatchRun(Store(home), read_manifest(manifest), BatchOptions(**options))
    steps = run.run()
    failed = [s for s in steps if s.status == StepStatus.FAILED]
    if failed:
        raise RuntimeError(f"the benchmark batch failed: {failed[0]}")
    return run.timings


def run() -> str:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        manifest = make_inputs(folder, RECORDINGS, SECONDS)
        video_s = RECORDINGS * SECONDS
        runs = {
            "local job service (2 cores)": timed_run(manifest, folder / "local"),
            "ray, 1 worker": timed_run(manifest, folder / "ray1", engine="ray", workers=1),
            "ray, 2 workers": timed_run(manifest, folder / "ray2", engine="ray", workers=2),
        }
    speed = {label: video_s / t["analysis_s"] for label, t in runs.items()}
    lines = [f"== batch: {RECORDINGS} recordings × {SECONDS:.0f} s of fixture faces at 5 "
             "samples/s"]
    for label, timing in runs.items():
        start = timing.get("engine_start_s")
        lines.append(f"  {label:<28} {timing['analysis_s']:6.1f} s  {speed[label]:5.1f}× "
                     "realtime" + (f"  (of which Ray start-up {start:.1f} s)" if start else ""))
    local, one, two = speed.values()
    steady = [video_s / (t["analysis_s"] - t.get("engine_start_s", 0.0))
              for t in runs.values()]
    lines.append(f"  ray 2 workers / local: {two / local:.2f}× (target ≥ 0.90); "
                 f"ray 2 / 1 workers: {two / one:.2f}× (target ≥ 1.8); "
                 f"per core: {one:.1f}× realtime")
    lines.append(f"  without Ray's start-up: ray 2 workers / local {steady[2] / steady[0]:.2f}×, "
                 f"ray 2 / 1 workers {steady[2] / steady[1]:.2f}×, per core "
                 f"{steady[1]:.1f}× realtime")
    return "\n".join(lines)
