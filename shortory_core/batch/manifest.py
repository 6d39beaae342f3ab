"""A batch manifest: which projects to make or extend, and with what.

CSV (a header row) or JSON (a list of rows, or ``{"rows": [...]}``), one row per input:

| column | what |
|---|---|
| ``project`` | a project id, or a name: the project of that name, made if there is none |
| ``video`` | the project's video, a path or an http(s) URL (only needed to make the project) |
| ``comments`` | comment dumps to import, ``;``-separated (a JSON list is fine too) |
| ``recording`` | a reaction recording: a path or a ``file://``, ``s3://``, ``gs://``… URL |
| ``viewer`` | the recording's viewer (default: the file's name) |
| ``offset`` | video time the recording starts at: seconds, ``m:ss`` or ``h:mm:ss`` (0) |
| ``group`` | a panel group tag, e.g. ``A`` |

In JSON a row may carry ``"recordings": [{"recording": …, "viewer": …}, …]`` instead of one.
Rows of one project may be spread out; relative paths are read from the manifest's folder. A
row with a bad value is reported with its number and left out; the other rows go on. The file
may be in any encoding a comment dump may be (UTF-8, UTF-16, UTF-32, Windows-1252 bytes).

A recording's identity is its project, recording, viewer, offset and group
(``RecordingEntry.work_key``): a row that repeats one before it is merged into it (and said to
be), and a rerun of the manifest finds each row's own session by that key.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from shortory_core.errors import ShortoryError
from shortory_core.names import normalise_name
from shortory_core.reactions.uploads import group_tag, recording_offset, text, viewer_name
from shortory_core.sources.comment_files import open_text
from shortory_core.sources.media_urls import media_url
from shortory_core.validate import id_in

COLUMNS = ("project", "video", "comments", "recording", "viewer", "offset", "group")
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RecordingEntry:
    row: int
    url: str
    viewer: str
    offset: float
    group: str

    @property
    def work_key(self) -> str:
        """What makes two rows one unit of work within a project; the store keeps it unique
        per project (the same text as migration 10's ``json_array`` of a session)."""
        return json.dumps([self.url, self.viewer, self.offset, self.group],
                          ensure_ascii=False, separators=(",", ":"))


@dataclass
class ProjectEntry:
    """Everything the manifest says about one project, in row order."""

    key: str  # as written: an id or a name
    rows: list[int] = field(default_factory=list)
    video: tuple[int, str] | None = None  # (row, path or URL)
    comments: list[tuple[int, Path]] = field(default_factory=list)
    recordings: list[RecordingEntry] = field(default_factory=list)
    repeats: list[tuple[int, int]] = field(default_factory=list)  # (row, the row it repeats)

    @property
    def project_id(self) -> int | None:
        return id_in(self.key)


@dataclass
class Manifest:
    path: Path
    projects: list[ProjectEntry]
    problems: list[tuple[int, str]]  # (row, why it was left out)

    @property
    def recordings(self) -> int:
        return sum(len(p.recordings) for p in self.projects)

    @property
    def repeats(self) -> int:
        """Rows merged into an identical row before them."""
        return sum(len(p.repeats) for p in self.projects)


def read_manifest(path: Path) -> Manifest:
    """Parse a manifest; ``ShortoryError`` when the file as a whole is unusable."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ShortoryError(f"{path.name} is over {MAX_BYTES // 2**20} MB: is it a "
                                "manifest?")
        with path.open("rb") as raw:
            stream, _ = open_text(raw)
            content = stream.read()
    except (OSError, UnicodeError) as exc:
        raise ShortoryError(f"Cannot read the manifest {path}: {exc}") from exc
    if "\x00" in content or "\ufffd" in content:
        raise ShortoryError(f"Cannot read the manifest {path}: it is not text in UTF-8, "
                           "UTF-16, UTF-32 or Windows-1252.")
    rows = (_json_rows(content, path) if path.suffix.lower() == ".json"
            else _csv_rows(content, path))
    projects: dict[str, ProjectEntry] = {}
    problems: list[tuple[int, str]] = []
    for number, row in rows:
        try:
            if left_out := _add_row(projects, number, row, path.parent):
                problems.append((number, left_out))
        except ValueError as exc:
            problems.append((number, str(exc)))
    return Manifest(path, list(projects.values()), problems)


def _csv_rows(content: str, path: Path) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    if "project" not in header:
        raise ShortoryError(f"{path.name} needs a header row with a 'project' column (columns: "
                            f"{', '.join(COLUMNS)}).")
    reader.fieldnames = header
    return [(number, row) for number, row in enumerate(reader, start=2)
            if any((v or "").strip() for k, v in row.items() if k is not None)]


def _json_rows(content: str, path: Path) -> list[tuple[int, dict]]:
    try:
        data = json.loads(content, parse_constant=_no_constant)
    except ValueError as exc:
        raise ShortoryError(f"{path.name} is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise ShortoryError(f"{path.name} is nested too deeply to be a manifest.") from exc
    if isinstance(data, dict):
        data = data.get("rows")
    if not isinstance(data, list):
        raise ShortoryError(f"{path.name} must hold a list of rows (or {{\"rows\": [...]}}).")
    rows: list[tuple[int, dict]] = []
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            rows.append((number, {"_bad": f"row {number} is not an object"}))
            continue
        nested = row.get("recordings")
        if isinstance(nested, list):
            base = {k: v for k, v in row.items() if k != "recordings"}
            rows.append((number, base))
            rows += [(number, {"project": row.get("project"), **r} if isinstance(r, dict)
                      else {"_bad": "a recording entry is not an object"}) for r in nested]
        else:
            rows.append((number, row))
    return rows


def _no_constant(name: str) -> float:
    """JSON's non-standard ``NaN`` and ``Infinity`` are refused where they stand (Python's
    reader would take them as numbers, and an offset of NaN as no offset)."""
    raise ValueError(f"{name} is not a value a manifest may hold")


def _add_row(projects: dict[str, ProjectEntry], number: int, row: dict, base: Path) -> str:
    """Add one row; every value is checked before anything is added, so a refused row leaves
    nothing behind (``ValueError``). A bad recording is left out alone, and said so in the
    returned text: it never takes the row's project, video or comments with it."""
    if "_bad" in row:
        raise ValueError(row["_bad"])
    key = _project_key(row.get("project"))
    known = projects.get(key)
    video = text(row.get("video"))
    if video:
        if urlparse(video).scheme not in ("http", "https"):
            video = str(_resolve(video, base))
        if known is not None and known.video is not None and known.video[1] != video:
            raise ValueError(f"a second video for {key!r} (row {known.video[0]} gave one)")
    comments = row.get("comments")
    names = comments if isinstance(comments, list) else text(comments).split(";")
    comment_files = [(number, _resolve(n, base)) for n in map(text, names) if n]
    missing = next((path for _, path in comment_files if not path.is_file()), None)
    if missing is not None:
        raise ValueError(f"no comment file at {missing}")
    recording, entry, left_out = text(row.get("recording")), None, ""
    if recording:
        try:
            url = media_url(recording, base)
            entry = RecordingEntry(number, url,
                                   viewer_name(row.get("viewer"), Path(urlparse(url).path).stem),
                                   _offset(row.get("offset")), group_tag(row.get("group")))
        except ValueError as exc:
            left_out = str(exc)
    project = projects.setdefault(key, ProjectEntry(key))
    project.rows.append(number)
    if video and project.video is None:
        project.video = (number, video)
    project.comments += comment_files
    if entry is not None:
        first = next((r for r in project.recordings if r.work_key == entry.work_key), None)
        if first is None:
            project.recordings.append(entry)
        else:
            project.repeats.append((number, first.row))
    return left_out


def _project_key(value: object) -> str:
    """The project's id or name as the store keeps names (``names.normalise_name``)."""
    typed = text(value)
    if not typed:
        raise ValueError("no project")
    try:
        return normalise_name(typed, "The project's name")
    except ShortoryError as exc:
        raise ValueError(str(exc)) from None


def _offset(value: object) -> float:
    try:
        return recording_offset(value)
    except ValueError as exc:
        raise ValueError(f"offset: {exc}") from None


def _resolve(name: str, base: Path) -> Path:
    path = Path(name).expanduser()
    return path if path.is_absolute() else base / path
