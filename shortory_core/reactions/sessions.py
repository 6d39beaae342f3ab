"""Analysing a stored recording session and keeping its samples in the store."""

from __future__ import annotations

from shortory_core.errors import ShortoryError
from shortory_core.reactions.recording import Progress, analyse_recording
from shortory_core.reactions.timeline import sample_rows
from shortory_core.store import Store
from shortory_core.vision.engine import VisionEngine


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
