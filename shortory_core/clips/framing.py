"""A short's picture in any layout: which part of the source it shows, and at what size.

One window: the largest window of the layout's shape inside the source, following the main
face across (and up and down when the window is shorter than the frame, e.g. 16:9 from a
phone video), then scaled to the layout's platform size with lanczos, or kept at the source's
scale. Two people apart in a vertical layout get a stacked split: each face its own window,
one over the other, each half the layout's height. A source already in the layout's shape
needs no framing at all (``None``), which leaves the render free to copy the stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shortory_core.clips.layouts import Layout, largest_window
from shortory_core.clips.reframe import CropPath, Sightings, crop_path, look_for_faces
from shortory_core.vision.face_detector import FaceDetector

SAME_SHAPE = 0.01  # aspects closer than 1% are the same shape: no crop
SPLIT_SEEN = 0.6  # a split needs both faces in at least this share of the looks
SPLIT_SIMILAR = 0.2  # and the smaller face at least this share of the larger's area (two
# webcams in a call differ 2–3× in area; a face on a poster behind someone is far smaller)


@dataclass(frozen=True)
class Framing:
    """``panes``: one window, or two shown top and bottom; ``pane_size``: the size each
    pane is delivered at (its window's own size when not scaled)."""

    panes: tuple[CropPath, ...]
    pane_size: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        """The picture's size: what captions are laid over."""
        return self.pane_size[0], self.pane_size[1] * len(self.panes)

    @property
    def stacked(self) -> bool:
        return len(self.panes) > 1

    def filter(self, label_in: str, label_out: str) -> str:
        """An ffmpeg filtergraph fragment from ``[label_in]`` to ``[label_out]``: each
        pane's crop first, then its scale (scaling only the pixels kept)."""
        if not self.stacked:
            return f"[{label_in}]{self._pane(self.panes[0])}[{label_out}]"
        parts = [f"[{label_in}]split={len(self.panes)}"
                 + "".join(f"[{label_out}_in{i}]" for i in range(len(self.panes)))]
        parts += [f"[{label_out}_in{i}]{self._pane(pane)}[{label_out}_{i}]"
                  for i, pane in enumerate(self.panes)]
        parts.append("".join(f"[{label_out}_{i}]" for i in range(len(self.panes)))
                     + f"vstack=inputs={len(self.panes)}[{label_out}]")
        return ";".join(parts)

    def _pane(self, pane: CropPath) -> str:
        if pane.size == self.pane_size:
            return pane.crop()
        width, height = self.pane_size
        return f"{pane.crop()},scale={width}:{height}:flags=lanczos,setsar=1"


def plan_framing(source: Path, start: float, end: float, layout: Layout, source_width: int,
                 source_height: int, *, upscale: bool = True,
                 detector: FaceDetector | None = None) -> Framing | None:
    """The framing of ``[start, end)`` of ``source`` in ``layout``; ``None`` when the source
    is already in the layout's shape (and needs no scaling): the source frame as it is.
    Faces are looked for only when a window has to choose what to show."""
    if same_shape(layout, source_width, source_height):
        return as_is(layout, source_width, source_height, upscale)
    sightings = look_for_faces(source, start, end, detector)
    return frame_for(layout, source_width, source_height, sightings, upscale=upscale)


def same_shape(layout: Layout, source_width: int, source_height: int) -> bool:
    return abs(source_width / source_height / layout.aspect - 1) < SAME_SHAPE


def as_is(layout: Layout, source_width: int, source_height: int, upscale: bool
          ) -> Framing | None:
    """A source in the layout's shape: untouched, or only scaled to the platform size."""
    if not upscale or (source_width, source_height) == layout.output:
        return None
    whole = largest_window(source_width / source_height, source_width, source_height)
    zero = np.zeros(1)
    return Framing((CropPath(*whole, zero, zero, zero),), layout.output)


def frame_for(layout: Layout, source_width: int, source_height: int, sightings: Sightings,
              *, upscale: bool = True) -> Framing | None:
    """The framing in ``layout`` for a span whose faces are ``sightings``."""
    if same_shape(layout, source_width, source_height):
        return as_is(layout, source_width, source_height, upscale)
    split = stacked_split(layout, source_width, source_height, sightings, upscale)
    if split is not None:
        return split
    window = layout.window(source_width, source_height)
    x, y = sightings.main()
    path = crop_path(sightings.times, x, source_width, source_height, rows=y, size=window)
    return Framing((path,), layout.output if upscale else window)


def stacked_split(layout: Layout, source_width: int, source_height: int,
                  sightings: Sightings, upscale: bool) -> Framing | None:
    """Two panes, left face on top, when a vertical layout would otherwise cut one of two
    people off: both faces seen through most of the span, of similar size, and too far
    apart for one window of the layout. ``None`` otherwise."""
    both = np.isfinite(sightings.faces[:, 1, 0])
    if not layout.vertical or both.mean() < SPLIT_SEEN:
        return None
    first, second = sightings.faces[both, 0], sightings.faces[both, 1]
    if np.median(second[:, 2] * second[:, 3] / (first[:, 2] * first[:, 3])) < SPLIT_SIMILAR:
        return None
    on_left = (first[:, 0] <= second[:, 0])[:, None]
    left, right = np.where(on_left, first, second), np.where(on_left, second, first)
    outer = (right[:, 0] + right[:, 2] / 2) - (left[:, 0] - left[:, 2] / 2)
    if np.median(outer) * source_width <= layout.window(source_width, source_height)[0]:
        return None
    pane_size = (layout.output[0], layout.output[1] // 2)
    aspect = pane_size[0] / pane_size[1]
    widest, _ = largest_window(aspect, source_width, source_height)
    # no wider than the faces are apart, so the other face stays out of each pane
    apart = float(np.median(right[:, 0] - left[:, 0])) * source_width
    width = max(min(widest, int(apart) // 2 * 2), 16)
    size = (width, min(int(width / aspect) // 2 * 2, source_height // 2 * 2))
    panes = []
    for face in (left, right):
        xs, ys = np.full(len(both), np.nan), np.full(len(both), np.nan)
        xs[both], ys[both] = face[:, 0], face[:, 1]
        panes.append(crop_path(sightings.times, xs, source_width, source_height, rows=ys,
                               size=size))
    return Framing(tuple(panes), pane_size if upscale else size)
