"""What a signal is: one kind of audience evidence as values on the video-time grid.

Everything downstream of the signals (the studio's timeline, the fused interest score, the
chart, its sliders and saved settings, the exports, the panel) loops over a registry of these
(``registry.py``) and names none of them, so a new signal is one definition and one line in
the registry. Values are NaN where the signal has no data (nobody watched that part), and
the fused score leaves a signal out there instead of counting it as zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from shortory_core.records import VideoInfo
from shortory_core.signals.grid import smooth
from shortory_core.store import Store

Scale = Literal["level", "rate", "inverse"]
Style = Literal["line", "bar", "area"]


@dataclass
class SignalSource:
    """What a signal is computed from: the project, its grid, and its viewers' samples.

    ``viewer_columns`` gives a sample column (``happy``, ``attention``…) binned per viewer onto
    the grid (viewers × bins), for the viewers this timeline includes; it is read once and
    shared by every signal that asks (``panel.grids`` does the reading)."""

    store: Store
    project_id: int
    video: VideoInfo | None
    t: np.ndarray
    step: float
    viewer_columns: Callable[[str], np.ndarray]
    memo: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Signal:
    """One signal: its name (the key in timelines, exports and saved settings), how it is
    shown (label, colour, chart row, style, hover unit, help text), how it enters the fused
    interest score (a default ``weight``, ``None`` for not at all, and a ``scale``), and how
    its values are computed on a project's grid.

    ``scale`` says how values become 0..1 interest: ``level`` values already are; a ``rate``
    (per second) is smoothed and divided by its maximum; ``inverse`` counts ``1 − value`` (low
    neutral is high emotional intensity). A signal with a ``unit`` (``/s``, `` viewers``) is
    not a 0–1 level, and its chart row scales to its data. ``sample_column`` names the
    per-viewer column of reaction samples a signal is the panel mean of, if any: the panel
    loops over those."""

    name: str
    label: str
    colour: str
    row: str
    help: str
    compute: Callable[[SignalSource], np.ndarray]
    weight: float | None = None
    weight_label: str = ""
    scale: Scale = "level"
    style: Style = "line"
    unit: str = ""
    sample_column: str | None = None

    def values(self, source: SignalSource) -> np.ndarray:
        """The signal on ``source.t`` (float, NaN where unknown)."""
        values = np.asarray(self.compute(source), float)
        if values.shape != source.t.shape:
            raise ValueError(f"signal {self.name!r} gave {values.shape} values for a grid of "
                             f"{source.t.shape}")
        return values

    def interest(self, values: np.ndarray, window: int) -> np.ndarray:
        """The signal as 0..1 interest (NaN where unknown), for the fused score."""
        if self.scale == "inverse":
            return 1.0 - values
        if self.scale == "rate":
            density = smooth(values, window)
            top = np.nanmax(density, initial=0.0)
            return density / top if top > 0 else np.full_like(density, np.nan)
        return values

    @property
    def slider_label(self) -> str:
        return self.weight_label or self.label
