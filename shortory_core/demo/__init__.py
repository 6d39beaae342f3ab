"""The built-in demo project: a generated video, its comments, and a panel of recorded viewers.

Created on first start so the app shows real results with no network and no webcam. The
viewers' faces are real people: three MIT-licensed clips from LivePortrait (see
``assets/CREDITS.md``). Three clips make a thin panel, so several viewers reuse one clip at
their own offset into the demo video (each session's ``meta`` says which clip it is); each
distinct clip is analysed once and its samples are shifted to every viewer's offset.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shortory_core.demo.comments import write_demo_comments
from shortory_core.demo.video import write_demo_video
from shortory_core.projects import add_comment_file
from shortory_core.reactions.recording import analyse_recording
from shortory_core.reactions.timeline import recording_samples
from shortory_core.records import ProjectDraft, SessionDraft, SessionKind
from shortory_core.sources.video_file import probe_video
from shortory_core.store import Store
from shortory_core.vision.engine import FrameAnalysis, VisionEngine

ASSETS = Path(__file__).resolve().parent / "assets"
DEMO_NAME = "Demo: the Shortory show"


@dataclass(frozen=True)
class DemoReaction:
    viewer: str
    asset: str
    offset: float  # video time at which the recording starts
    group: str  # the panel group: A (surprise at the fall) or B (smiles at the fall)

    def meta(self) -> dict[str, str]:
        """What the session is, kept with it: a panel group, and the real clip it replays."""
        return {"group": self.group, "recording": self.asset,
                "about": "demo viewer: a real recorded face (LivePortrait, MIT) that other "
                         "demo viewers reuse at their own offsets"}


WOMAN, SMILE, GLASSES = ("reaction_expressions_woman.mp4", "reaction_smile_man.mp4",
                         "reaction_webcam_glasses.mp4")

# Each clip's expression, placed on a demo event (clip times from ``assets/expressions.json``):
# the woman's open-mouthed surprise (9.8-11.8 s) on the jump scare at 0:42 and on the fall at
# 1:05; the glasses wearer's smile (6.4-7.8 s) on the goal at 0:18 and on the fall; the man's
# smile (1.0-2.4 s) on the fall. At the fall group A gasps and group B laughs. Sam's clip is
# 3 s long, under the panel's 10 s of face: the panel leaves him out and says why.
DEMO_REACTIONS = (
    DemoReaction("Mia (recorded)", WOMAN, 31.0, "A"),
    DemoReaction("Ana (recorded)", WOMAN, 31.6, "B"),
    DemoReaction("Kai (recorded)", GLASSES, 11.9, "A"),
    DemoReaction("Noa (recorded)", GLASSES, 12.4, "B"),
    DemoReaction("Leo (recorded)", WOMAN, 55.4, "A"),
    DemoReaction("Zoe (recorded)", WOMAN, 55.9, "A"),
    DemoReaction("Eli (recorded)", GLASSES, 58.8, "B"),
    DemoReaction("Ivy (recorded)", GLASSES, 59.3, "B"),
    DemoReaction("Sam (recorded)", SMILE, 64.0, "A"),
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

    analysed = _analyse_clips(work, progress)
    for index, reaction in enumerate(DEMO_REACTIONS, start=1):
        name = f"viewer-{index:02d}-{reaction.asset}"
        _link_or_copy(work / reaction.asset, work / name)
        draft.sessions.append(SessionDraft(reaction.viewer, SessionKind.RECORDING, name,
                                           reaction.offset,
                                           recording_samples(analysed[reaction.asset],
                                                             reaction.offset),
                                           meta=reaction.meta()))
    for asset in analysed:
        (work / asset).unlink()
    progress(0.97, "Saving the demo project")
    return store.commit_project(draft)


def _analyse_clips(work: Path, progress: Progress) -> dict[str, list[FrameAnalysis]]:
    """Each distinct clip of the demo viewers, copied into ``work`` and analysed once."""
    assets = list(dict.fromkeys(r.asset for r in DEMO_REACTIONS))
    engines = [VisionEngine() for _ in range(2)]
    analysed = {}
    for index, asset in enumerate(assets):
        low = 0.45 + 0.5 * index / len(assets)
        progress(low, f"Analysing the viewers' faces (clip {index + 1} of {len(assets)})")
        shutil.copyfile(ASSETS / asset, work / asset)
        analysed[asset] = analyse_recording(
            work / asset, engines,
            progress=lambda f, low=low: progress(low + 0.5 * f / len(assets), None))
    return analysed


def _link_or_copy(source: Path, target: Path) -> None:
    """A session's own name for a shared clip: deleting one session's recording must leave
    the other viewers' in place, and a hard link costs no space."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
