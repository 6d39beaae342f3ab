"""Many reaction recordings at once: each file's viewer, panel group and offset into the video.

The Reactions page lists the uploaded files in a table; the batch manifest reads the same three
values from its rows. Both check them here, so a recording's offset is typed the same way
everywhere (seconds, m:ss or h:mm:ss: a debate's ``2:41:07``) and refused with the same words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from shortory_core.names import MAX_NAME, InvalidName, normalise_name
from shortory_core.reactions.sessions import add_recording
from shortory_core.store import Store
from shortory_core.timefmt import format_seconds, parse_seconds

if TYPE_CHECKING:
    from shortory_core.jobs import JobService

MAX_OFFSET_S = 7 * 86_400.0
COLUMNS = ("file", "viewer", "group", "offset")


@dataclass(frozen=True)
class RecordingPlan:
    """One recording to add: its file's name and what the user said about it."""

    file: str
    viewer: str
    group: str
    offset: float  # video time (s) of the recording's first frame


def text(value: object) -> str:
    """A cell as text: blank for a missing value (``None``, NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def viewer_name(value: object, fallback: str) -> str:
    """A viewer's name as the store keeps it (``names.normalise_name``), so that a row means
    the same before and after it is stored; ``fallback`` (a file's name, shortened) when
    blank. ``ValueError`` for a name that cannot be kept (a control character)."""
    typed = text(value)
    if not typed:
        try:
            return normalise_name(" ".join(fallback.split())[:MAX_NAME])
        except InvalidName:
            return "Viewer"
    try:
        return normalise_name(typed, "A viewer's name")
    except InvalidName as exc:
        raise ValueError(str(exc)) from None


def group_tag(value: object) -> str:
    """A panel group tag, at most 40 characters (blank: no group), normalised as names are."""
    typed = text(value)
    try:
        return normalise_name(typed, "A group")[:40] if typed else ""
    except InvalidName as exc:
        raise ValueError(str(exc)) from None


def recording_offset(value: object, duration: float | None = None) -> float:
    """The video time a recording starts at, typed as seconds, m:ss or h:mm:ss (blank: 0);
    ``ValueError`` past ``MAX_OFFSET_S`` or the video's end."""
    typed = text(value)
    if not typed:
        return 0.0
    offset = parse_seconds(typed)
    end = min(duration, MAX_OFFSET_S) if duration else MAX_OFFSET_S
    if offset > end:
        raise ValueError(f"offset {typed} is past the video's end ({format_seconds(end)})")
    return offset


def default_rows(files: Sequence[str]) -> list[dict[str, str]]:
    """The table the page shows for freshly chosen files: each viewer named after the file."""
    return [{"file": name, "viewer": viewer_name(Path(name).stem, "Viewer"), "group": "",
             "offset": "0:00"} for name in files]


def read_rows(rows: Sequence[Mapping[str, object]], duration: float | None
              ) -> tuple[list[RecordingPlan], list[str]]:
    """The table's rows as plans, and a line per refused row (nothing is added while any
    row is refused, so a typo never leaves half a batch behind)."""
    plans, errors = [], []
    for number, row in enumerate(rows, start=1):
        name = text(row.get("file"))
        try:
            plans.append(RecordingPlan(name, viewer_name(row.get("viewer"), Path(name).stem),
                                       group_tag(row.get("group")),
                                       recording_offset(row.get("offset"), duration)))
        except ValueError as exc:
            errors.append(f"Row {number} ({name}): {exc}")
    return plans, errors


def queue_recordings(store: Store, service: JobService, project_id: int,
                     files: Sequence[tuple[str, BinaryIO]], plans: Sequence[RecordingPlan],
                     settings: Mapping[str, object]) -> list[int]:
    """Add each file as a recording session (the plan in the same place gives its viewer,
    group and offset) and queue
    one ``analyse`` job for it, as a single upload does; returns the jobs' ids."""
    jobs = []
    for (name, data), plan in zip(files, plans, strict=True):
        _, job_id = add_recording(
            store, project_id, plan.viewer, data, Path(name).suffix, time_offset=plan.offset,
            meta=dict(settings) | ({"group": plan.group} if plan.group else {}),
            job=service.request("analyse", dict(settings), project_id=project_id))
        assert job_id is not None
        service.enqueue(job_id)
        jobs.append(job_id)
    return jobs
