"""A clip's label (its emotion and the top comment) drawn once as a transparent PNG that ffmpeg
lays over the video: no dependence on how ffmpeg was built (drawtext needs fontconfig), and the
same font finder serves Korean and Latin comments.
"""

from __future__ import annotations

import textwrap
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# Fonts that cover Latin and Hangul first (the Debian packages the README installs), then Latin.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
MAX_LINES = 3


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def _printable(text: str) -> str:
    """Emoji and other astral-plane symbols have no glyph in these fonts: leave them out."""
    return " ".join("".join(ch for ch in text if ord(ch) < 0x10000).split())


def write_caption(title: str, comment: str, width: int, out: Path) -> tuple[Path, int]:
    """A ``width``-wide PNG with ``title`` large and ``comment`` below it, on a dark band;
    returns the path and the image's height."""
    title_size = max(width // 18, 14)
    body_size = max(width // 26, 12)
    title_font, body_font = _font(title_size), _font(body_size)
    chars_per_line = max(int(width / (body_size * 0.62)), 10)
    lines = textwrap.wrap(_printable(comment), chars_per_line)[:MAX_LINES]
    if len(lines) == MAX_LINES:
        lines[-1] = lines[-1][: chars_per_line - 1].rstrip() + "…"
    margin = body_size // 2
    height = margin * 3 + title_size + len(lines) * int(body_size * 1.3)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 150))
    draw = ImageDraw.Draw(image)
    draw.text((margin, margin), _printable(title), font=title_font, fill=(255, 255, 255, 255))
    y = margin * 2 + title_size
    for line in lines:
        draw.text((margin, y), line, font=body_font, fill=(235, 235, 235, 255))
        y += int(body_size * 1.3)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out)
    return out, height
