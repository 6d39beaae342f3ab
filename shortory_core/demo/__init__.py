"""The built-in demo project: a generated video, its comments, and two recorded viewers.

Created on first start so the app shows real results with no network and no webcam. The two
reaction recordings are real people (MIT-licensed clips from LivePortrait, see
``assets/CREDITS.md``), placed at the demo video's events by their offsets.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shortory_core.demo.comments import write_demo_comments
from shortory_core.demo.video import write_demo_video
from shortory_core.projects import add_comment_file
from shortory_core.reactions.recording import analyse_recording
from shortory_core.reactions.timeline import sample_rows
from shortory_core.records import ProjectDraft, SessionDraft
from shortory_core.sources.video_file import probe_video
from shortory_core.store import Store
from shortory_core.vision.engine import VisionEngine

ASSETS = Path(__file__).resolve().parent / "assets"
DEMO_NAME = "Demo: the Shortory show"


@dataclass(frozen=True)
class DemoReaction:
    viewer: str
    asset: str
    offset: float  # video time at which the recording starts


# The woman's open-mouthed surprise (near her clip's end) lands on the jump scare at 0:42;
# the man's smile (mid-clip) on the fall at 1:05.
DEMO_REACTIONS = (
    DemoReaction("Mia (recorded)", "reaction_expressions_woman.mp4", 31.0),
    DemoReaction("Sam (recorded)", "reaction_smile_man.mp4", 64.0),
)

Progress = Callable[[float, str | None], None]  # (fraction, step); may raise to cancel


def build_demo_once(store: Store, work: Path, progress: Progress) -> int:
    """Build the demo in ``work`` unless another process has built it meanwhile.

    A file lock makes two processes starting together build it once.
    """
    with (store.root / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        existing = store.demo_project_id()
        if existing is not None:
            return existing
        return _build_demo(store, work, progress)


def _build_demo(store: Store, work: Path, progress: Progress) -> int:
    """Everything is made in ``work`` and committed in one step, marked as the demo: a build
    cut short leaves no project at all."""
    progress(0.0, "Rendering the demo video")
    write_demo_video(work / "video.mp4")
    info = probe_video(work / "video.mp4")
    info.path = "video.mp4"
    info.title = "The Shortory show (demo)"
    progress(0.4, "Reading the demo comments")
    comments_file = write_demo_comments(work / "comments.jsonl")
    draft = ProjectDraft(DEMO_NAME, work, video=info, is_demo=True)
    add_comment_file(draft, comments_file, comments_file.name)

    engines = [VisionEngine() for _ in range(2)]
    for index, reaction in enumerate(DEMO_REACTIONS):
        low = 0.45 + 0.5 * index / len(DEMO_REACTIONS)
        progress(low, f"Analysing {reaction.viewer}'s face")
        name = f"reaction-{reaction.asset}"
        shutil.copyfile(ASSETS / reaction.asset, work / name)
        analyses = analyse_recording(
            work / name, engines,
            progress=lambda f, low=low: progress(low + 0.5 * f / len(DEMO_REACTIONS), None))
        draft.sessions.append(SessionDraft(reaction.viewer, "recording", name, reaction.offset,
                                           sample_rows(analyses, reaction.offset)))
    progress(0.97, "Saving the demo project")
    return store.commit_project(draft)
