"""Speech captions and a title burned into a short, as an ASS document that ffmpeg's libass draws.

One event per spoken word shows its whole cue with that word in the highlight colour, so the
eye follows the voice. Every line is wrapped here, not by libass (which does not break Korean
or Chinese without spaces well), by measuring it with PIL in the very font file libass is
given (``fontsdir=``, so no fontconfig lookup can swap it), and placed by hand inside the
layout's safe area: the text, its outline and its shadow all stay clear of what the platforms
lay over the frame. A cue too long for its lines at the preset size is set smaller.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

from shortory_core.clips.layouts import Layout
from shortory_core.clips.subtitles import Cue, joiner
from shortory_core.errors import ShortoryError

# (file, face name): Noto Sans CJK Bold covers Hangul, kana, Han and Latin; DejaVu only Latin.
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans CJK KR"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "DejaVu Sans"),
)
REFERENCE_PX = 256  # text is measured once at this size and scaled: libass scales linearly
SAFETY = 0.97  # of the measured room: rounding in libass's layout must never cross the edge
SHRINK, SMALLEST = 0.9, 0.5  # a cue that does not fit is set smaller, down to half its size
TITLE_LINES = 2
TITLE_OUTLINE, TITLE_SHADOW = 0.08, 0.04  # of the title's size
ELLIPSIS = "…"


class CaptionFontMissing(ShortoryError):
    """No font for captions is installed."""


@dataclass(frozen=True)
class CaptionFont:
    """The font file libass and PIL both use: ``path``, its ``index`` in a collection and the
    ``family`` name an ASS style asks for."""

    path: Path
    index: int
    family: str


@dataclass(frozen=True)
class CaptionStyle:
    """A caption preset. Sizes are fractions of the frame height (the cell of one line:
    libass sizes a font by its ascent plus descent); ``centre`` is where the middle of the
    speech block sits, as a fraction of the safe area's height, or ``None`` to sit it on the
    safe area's bottom; ``speech`` is False for a preset that shows no speech captions."""

    name: str
    size: float
    centre: float | None
    outline: float  # of the font size
    shadow: float  # of the font size
    max_lines: int = 2
    speech: bool = True
    colour: str = "FFFFFF"  # RRGGBB
    highlight: str = "FFD600"
    title_size: float = 0.032


STYLES: dict[str, CaptionStyle] = {style.name: style for style in (
    # Big words in the lower middle: under a talking head's mouth, where the eye already is
    # (about two thirds down a 9:16 frame), clear of the platforms' own text below.
    CaptionStyle("bold centred", size=0.055, centre=0.8, outline=0.09, shadow=0.05),
    # Smaller words on the bottom of the safe area, like broadcast subtitles.
    CaptionStyle("lower third", size=0.042, centre=None, outline=0.07, shadow=0.04,
                 highlight="5CE1FF"),
    CaptionStyle("none", size=0.0, centre=None, outline=0.0, shadow=0.0, speech=False),
)}
DEFAULT_STYLE = "bold centred"


@cache
def caption_font() -> CaptionFont:
    """The first installed candidate, with the face of that name inside a collection."""
    for path, family in FONT_CANDIDATES:
        if Path(path).is_file():
            for index in range(32):
                try:
                    face = ImageFont.truetype(path, REFERENCE_PX, index=index)
                except OSError:
                    break
                if face.getname()[0] == family:
                    return CaptionFont(Path(path), index, family)
    raise CaptionFontMissing("No caption font is installed: install fonts-noto-cjk "
                             "(or fonts-dejavu-core) as the README says.")


def font_folder(folder: Path, font: CaptionFont | None = None) -> Path:
    """``folder`` holding the caption font alone (a link), for ``fontsdir=``: libass loads
    every file of the folder it is given, and the system's CJK folder holds 90 MB."""
    font = font or caption_font()
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / font.path.name
    if not link.exists():
        os.symlink(font.path, link)
    return folder


@cache
def _reference(font: CaptionFont) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font.path), REFERENCE_PX, index=font.index)


