"""Transcripts kept per project and time range, so that a short transcribes only what it needs
and asking again costs nothing.

Each transcribed range is one JSON file in the project's media folder (``transcripts/``), so
deleting the project deletes its transcripts with its other files, and no schema change is
needed for what is a cache. A request is answered from any one stored range that covers it
(a whole-video transcript answers every later request). A request only partly covered is
transcribed again whole, with its margin: Whisper needs the speech around a word to hear it,
so stitching a fresh piece onto an old one would put worse words at the seam than either has.
A new range drops the stored ranges it contains. A range is kept narrower than it was heard
(``trimmed``): Whisper hears the edges of its input worst.

What a missing or damaged model gives is not kept (installing the model then works at once);
what the video itself gives (no sound, silence, an unknown language) is.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, replace
from pathlib import Path

from shortory_core.errors import ShortoryError
from shortory_core.speech.model import SpeechModelError
from shortory_core.speech.transcribe import Progress, transcribe_span, transcribe_windows
from shortory_core.speech.words import Transcript, Word
from shortory_core.store import Store

FOLDER = "transcripts"
MARGIN_S = 5.0  # transcribed either side of a short, so its first and last words are whole
# Whisper hears the edges of what it is given worst: it drops or stretches the last words and
# mishears the first. A range is kept this much narrower than it was heard (except at the
# video's own ends), so no later short reads words from a heard range's edge.
TRIM_S = 3.0
EDGE_S = 0.05  # a stored range this close to a request's edge still covers it


def stored_transcripts(store: Store, project_id: int) -> list[Transcript]:
    """Every transcribed range of the project, in time order (a damaged file is skipped)."""
    folder = store.media_root / f"project-{int(project_id)}" / FOLDER
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            found.append(_read(path))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda t: (t.start, -t.end))


def cached_transcript(store: Store, project_id: int, start: float, end: float
                      ) -> Transcript | None:
    """``[start, end)`` from a stored range that covers it, or ``None`` (nothing is
    transcribed here)."""
    end = _clamp(store, project_id, end)
    for piece in stored_transcripts(store, project_id):
        if piece.start <= start + EDGE_S and piece.end >= end - EDGE_S:
            return Transcript(start, end, piece.within(start, end), piece.language,
                              piece.language_probability, piece.absent)
    return None


def project_transcript(store: Store, project_id: int, start: float, end: float, *,
                       margin: float = MARGIN_S, language: str | None = None,
                       progress: Progress | None = None,
                       cancelled: threading.Event | None = None) -> Transcript:
    """The words of ``[start, end)`` of the project's video: from the cache, else by
    transcribing ``[start − margin, end + margin]`` (within the video) and keeping that.
    Never raises for the video or the model (see ``transcribe``); only a cancel does."""
    hit = cached_transcript(store, project_id, start, end)
    if hit is not None:
        return hit
    video = store.get_video(project_id)
    if video is None:
        return Transcript(start, end, absent="The project has no video to transcribe.")
    end = min(end, video.duration) if video.duration else end
    span = (max(start - margin, 0.0), min(end + margin, video.duration or end + margin))
    try:
        heard = transcribe_span(store.media_path(video.path), *span, language=language,
                                progress=progress, cancelled=cancelled)
    except SpeechModelError as error:
        return Transcript(start, end, absent=str(error))
    piece = trimmed(heard, video.duration or span[1])
    keep(store, project_id, piece)
    return Transcript(start, end, piece.within(start, end), piece.language,
                      piece.language_probability, piece.absent)


def trimmed(heard: Transcript, duration: float) -> Transcript:
    """``heard`` as it is kept: ``TRIM_S`` narrower at each end that is not the video's own,
    with only the words whose middle lies inside."""
    start = heard.start + (TRIM_S if heard.start > EDGE_S else 0.0)
    end = heard.end - (TRIM_S if heard.end < duration - EDGE_S else 0.0)
    if end - start < 2 * EDGE_S:  # too short to trim: keep what was heard
        return heard
    words = tuple(w for w in heard.words if start <= (w.start + w.end) / 2 < end)
    return replace(heard, start=start, end=end, words=words)


def transcribe_project(store: Store, project_id: int, *, progress: Progress | None = None,
                       cancelled: threading.Event | None = None) -> Transcript:
    """The whole video's transcript, kept (it then answers every span); the model's
    troubles are raised (``SpeechModelError``), as a job should fail with them."""
    video = store.get_video(project_id)
    if video is None:
        raise ShortoryError(f"Project {project_id} has no video to transcribe.")
    hit = cached_transcript(store, project_id, 0.0, video.duration)
    if hit is not None:
        return hit
    whole = transcribe_windows(store.media_path(video.path), 0.0, video.duration,
                               progress=progress, cancelled=cancelled)
    keep(store, project_id, whole)
    return whole


def keep(store: Store, project_id: int, transcript: Transcript) -> Path:
    """Store ``transcript`` (atomically) and drop the stored ranges it contains."""
    folder = store.project_media_dir(project_id) / FOLDER
    folder.mkdir(exist_ok=True)
    for piece in stored_transcripts(store, project_id):
        if transcript.start <= piece.start and piece.end <= transcript.end:
            (folder / _name(piece)).unlink(missing_ok=True)
    path = folder / _name(transcript)
    work = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    work.write_text(json.dumps(asdict(transcript), ensure_ascii=False), encoding="utf-8")
    os.replace(work, path)
    return path


def _name(transcript: Transcript) -> str:
    return f"{transcript.start:011.3f}-{transcript.end:011.3f}.json"


def _read(path: Path) -> Transcript:
    data = json.loads(path.read_text(encoding="utf-8"))
    words = tuple(Word(**w) for w in data.pop("words"))
    return Transcript(words=words, **data)


def _clamp(store: Store, project_id: int, end: float) -> float:
    """``end`` no later than the video's end (a short's margin may run past it)."""
    video = store.get_video(project_id)
    return min(end, video.duration) if video is not None and video.duration else end
