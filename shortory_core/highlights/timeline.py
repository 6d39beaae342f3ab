"""Every signal of a project on one grid of video time: the studio only ever joins timelines.

The signals come from the registry (``signals/registry.py``); this module names none of them.
Reaction samples are read through the panel (``panel.grids``), so the studio sees exactly the
viewers the panel includes, binned the same way: first per viewer and bin, then averaged
across viewers, so a viewer who was sampled more often does not count more. A value is NaN
where its signal has no data (no viewer watched that part).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shortory_core.panel.grids import PanelGrids, load_grids
from shortory_core.panel.quality import Quality
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.signals.grid import grid
from shortory_core.signals.registry import SIGNALS, Registry
from shortory_core.signals.signal import Signal, SignalSource
from shortory_core.store import Store

DEFAULT_STEP_S = 0.1


@dataclass
class ProjectTimeline:
    """The values of every registered signal on the grid ``t`` (bin centres, seconds of the
    source video), and the panel's verdict on each reaction session (``panel``, included or
    not: only included viewers' faces are in the values)."""

    t: np.ndarray
    signals: tuple[Signal, ...]
    values: dict[str, np.ndarray]
    panel: tuple[Quality, ...] = ()

    @property
    def step(self) -> float:
        return float(self.t[1] - self.t[0]) if len(self.t) > 1 else DEFAULT_STEP_S

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    @property
    def emotions(self) -> dict[str, np.ndarray]:
        return {e: self.values[e] for e in PRODUCT_EMOTIONS if e in self.values}

    @property
    def attention(self) -> np.ndarray:
        return self.values["attention"]


def build_timeline(store: Store, project_id: int, step: float = DEFAULT_STEP_S,
                   session_ids: list[int] | None = None, signals: Registry = SIGNALS
                   ) -> ProjectTimeline:
    """The project's timeline. Reactions come from the viewers the panel includes, and of
    those only ``session_ids`` when given."""
    video = store.get_video(project_id)
    t = grid(max(video.duration if video else 0.0, step), step)
    read: list[PanelGrids] = []  # all viewers, then the chosen ones: read once, if asked

    def viewer_columns(column: str) -> np.ndarray:
        if not read:
            columns = tuple(s.sample_column for s in signals.per_viewer() if s.sample_column)
            grids = load_grids(store, project_id, step, columns=columns or ("attention",),
                               duration=len(t) * step)
            keep = grids.included & np.array(
                [session_ids is None or q.session_id in session_ids for q in grids.quality],
                bool)
            read.extend((grids, grids.subset(keep)))
        return read[1].signal(column)

    source = SignalSource(store, project_id, video, t, step, viewer_columns)
    values = {s.name: s.values(source) for s in signals}
    quality = tuple(read[0].quality) if read else ()
    return ProjectTimeline(t, tuple(signals), values, quality)


def timeline_frame(timeline: ProjectTimeline, fused: np.ndarray | None = None) -> pd.DataFrame:
    """The timeline as a table, one row per bin and one column per signal (for CSV/Parquet
    export)."""
    frame = pd.DataFrame({"video_time": np.round(timeline.t, 3)})
    for signal in timeline.signals:
        frame[signal.name] = timeline[signal.name]
    if fused is not None:
        frame["fused_interest"] = fused
    return frame