@cache
def _cell(font: CaptionFont) -> float:
    """The ASS size that gives ``REFERENCE_PX``: libass sets ascent + descent to the size."""
    ascent, descent = _reference(font).getmetrics()
    return float(ascent + descent)


@cache
def _width(font: CaptionFont, text: str) -> float:
    """The width of ``text`` at ASS size 1."""
    return _reference(font).getlength(text) / _cell(font)


@cache
def _has_glyph(font: CaptionFont, char: str) -> bool:
    """Whether the font draws ``char`` (else FreeType draws the .notdef box for it)."""
    if char.isspace():
        return True
    face = _reference(font)
    missing = "\U0010ffff"  # a private code point: no font maps it
    return (bytes(face.getmask(char)), face.getlength(char)) != \
        (bytes(face.getmask(missing)), face.getlength(missing))


def printable(text: str, font: CaptionFont | None = None) -> str:
    """``text`` without the characters the caption font cannot draw (emoji mostly), which
    libass would show as empty boxes, with its spaces collapsed."""
    font = font or caption_font()
    return " ".join("".join(ch for ch in text if _has_glyph(font, ch)).split())


@dataclass(frozen=True)
class _Box:
    """The safe area in pixels."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def middle(self) -> float:
        return (self.left + self.right) / 2

    @classmethod
    def of(cls, frame: tuple[int, int], layout: Layout) -> _Box:
        width, height = frame
        top, bottom, left, right = layout.safe
        return cls(width * left, height * top, width * (1 - right), height * (1 - bottom))


Line = list[tuple[int, str]]  # (word number, text) pieces of one line


def wrap(words: Sequence[str], size: float, room: float, font: CaptionFont) -> list[Line]:
    """``words`` in lines no wider than ``room`` pixels at ASS ``size``: greedy, breaking
    between words, and inside a word (between characters, never before a combining mark)
    only when the word alone is wider than a line."""
    lines: list[Line] = [[]]
    for number, word in enumerate(words):
        if not word:
            continue
        if lines[-1] and _fits(_text(lines[-1]) + joiner(_text(lines[-1]), word) + word,
                               size, room, font):
            lines[-1].append((number, word))
            continue
        pieces = _break(word, size, room, font)
        if lines[-1]:
            lines.append([])
        for piece in pieces[:-1]:
            lines[-1].append((number, piece))
            lines.append([])
        lines[-1].append((number, pieces[-1]))
    return [line for line in lines if line]


def balanced(words: Sequence[str], size: float, room: float, font: CaptionFont) -> list[Line]:
    """``wrap`` into as few lines, but of even widths: a lone word under a full line reads
    as an afterthought. The narrowest room that needs no more lines and cuts no more words,
    found by bisection."""
    def shape(lines: list[Line]) -> tuple[int, int]:
        return len(lines), sum(len(line) for line in lines)

    widest = shape(wrap(words, size, room, font))
    low, high = room / 2, room
    for _ in range(8) if widest[0] > 1 else ():
        middle = (low + high) / 2
        lines, pieces = shape(wrap(words, size, middle, font))
        low, high = (low, middle) if lines <= widest[0] and pieces <= widest[1] \
            else (middle, high)
    return wrap(words, size, high, font)


def _fits(text: str, size: float, room: float, font: CaptionFont) -> bool:
    return _width(font, text) * size <= room


def _text(line: Line) -> str:
    text = ""
    for _, piece in line:
        text = f"{text}{joiner(text, piece)}{piece}" if text else piece
    return text


def _break(word: str, size: float, room: float, font: CaptionFont) -> list[str]:
    """``word`` cut into pieces that each fit ``room`` (at least one character each)."""
    pieces = [""]
    for char in word:
        if pieces[-1] and not _combining(char) and not _fits(pieces[-1] + char, size, room, font):
            pieces.append("")
        pieces[-1] += char
    return pieces


def _combining(char: str) -> bool:
    return 0x0300 <= ord(char) <= 0x036F or 0x1AB0 <= ord(char) <= 0x1AFF


def _escape(text: str) -> str:
    """ASS text: braces would open override tags, and a backslash before ``N``, ``n`` or
    ``h`` would break the line; a word joiner after it keeps it literal."""
    return text.replace("\\", "\\\u2060").replace("{", "\\{").replace("}", "\\}")


def _bgr(rrggbb: str) -> str:
    """ASS writes colours blue first."""
    return f"{rrggbb[4:6]}{rrggbb[2:4]}{rrggbb[0:2]}".upper()


def _colour(rrggbb: str, alpha: int = 0) -> str:
    """A style's colour: ``&HAABBGGRR`` (alpha 0 is opaque)."""
    return f"&H{alpha:02X}{_bgr(rrggbb)}"


