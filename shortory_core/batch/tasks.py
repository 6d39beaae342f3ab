"""Analysis tasks: a recording, or one chunk of a long one, and what analysing it returns.

A task carries everything a worker on another machine needs: the media's URL, the span, the
sampling rate, the offset onto video time, the viewer's profile and the session's sample folder
(a path, or an fsspec URL the worker can reach). The worker writes its rows there itself as a
Parquet part and returns only the part's description; the driver records it. Every row's
``seq`` is its place on the recording's sample grid (``round(t · fps)``), not a counter: chunks
of one recording give disjoint seqs, and a task run twice gives the same rows under the same key
(``chunk-<its first grid seq>``), so a retried task replaces its file and nothing is doubled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyarrow as pa

from shortory_core.reactions.recording import sampled_frames
from shortory_core.reactions.timeline import sample_row
from shortory_core.sources.media_urls import local_path, readable_media
from shortory_core.sources.video_file import probe_video
from shortory_core.store.sample_files import SamplePart, sample_table, seq_key, write_part
from shortory_core.vision.calibration import Calibration
from shortory_core.vision.engine import VisionEngine
from shortory_core.vision.profiles import Profile

CHUNK_S = 60.0


@dataclass(frozen=True)
class AnalysisTask:
    session_id: int
    url: str
    start: float
    end: float  # inf: to the end of the recording
    fps: float
    offset: float  # video time at which the recording starts
    profile: tuple[str, str, str] | None = None  # (viewer, model, JSON) of the viewer's profile
    detector: str = "short"
    iris: bool = True
    # Where the session's parts go: a local path or an fsspec URL; "": the driver writes them.
    folder: str = ""


def plan_tasks(session_id: int, url: str, *, fps: float, offset: float,
               profile: Profile | None = None, chunk_s: float = CHUNK_S,
               folder: str = "") -> list[AnalysisTask]:
    """A local recording in equal chunks of about ``chunk_s`` (a 61 s recording is one task,
    not a 60 s one and a 1 s one); a remote one is a single task (its length is not known
    without fetching it, and each chunk would fetch it again)."""
    packed = (profile.name, profile.model, profile.to_json()) if profile else None
    path = local_path(url)
    duration = probe_video(path).duration if path is not None else 0.0
    chunks = max(1, round(duration / chunk_s))
    cuts = [k * duration / chunks for k in range(chunks)]
    ends = [*cuts[1:], math.inf]
    return [AnalysisTask(session_id, url, start, end, fps, offset, packed, folder=folder)
            for start, end in zip(cuts, ends, strict=True)]


def run_task(engine: VisionEngine, task: AnalysisTask) -> list[dict]:
    """Analyse one task with ``engine`` (its state is reset first); returns store rows."""
    engine.reset()
    calibration = Calibration.from_profile(Profile.from_json(*task.profile)) \
        if task.profile else None
    rows = []
    with readable_media(task.url) as path:
        for t, rgb in sampled_frames(path, task.fps, task.start, task.end):
            analysis = engine.analyse(rgb, t, colour="rgb")
            if calibration is not None:
                analysis = calibration.apply(analysis)
            rows.append(sample_row(analysis, round(t * task.fps), t + task.offset, t))
    return rows


@dataclass(frozen=True)
class ChunkSamples:
    """A task's samples sent back to the driver, which writes them as the part ``key``: for
    a worker that cannot reach the data folder (a cluster without ``--media-url``)."""

    key: str
    table: pa.Table


def write_task(engine: VisionEngine, task: AnalysisTask) -> SamplePart | ChunkSamples | None:
    """Analyse one task and write its rows as the part ``chunk-<first grid seq>`` in the
    task's folder (``None``: the span held no frame). What the driver records. A task
    without a folder returns the rows for the driver to write instead."""
    rows = run_task(engine, task)
    if not rows:
        return None
    key = seq_key("chunk", round(task.start * task.fps))
    table = sample_table(task.session_id, rows)
    return write_part(task.folder, key, table) if task.folder else ChunkSamples(key, table)
