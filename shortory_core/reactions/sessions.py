"""Recorded reaction sessions: the uploaded video kept in the project, its samples in the store.

Analysis runs as an ``analyse`` job (``kinds/``); this module holds what that job and the
pages call.
"""

from __future__ import annotations

import shutil
import uuid
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import BinaryIO

from shortory_core.errors import ShortoryError
from shortory_core.owner import Owner
from shortory_core.reactions.recording import Progress, analyse_recording
from shortory_core.reactions.timeline import recording_samples
from shortory_core.records import ReactionSession, SessionKind, SessionStatus
from shortory_core.sources.media_urls import check_remote, local_path, readable_media
from shortory_core.sources.video_file import VIDEO_SUFFIXES, probe_video
from shortory_core.store import Store
from shortory_core.store.jobs import JobRequest
from shortory_core.vision.calibration import Calibration
from shortory_core.vision.engine import VisionEngine
from shortory_core.vision.profiles import Profile


def add_recording(store: Store, project_id: int, viewer: str, data: bytes | BinaryIO,
                  suffix: str, *, time_offset: float, meta: dict | None = None,
                  job: JobRequest | None = None) -> tuple[int, int | None]:
    """A new recording session holding an uploaded reaction video, and the ``job`` (an
    ``analyse`` request, ``JobService.request``) that analyses it: (session id, job id).

    The upload is written in chunks under a ``.part`` name that names this process (recovery
    in another process leaves it alone while this one lives) and renamed to the session's
    file in the transaction that creates the session and its job (``Store.add_recording``):
    a kill at any point leaves either nothing or a session whose job recovery settles.
    """
    suffix = suffix.lower() if suffix.lower() in VIDEO_SUFFIXES else ".mp4"
    folder = store.project_media_dir(project_id) / "reactions"
    folder.mkdir(exist_ok=True)
    partial = folder / f"upload-{Owner.current().tag()}-{uuid.uuid4().hex}{suffix}.part"
    try:
        with partial.open("wb") as out:
            if isinstance(data, bytes | bytearray | memoryview):
                out.write(data)
            else:
                shutil.copyfileobj(data, out, 8 * 1024 * 1024)
        return store.add_recording(project_id, viewer.strip() or "Viewer", partial, suffix,
                                   time_offset=time_offset, meta=meta, job=job)
    finally:
        partial.unlink(missing_ok=True)


def link_recording(store: Store, project_id: int, viewer: str, url: str, *,
                   time_offset: float, meta: dict | None = None,
                   work_key: str | None = None, job: JobRequest | None = None) -> int:
    """A new recording session that *links* to its media by URL instead of holding a copy
    (a batch's recordings may be thousands of files on shared or object storage). Deleting
    the session never touches the linked file. With a ``work_key``, the project's session of
    that key if it has one; a new one comes with its ``job`` (see ``Store.create_session``)."""
    return store.create_session(project_id, viewer.strip() or "Viewer", SessionKind.RECORDING,
                                time_offset=time_offset, meta=(meta or {}) | {"media_url": url},
                                work_key=work_key, job=job)


def check_recording(url: str) -> float | None:
    """The length (s) of a linked recording, checked before its session is made (``None``
    for a remote one, whose address is checked: only reading it will tell the rest);
    ``ShortoryError`` saying why it cannot be analysed, naming the user's file."""
    path = local_path(url)
    if path is None:
        check_remote(url)
        return None
    if not path.is_file():
        raise ShortoryError(f"no recording at {path}")
    try:
        return probe_video(path).duration
    except ShortoryError as exc:
        said = str(exc)
        raise ShortoryError(said if path.name in said else f"{path.name}: {said}") from exc


def session_media(store: Store, session: ReactionSession) -> AbstractContextManager[Path]:
    """A readable local file of the session's recording: its copy in the project, or its
    linked media (fetched to a temporary file when remote)."""
    if session.source_path:
        return nullcontext(store.media_path(session.source_path))
    url = session.meta.get("media_url")
    if not url:
        raise ShortoryError(f"Session {session.id} has no recording to analyse.")
    return readable_media(url)


def analyse_session(store: Store, session_id: int, engines: list[VisionEngine], *,
                    fps: float = 5.0, progress: Progress | None = None,
                    profile: Profile | None = None) -> int:
    """Analyse a ``recording`` session's video and replace its samples; returns their count.
    A viewer ``profile`` (the session's viewer's, see ``viewer_profile``) reads the emotions.

    The samples are written (the part ``analysis``, replacing every other part of the session)
    only when the whole recording was read, so a failed run keeps the previous samples (the
    job that runs this settles the status); a retried job writes the same part again.
    """
    session = store.session(session_id)
    if session is None or session.kind != SessionKind.RECORDING:
        raise ShortoryError(f"No recorded reaction session {session_id}.")
    store.set_session_status(session_id, SessionStatus.ANALYSING)
    with session_media(store, session) as path:
        analyses = analyse_recording(
            path, engines, fps=fps, progress=progress,
            calibration=Calibration.from_profile(profile) if profile else None)
    samples = recording_samples(analyses, session.time_offset, session_id)
    store.replace_samples(session_id, samples)
    store.set_session_status(session_id, SessionStatus.ANALYSED, ended=True)
    return len(samples)


def viewer_profile(store: Store, session_id: int, engine: VisionEngine) -> Profile | None:
    """The stored profile of this session's viewer for the engine's emotion model, if any."""
    session = store.session(session_id)
    return store.profile(session.viewer, engine.emotion.card.name) if session else None
