"""The values a user can type, checked once, at the edge, for the CLI and the pages alike.

Every setting that reaches the analysis, the grouping or ffmpeg has a range here that makes
sense for it. ``nan``, ``inf`` and absurd magnitudes are refused before any work starts, with
one line saying what to type instead; no command runs for minutes and then fails on its
output path. ``Range.parse`` is an argparse ``type``; pages use ``Range.lo``/``hi`` as slider
bounds and ``Range.check`` for anything typed.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from shortory_core.errors import ShortoryError
from shortory_core.names import InvalidName, normalise_name
from shortory_core.timefmt import parse_seconds

T = TypeVar("T")


class InvalidValue(ShortoryError):
    """A value outside what Shortory accepts; the message says what to give instead."""


@dataclass(frozen=True)
class Range:
    """A finite number between ``lo`` and ``hi`` (inclusive), whole when ``integer``."""

    name: str
    lo: float
    hi: float
    unit: str = ""
    integer: bool = False
    time: bool = False  # typed as seconds, m:ss or h:mm:ss (a leading "-" when ``lo`` < 0)

    def check(self, value: float) -> float:
        """``value`` if it is acceptable, else ``InvalidValue``."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value) or not self.lo <= value <= self.hi or (
                self.integer and value != int(value)):
            raise InvalidValue(f"{self.name} must be {self._kind()} from {self._show(self.lo)} "
                               f"to {self._show(self.hi)}{self.unit}, not {value!r}.")
        return int(value) if self.integer else float(value)

    def parse(self, text: str) -> float:
        """The number in ``text``, checked (an argparse ``type``)."""
        try:
            value = self._time(text) if self.time else int(text) if self.integer else float(
                text)
        except (TypeError, ValueError):
            raise InvalidValue(f"{self.name} must be {self._kind()} from {self._show(self.lo)} "
                               f"to {self._show(self.hi)}{self.unit}, not {text!r}.") from None
        return self.check(value)

    def __call__(self, text: str) -> float:
        """As an argparse ``type``: a refusal becomes argparse's usage error (exit 2)."""
        return as_argument(self.parse)(text)

    def _kind(self) -> str:
        return ("a time (seconds, m:ss or h:mm:ss)" if self.time else
                "a whole number" if self.integer else "a number")

    def _time(self, text: str) -> float:
        negative = self.lo < 0 and text.strip().startswith("-")
        seconds = parse_seconds(text.strip().removeprefix("-") if negative else text)
        return -seconds if negative else seconds

    def _show(self, number: float) -> str:
        return f"{int(number)}" if self.integer or number == int(number) else f"{number:g}"


# Analysis of a reaction video.
FPS = Range("--fps (samples per second)", 0.2, 30.0)
OFFSET = Range("--offset", -86_400.0, 86_400.0, " s", time=True)
OFFSET_FORWARD = Range("--offset", 0.0, 7 * 86_400.0, " s", time=True)
SMOOTH_SAMPLES = Range("--smooth", 0, 500, " samples", integer=True)
# Grouping comment mentions.
WINDOW = Range("--window", 1.0, 600.0, " s")
PAD = Range("--pad", 0.0, 600.0, " s")
TOP = Range("--top", 1, 100, integer=True)
MAX_LENGTH = Range("--max-length", 5.0, 600.0, " s")
DURATION = Range("--duration", 0.1, 7 * 86_400.0, " s")
# Peaks of the project timeline.
STEP = Range("--step (timeline grid)", 0.02, 10.0, " s")
SMOOTHING = Range("--smoothing", 0.0, 600.0, " s")
PROMINENCE = Range("--prominence", 0.0, 1.0)
MIN_GAP = Range("--min-gap", 0.0, 3600.0, " s")
# The panel.
EXPRESS = Range("--threshold", -10.0, 10.0)
SHARE = Range("a share", 0.0, 1.0)
# Clips: a span is cut from a video of known length.
SPAN_TIME = Range("--span", 0.0, 7 * 86_400.0, " s", time=True)
LIMIT = Range("--limit", 1, 1_000_000, integer=True)
ID = Range("an id", 1, 2**62, integer=True)


def id_in(text: str | None) -> int | None:
    """``text`` as an id if it is one (digits, within ``ID``: SQLite holds 64-bit integers,
    and a larger number raised OverflowError), else ``None``: for ids read from addresses and
    files, where anything else names no record."""
    if text is None or not text.isascii() or not text.isdigit():
        return None
    try:
        return int(ID.parse(text))
    except InvalidValue:
        return None


