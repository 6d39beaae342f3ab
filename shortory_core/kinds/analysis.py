"""The jobs that read faces: a recorded reaction's analysis, and the model's evaluation.

The vision engines are loaded once per process and setting and shared by the analysis lane,
which runs one job at a time.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

from shortory_core.jobs import Job, JobContext, JobKind
from shortory_core.records import JobStatus, SessionStatus
from shortory_core.store import Store

_engines_lock = threading.Lock()


@functools.lru_cache(maxsize=2)
def _engines(detector: str, iris: bool) -> list:
    """Two vision engines (one per core), loaded once per process and setting. Only the
    analysis lane uses them, one job at a time."""
    from shortory_core.vision.engine import VisionEngine

    return [VisionEngine(detector=detector, use_iris=iris) for _ in range(2)]


def check_engines(detector: str, iris: bool) -> None:
    """Load the analysis engines now (this process's jobs then use them): a model that is
    missing, empty or not a model is refused before any work is made for it."""
    with _engines_lock:
        _engines(detector, iris)


def analyse_job(ctx: JobContext) -> dict[str, Any]:
    """``analyse``: a recorded reaction session's samples, replacing its old ones."""
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
    with _engines_lock:
        engines = _engines(str(p.get("detector", "short")), bool(p.get("iris", True)))
        profile = viewer_profile(ctx.store, session_id, engines[0])
        ctx.progress(0.0, "Analysing the recording")
        count = analyse_session(ctx.store, session_id, engines, fps=float(p.get("fps", 5.0)),
                                progress=lambda f: ctx.progress(f), profile=profile)
    through = f", read through {profile.name}'s viewer profile" if profile else ""
    return {"summary": f"{count} samples analysed{through}.", "samples": count,
            "session_id": session_id, "profile": profile.name if profile else ""}


def settle_session(store: Store, job: Job, status: JobStatus, error: str) -> None:
    """An analysis that ended without finishing: the session says how it ended."""
    session_id = job.params.get("session_id")
    if session_id is not None and store.session(int(session_id)) is not None:
        store.set_session_status(int(session_id), SessionStatus(status))


def evaluate_job(ctx: JobContext) -> dict[str, Any]:
    """``evaluate``: score the default emotion model on a labelled folder of faces."""
    from shortory_core.vision.cards import default_card
    from shortory_core.vision.emotion import EmotionClassifier
    from shortory_core.vision.evaluate import evaluate_folder
    from shortory_core.vision.face_detector import photo_detectors

    p = ctx.params
    card = default_card("emotion")
    ctx.progress(0.0, "Reading the images")
    result = evaluate_folder(Path(p["folder"]), EmotionClassifier(card),
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