def _time(seconds: float) -> str:
    cs = max(round(seconds * 100), 0)
    return f"{cs // 360_000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


@dataclass(frozen=True)
class _Setting:
    """One block of text laid out: its lines, ASS size and the room its outline takes."""

    lines: list[Line]
    size: float
    edge: float  # outline + shadow, in pixels, on every side

    @property
    def height(self) -> float:
        return len(self.lines) * self.size + 2 * self.edge


def _set(words: Sequence[str], style: CaptionStyle, size: float, box: _Box,
         max_height: float, font: CaptionFont) -> _Setting:
    """The largest size from ``size`` down (to ``SMALLEST`` of it) at which ``words`` take at
    most ``style.max_lines`` lines and ``max_height`` pixels inside the box's width."""
    smallest = size * SMALLEST
    while True:
        edge = size * (style.outline + style.shadow)
        setting = _Setting(balanced(words, size, (box.right - box.left - 2 * edge) * SAFETY,
                                    font), size, edge)
        if (len(setting.lines) <= style.max_lines and setting.height <= max_height) \
                or size * SHRINK < smallest:
            return setting
        size *= SHRINK


def _title_lines(title: str, size: float, room: float, font: CaptionFont) -> list[Line]:
    """The title in at most ``TITLE_LINES`` lines, the last one ending in an ellipsis when
    the title is longer."""
    lines = wrap(title.split(), size, room, font)
    if len(lines) <= TITLE_LINES:
        return lines
    last = " ".join(_text(line) for line in lines[TITLE_LINES - 1:])
    while last and not _fits(last.rstrip() + ELLIPSIS, size, room, font):
        last = last[:-1]
    return [*lines[:TITLE_LINES - 1], [(0, last.rstrip() + ELLIPSIS)]]


def _render(lines: list[Line], active: int, style: CaptionStyle) -> str:
    """The lines as ASS text, the word numbered ``active`` in the highlight colour."""
    rendered = []
    for line in lines:
        text, previous = "", ""
        for number, piece in line:
            shown = _escape(piece)
            if number == active:
                shown = (f"{{\\1c&H{_bgr(style.highlight)}&}}{shown}"
                         f"{{\\1c&H{_bgr(style.colour)}&}}")
            text += joiner(previous, piece) + shown if previous else shown
            previous = piece
        rendered.append(text)
    return "\\N".join(rendered)


def ass_document(cues: Sequence[Cue], frame: tuple[int, int], layout: Layout,
                 style: CaptionStyle | str = DEFAULT_STYLE, *, duration: float,
                 title: str = "", font: CaptionFont | None = None) -> str:
    """The ASS document of one short of ``duration`` s drawn on a ``frame`` (width, height)
    laid out as ``layout``: the speech ``cues`` (times in the short; words no font draws are left
    out) and an optional ``title`` line on the
    top of the safe area for the whole short."""
    style = STYLES[style] if isinstance(style, str) else style
    font = font or caption_font()
    height = frame[1]
    box = _Box.of(frame, layout)
    events: list[str] = []
    top = box.top
    title = printable(title, font)
    if title:
        size = max(height * style.title_size, 12.0)
        edge = size * (TITLE_OUTLINE + TITLE_SHADOW)
        lines = _title_lines(title, size, (box.right - box.left - 2 * edge) * SAFETY, font)
        events.append(_event(0, duration, "Title", (box.middle, box.top + edge), 8,
                             _render(lines, -1, style)))
        top = box.top + len(lines) * size + 2 * edge
    if style.speech:
        for cue in cues:
            events += _cue_events(cue, style, box, top, height, font)
    return _header(frame, style, font) + "".join(events)