def as_argument(check: Callable[[str], T]) -> Callable[[str], T]:
    """``check`` as an argparse ``type``, its refusal message kept word for word."""
    def parse(text: str) -> T:
        try:
            return check(text)
        except InvalidValue as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = getattr(check, "__name__", "value")
    return parse


def workers(text: str) -> int:
    """Parallel parts for an analysis: at least one, at most the machine's cores (more only
    split the work into parts that wait for each other, and once lost samples)."""
    cores = os.cpu_count() or 1
    return int(Range("--workers", 1, cores, f" (this machine has {cores} cores)",
                     integer=True).parse(text))


def actors(text: str) -> int:
    """Ray actors for a batch: at least one (a cluster may have more cores than this
    machine, so there is no upper bound here beyond a sane one)."""
    return int(Range("--workers", 1, 100_000, integer=True).parse(text))


def viewer_name(text: str) -> str:
    """A viewer's name as profiles and sessions key it (``names.normalise_name``); an
    argparse ``type``."""
    return _name_argument(text, "A viewer's name")


def project_name(text: str) -> str:
    """A project's name (``names.normalise_name``); an argparse ``type``."""
    return _name_argument(text, "A project's name")


def _name_argument(text: str, what: str) -> str:
    try:
        return normalise_name(text, what)
    except InvalidName as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


NAME_BYTES = 255  # the longest name one part of a path may have (Linux's NAME_MAX)
PATH_BYTES = 4095  # the longest whole path the system calls take (PATH_MAX, less the NUL)


def file_name(path: Path, what: str) -> Path:
    """``path`` if the system and the store can take its name: valid UTF-8 (the store keeps
    names as text, and a terminal or JSON cannot show the rest) and within the lengths Linux
    allows, which otherwise fail deep inside a command as ``OSError``."""
    raw = os.fsencode(path)
    shown = raw.decode("utf-8", "backslashreplace")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidValue(f"{shown} ({what}): the name is not valid UTF-8; rename the "
                           "file.") from None
    longest = max((len(os.fsencode(part)) for part in Path(path).parts), default=0)
    if longest > NAME_BYTES:
        raise InvalidValue(f"{shown} ({what}): a name of {longest} bytes is too long; file "
                           f"names are at most {NAME_BYTES} bytes.")
    if len(os.fsencode(Path(path).absolute())) > PATH_BYTES:
        raise InvalidValue(f"{shown} ({what}): the path is longer than {PATH_BYTES} bytes; "
                           "use a shorter one.")
    return path


def output_file(path: Path, suffixes: tuple[str, ...], what: str) -> Path:
    """An output path that can be written, checked before any work starts: a known suffix,
    an existing folder we may write in, not a folder itself. Returned absolute, so a name that
    starts with ``-`` is never read as an option by a tool it is passed to."""
    path = file_name(Path(path), what)
    if path.suffix.lower() not in suffixes:
        raise InvalidValue(f"{what} must end in {' or '.join(suffixes)}, not {path.name!r}.")
    path = path.absolute()
    if path.is_dir():
        raise InvalidValue(f"{path} is a folder; give a file name for {what}.")
    if not path.parent.is_dir():
        raise InvalidValue(f"The folder {path.parent} does not exist; create it or choose "
                           f"another place for {what}.")
    if not os.access(path.parent, os.W_OK):
        raise InvalidValue(f"Cannot write in {path.parent}; choose another place for {what}.")
    return path


def input_file(path: Path, what: str) -> Path:
    """An existing, readable file, returned absolute (see ``output_file``)."""
    path = file_name(Path(path), what)
    if not path.is_file():
        raise InvalidValue(f"No {what} at {path}" + (" (that is a folder)." if path.is_dir()
                                                      else "."))
    if not os.access(path, os.R_OK):
        raise InvalidValue(f"Cannot read {path}: permission denied.")
    return path.absolute()


def span(start: float, end: float, duration: float, fps: float) -> tuple[float, float]:
    """A clip span inside a video of ``duration`` seconds, at least one frame long."""
    start, end = SPAN_TIME.check(start), SPAN_TIME.check(end)
    frame = 1.0 / fps if fps and fps > 0 else 1 / 30
    if not start < end <= duration + frame / 2:
        raise InvalidValue(f"The span {start:g}–{end:g} s is not inside the video "
                           f"(0–{duration:.2f} s): give START < END within it.")
    end = min(end, duration)
    if end - start < frame:
        raise InvalidValue(f"The span {start:g}–{end:g} s is shorter than one frame "
                           f"({frame:.3f} s); give a longer span.")
    return start, end
