"""How a short is to be made, kept in its clip row so it renders again exactly as asked.

The studio's button and the CLI's ``shorts`` ask for the same thing: a span, a layout, which
captions, whether the edges may move to a pause or a scene cut, and the size delivered. The
render job reads it back (``ShortSpec.of``); clips made before shorts had a spec read as the
plain cut they were (source size, 16:9 or the old vertical crop, the old label caption).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from shortory_core.clips.layouts import DEFAULT_LAYOUT, LAYOUTS, Layout

Captions = Literal["speech", "label", "none"]
CAPTIONS: tuple[Captions, ...] = ("speech", "label", "none")
SNAP_TOLERANCE_S = 1.5


@dataclass(frozen=True)
class ShortSpec:
    """``captions``: ``speech`` burns the words as they are spoken (and writes SRT and WebVTT
    beside the short), ``label`` only the title line (emotion and top comment), ``none``
    nothing. ``style`` is the speech captions' preset. ``title`` adds the label as a title
    line to speech captions too. ``platform_size`` delivers the layout's platform size
    (1080×1920…, scaled up from small sources) instead of the source's own scale. ``snap``
    lets each edge move up to ``SNAP_TOLERANCE_S`` to a pause in speech or a scene cut, never
    making the short longer than ``longest``."""

    layout: str = DEFAULT_LAYOUT
    captions: Captions = "none"
    style: str = "bold centred"
    title: bool = False
    platform_size: bool = False
    snap: bool = True
    longest: float | None = None  # the length cap a snapped short may not pass

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown layout {self.layout!r}; choose from {', '.join(LAYOUTS)}")
        if self.captions not in CAPTIONS:
            raise ValueError(f"unknown captions {self.captions!r}; choose from "
                             f"{', '.join(CAPTIONS)}")

    @property
    def shape(self) -> Layout:
        return LAYOUTS[self.layout]

    @property
    def shows_title(self) -> bool:
        """Whether the title line is burned in: label captions are the title alone."""
        return self.captions == "label" or (self.captions == "speech" and self.title)

    @property
    def reencodes(self) -> bool:
        """Whether the picture changes (a crop, a size, burned text): then every frame is
        encoded again; otherwise the short can be copied between keyframes."""
        return (self.layout != DEFAULT_LAYOUT or self.platform_size
                or self.captions != "none")

    def as_meta(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, meta: dict[str, Any], vertical: bool = False) -> ShortSpec:
        """The spec a clip row records (``meta["short"]``), or what an older row meant."""
        if isinstance(meta.get("short"), dict):
            return cls(**meta["short"])
        return cls(layout="9:16" if vertical else DEFAULT_LAYOUT,
                   captions="label" if meta.get("caption") else "none", snap=False)

    def describe(self) -> str:
        """In a few words, for a clip's line in the library: "9:16 · speech captions"."""
        parts = [self.layout]
        if self.captions != "none":
            parts.append(f"{self.captions} captions")
        if self.platform_size:
            parts.append("{}×{}".format(*self.shape.output))
        return " · ".join(parts)