def _cue_events(cue: Cue, style: CaptionStyle, box: _Box, top: float, height: int,
                font: CaptionFont) -> list[str]:
    """One event per word of ``cue``: from the word's start (the cue's for the first) to the
    next word's start (the cue's end for the last), the whole cue with that word lit."""
    words = [printable(w.text, font) for w in cue.words]
    if not any(words):
        return []
    setting = _set(words, style, height * style.size, box, box.bottom - top, font)
    if style.centre is None:
        anchor, alignment = (box.middle, box.bottom - setting.edge), 2
    else:
        centre = box.top + (box.bottom - box.top) * style.centre
        half = setting.height / 2
        centre = max(min(centre, box.bottom - half), top + half)
        anchor, alignment = (box.middle, centre), 5
    starts = [cue.start] + [w.start for w in cue.words[1:]] + [cue.end]
    tag = f"\\fs{setting.size:.1f}\\bord{setting.size * style.outline:.1f}" \
          f"\\shad{setting.size * style.shadow:.1f}"
    return [_event(starts[n], starts[n + 1], "Speech", anchor, alignment,
                   _render(setting.lines, n, style), tag)
            for n in range(len(cue.words))
            if words[n] and _time(starts[n]) != _time(starts[n + 1])]


def _event(start: float, end: float, name: str, anchor: tuple[float, float], alignment: int,
           text: str, tags: str = "") -> str:
    return (f"Dialogue: 0,{_time(start)},{_time(end)},{name},,0,0,0,,"
            f"{{\\an{alignment}\\pos({anchor[0]:.1f},{anchor[1]:.1f}){tags}}}{text}\n")


def _header(frame: tuple[int, int], style: CaptionStyle, font: CaptionFont) -> str:
    """Script info (the frame's pixels as the coordinate system, no wrapping by libass, the
    colours taken as RGB) and the two styles."""
    width, height = frame
    fields = ("Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
              "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
              "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding")
    title = max(height * style.title_size, 12.0)
    speech = max(height * style.size, 1.0)
    return (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\nWrapStyle: 2\nScaledBorderAndShadow: yes\n"
        "YCbCr Matrix: None\n\n"
        f"[V4+ Styles]\nFormat: {fields}\n"
        f"{_style_line('Speech', font, speech, style.colour, style.outline, style.shadow)}"
        f"{_style_line('Title', font, title, 'FFFFFF', TITLE_OUTLINE, TITLE_SHADOW)}\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, "
        "Effect, Text\n")


def _style_line(name: str, font: CaptionFont, size: float, colour: str, outline: float,
                shadow: float) -> str:
    return (f"Style: {name},{font.family},{size:.1f},{_colour(colour)},{_colour(colour)},"
            f"{_colour('000000')},{_colour('000000', 0x60)},-1,0,0,0,100,100,0,0,1,"
            f"{size * outline:.1f},{size * shadow:.1f},2,0,0,0,1\n")


def write_ass(path: Path, cues: Sequence[Cue], frame: tuple[int, int], layout: Layout,
              style: CaptionStyle | str = DEFAULT_STYLE, *, duration: float,
              title: str = "") -> Path:
    """``ass_document`` written to ``path`` (UTF-8, as libass reads it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ass_document(cues, frame, layout, style, duration=duration, title=title),
                    encoding="utf-8")
    return path


def _filter_value(value: str) -> str:
    """A filter option's value quoted for a filtergraph: first for the option parser
    (``\\ ' :``), then for the graph (``\\ ' [ ] , ;``)."""
    value = re.sub(r"([\\':])", r"\\\1", value)
    return re.sub(r"([\\'\[\],;])", r"\\\1", value)


def caption_filter(ass_path: Path, fonts_dir: Path) -> str:
    """The ``ass`` filter that draws ``ass_path`` with the fonts in ``fonts_dir`` only, for a
    ``-filter_complex`` chain after the crop and scale to the frame the document was made for."""
    return (f"ass=filename={_filter_value(str(Path(ass_path).absolute()))}"
            f":fontsdir={_filter_value(str(Path(fonts_dir).absolute()))}")
