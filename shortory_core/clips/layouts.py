"""The shapes a short can take, and the size each is delivered at.

A layout is the platform's frame: 16:9 (YouTube), 9:16 (Shorts, Reels, TikTok), 1:1 and 4:5
(feeds). Each has the output size the platforms ask for, reached by scaling up a smaller
source, and a safe area: the part of the frame no platform covers with its own buttons and
titles, where captions must stay.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """``name`` as the user picks it; ``output`` the delivered (width, height); ``safe`` the
    insets (top, bottom, left, right) as fractions of the frame that captions keep clear of."""

    name: str
    output: tuple[int, int]
    safe: tuple[float, float, float, float]

    @property
    def aspect(self) -> float:
        """Width over height."""
        return self.output[0] / self.output[1]

    @property
    def vertical(self) -> bool:
        return self.output[1] > self.output[0]

    def window(self, source_width: int, source_height: int) -> tuple[int, int]:
        """The largest window of this layout's shape inside a source frame."""
        return largest_window(self.aspect, source_width, source_height)


def largest_window(aspect: float, source_width: int, source_height: int) -> tuple[int, int]:
    """The largest ``aspect`` (width over height) window inside the frame, in even pixels
    (H.264 wants even sizes)."""
    width, height = source_width // 2 * 2, source_height // 2 * 2
    if width / height > aspect:
        return int(height * aspect) // 2 * 2, height
    return width, min(int(width / aspect) // 2 * 2, height)


# The 9:16 insets follow the platforms' overlays: their buttons sit on the right and their
# title and description over the bottom fifth.
LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (
    Layout("16:9", (1920, 1080), (0.05, 0.08, 0.05, 0.05)),
    Layout("9:16", (1080, 1920), (0.10, 0.22, 0.06, 0.14)),
    Layout("1:1", (1080, 1080), (0.06, 0.10, 0.06, 0.06)),
    Layout("4:5", (1080, 1350), (0.06, 0.12, 0.06, 0.06)),
)}
DEFAULT_LAYOUT = "16:9"
