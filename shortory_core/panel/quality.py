"""Whether a reaction session is good enough to speak for its viewer.

A session counts in the panel when the face was seen most of the time, for long enough, at a
usable sampling rate, and the video was mostly playing. The thresholds are shown and can be
changed; an analyst may also include or exclude any viewer by hand (kept in the session's
``meta``: ``panel`` is ``include``, ``exclude`` or absent for the automatic verdict).
"""

from __future__ import annotations

from dataclasses import dataclass

from shortory_core.records import ReactionSession
from shortory_core.store import Store
from shortory_core.store.sample_files import SessionFigures

INCLUDE, EXCLUDE = "include", "exclude"
PANEL_PAGE = "panel"  # whose saved settings hold a project's thresholds


@dataclass(frozen=True)
class Thresholds:
    min_face_rate: float = 0.6  # share of playing samples with a face
    min_face_seconds: float = 10.0
    min_fps: float = 1.0  # samples per second of recording
    max_paused_share: float = 0.5


# Saved setting → threshold field: the panel page's sliders write these, every reader uses them.
SETTINGS = {"face_rate": "min_face_rate", "face_seconds": "min_face_seconds",
            "fps": "min_fps", "paused": "max_paused_share"}


def saved_thresholds(store: Store, project_id: int) -> Thresholds:
    """The thresholds the analyst set for this project on the panel page (defaults if none):
    the one verdict that every page and command uses."""
    saved = store.page_settings(project_id, PANEL_PAGE)
    return Thresholds(**{field: float(saved[name]) for name, field in SETTINGS.items()
                         if isinstance(saved.get(name), int | float)})


@dataclass(frozen=True)
class Quality:
    """One session's figures and verdict; ``reason`` says why, in words."""

    session_id: int
    viewer: str
    group: str
    samples: int
    face_rate: float
    face_seconds: float
    fps: float
    paused_share: float
    included: bool
    reason: str
    choice: str  # "auto", "include" or "exclude"

    @property
    def verdict(self) -> str:
        return "included" if self.included else "excluded"

    def as_dict(self) -> dict:
        return {"session_id": self.session_id, "viewer": self.viewer, "group": self.group,
                "samples": self.samples, "face_rate": round(self.face_rate, 3),
                "face_seconds": round(self.face_seconds, 1), "fps": round(self.fps, 2),
                "paused_share": round(self.paused_share, 3), "verdict": self.verdict,
                "reason": self.reason, "choice": self.choice}


def assess(session: ReactionSession, figures: SessionFigures,
           thresholds: Thresholds | None = None) -> Quality:
    """The quality of one session from its samples' figures (recording span, face and pause
    counts)."""
    thresholds = thresholds or Thresholds()
    meta = session.meta
    samples = figures.samples
    span = figures.span if samples > 1 else 0.0
    fps = (samples - 1) / span if span > 0 else 0.0
    face_rate = figures.face_playing / figures.playing if figures.playing else 0.0
    face_seconds = figures.face_playing / fps if fps > 0 else 0.0
    paused_share = figures.paused / samples if samples else 0.0
    problems = []
    if samples == 0:
        problems.append("no samples")
    else:
        if face_rate < thresholds.min_face_rate:
            problems.append(f"face seen {face_rate:.0%} of the time "
                            f"(< {thresholds.min_face_rate:.0%})")
        if face_seconds < thresholds.min_face_seconds:
            problems.append(f"{face_seconds:.0f} s of face (< {thresholds.min_face_seconds:g} s)")
        if fps < thresholds.min_fps:
            problems.append(f"{fps:.1f} samples/s (< {thresholds.min_fps:g})")
        if paused_share > thresholds.max_paused_share:
            problems.append(f"paused {paused_share:.0%} of the time "
                            f"(> {thresholds.max_paused_share:.0%})")
    choice = meta.get("panel") if meta.get("panel") in (INCLUDE, EXCLUDE) else "auto"
    if choice == INCLUDE:
        included, reason = samples > 0, "included by hand" + (
            f" despite: {'; '.join(problems)}" if problems else "")
    elif choice == EXCLUDE:
        included, reason = False, "excluded by hand"
    else:
        included = not problems
        reason = "; ".join(problems) if problems else "meets every threshold"
    return Quality(session_id=session.id, viewer=session.viewer,
                   group=str(meta.get("group") or ""), samples=samples, face_rate=face_rate,
                   face_seconds=face_seconds, fps=fps, paused_share=paused_share,
                   included=included, reason=reason, choice=choice)
