"""Analysing a stored recording session and keeping its samples in the store."""

from __future__ import annotations

from shortory_core.errors import ShortoryError
from shortory_core.reactions.recording import Progress, analyse_recording
from shortory_core.reactions.timeline import sample_rows
from shortory_core.sources.video_file import VIDEO_SUFFIXES
from shortory_core.store import Store
from shortory_core.vision.engine import VisionEngine


def add_recording(store: Store, project_id: int, viewer: str, data: bytes, suffix: str, *,
                  time_offset: float, meta: dict | None = None) -> int:
    """A new recording session holding an uploaded reaction video (named by the session's id,
    never by the upload's name); returns its id. Analyse it with ``analyse_session``."""
    suffix = suffix.lower() if suffix.lower() in VIDEO_SUFFIXES else ".mp4"
    session_id = store.create_session(project_id, viewer.strip() or "Viewer", "recording",
                                      time_offset=time_offset, meta=meta)
    folder = store.project_media_dir(project_id) / "reactions"
    folder.mkdir(exist_ok=True)
    target = folder / f"session-{session_id}{suffix}"
    target.write_bytes(data)
    store.set_session_source(session_id, store.relative_media_path(target))
    return session_id


def analyse_session(store: Store, session_id: int, engines: list[VisionEngine], *,
                    fps: float = 5.0, progress: Progress | None = None) -> int:
    """Analyse a ``recording`` session's video and replace its samples; returns their count.

    The samples are written in one transaction only when the whole recording was read, so a
    failed run keeps the previous samples.
    """
    session = store.session(session_id)
    if session is None or session["kind"] != "recording":
        raise ShortoryError(f"No recorded reaction session {session_id}.")
    store.set_session_status(session_id, "analysing")
    try:
        analyses = analyse_recording(store.media_path(session["source_path"]), engines,
                                     fps=fps, progress=progress)
    except ShortoryError:
        store.set_session_status(session_id, "failed")
        raise
    rows = sample_rows(analyses, session["time_offset"])
    store.replace_samples(session_id, rows)
    store.set_session_status(session_id, "analysed", ended=True)
    return len(rows)
