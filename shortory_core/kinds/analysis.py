"""The jobs that read faces: a recorded reaction's analysis, and the model's evaluation.

The vision engines are loaded once per process, setting and emotion model (each project reads
its viewers with its own, ``reactions/models.py``) and shared by the analysis lane, which runs
one job at a time.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shortory_core.jobs import Job, JobContext, JobKind
from shortory_core.records import JobStatus, SessionStatus
from shortory_core.store import Store

if TYPE_CHECKING:  # the vision stack loads only for the jobs that use it
    from shortory_core.vision.cards import ModelCard

_engines_lock = threading.Lock()
_loaded: dict[tuple[str, bool, str], list] = {}
KEEP_ENGINES = 2  # settings × models kept loaded; the oldest goes first


def _engines(detector: str, iris: bool, card: ModelCard | None = None) -> list:
    """Two vision engines (one per core) reading emotions with ``card`` (the app's default
    when ``None``), loaded once per process, setting and model. Only the analysis lane uses
    them, one job at a time, under ``_engines_lock``."""
    from shortory_core.vision.cards import default_card
    from shortory_core.vision.engine import VisionEngine

    card = card or default_card("emotion")
    key = (detector, iris, str(card.path))
    if key not in _loaded:
        while len(_loaded) >= KEEP_ENGINES:
            _loaded.pop(next(iter(_loaded)))
        _loaded[key] = [VisionEngine(detector=detector, emotion_card=card, use_iris=iris)
                        for _ in range(2)]
    return _loaded[key]


def check_engines(detector: str, iris: bool) -> None:
    """Load the analysis engines now (this process's jobs then use them): a model that is
    missing, empty or not a model is refused before any work is made for it."""
    with _engines_lock:
        _engines(detector, iris)


def analyse_job(ctx: JobContext) -> dict[str, Any]:
    """``analyse``: a recorded reaction session's samples, replacing its old ones, read by
    the project's emotion model (noted in the session's meta)."""
    from shortory_core.reactions.models import note_session_model, project_emotion_card
    from shortory_core.reactions.sessions import analyse_session, viewer_profile

    p = ctx.params
    session_id = int(p["session_id"])
    session = ctx.store.session(session_id)
    if p.get("unless_analysed") and session is not None \
            and session.status == SessionStatus.ANALYSED and session.n_samples:
        # checked while holding the session's claim: another run analysed it meanwhile
        return {"summary": f"Analysed already ({session.n_samples} samples).",
                "samples": session.n_samples, "session_id": session_id, "profile": ""}
    ctx.progress(0.0, "Loading the face models")
    card = project_emotion_card(ctx.store, session.project_id) if session else None
    with _engines_lock:
        engines = _engines(str(p.get("detector", "short")), bool(p.get("iris", True)), card)
        profile = viewer_profile(ctx.store, session_id, engines[0])
        ctx.progress(0.0, "Analysing the recording")
        count = analyse_session(ctx.store, session_id, engines, fps=float(p.get("fps", 5.0)),
                                progress=lambda f: ctx.progress(f), profile=profile)
    note_session_model(ctx.store, session_id, engines[0].emotion.card)
    through = f", read through {profile.name}'s viewer profile" if profile else ""
    return {"summary": f"{count} samples analysed{through}.", "samples": count,
            "session_id": session_id, "profile": profile.name if profile else ""}


def settle_session(store: Store, job: Job, status: JobStatus, error: str) -> None:
    """An analysis that ended without finishing: the session says how it ended."""
    session_id = job.params.get("session_id")
    if session_id is not None and store.session(int(session_id)) is not None:
        store.set_session_status(int(session_id), SessionStatus(status))


def evaluate_job(ctx: JobContext) -> dict[str, Any]:
    """``evaluate``: score an emotion model (``model``: a card name; else the app's default)
    on a labelled folder of faces."""
    from shortory_core.vision.cards import default_card, emotion_cards
    from shortory_core.vision.ensemble import emotion_classifier
    from shortory_core.vision.evaluate import evaluate_folder
    from shortory_core.vision.face_detector import photo_detectors

    p = ctx.params
    card = next((c for c in emotion_cards() if c.name == p.get("model")), None) \
        or default_card("emotion")
    ctx.progress(0.0, "Reading the images")
    result = evaluate_folder(Path(p["folder"]), emotion_classifier(card),
                             photo_detectors() if p.get("detect") else (),
                             progress=lambda f: ctx.progress(0.95 * f))
    return {"summary": f"{result.images} images scored: {result.raw.accuracy:.1%} over the "
                       f"model's classes, {result.product.accuracy:.1%} over the five emotions.",
            "model": card.name, "folder": p["folder"]} | result.as_dict()


KINDS = (
    JobKind("analyse", "analysis", analyse_job, settle_session, "Analyse a reaction",
            one_per_subject=True),
    JobKind("evaluate", "analysis", evaluate_job, None, "Evaluate the model"),
)
