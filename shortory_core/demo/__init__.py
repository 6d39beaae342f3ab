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
from shortory_core.projects import import_comments
from shortory_core.reactions.sessions import analyse_session
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

Step = Callable[[str], None]


def ensure_demo_project(store: Store, step: Step | None = None) -> int:
    """The demo project's id, building it first if this data folder has none.

    A file lock makes two processes starting together build it once.
    """
    existing = store.demo_project_id()
    if existing is not None:
        return existing
    with (store.root / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        existing = store.demo_project_id()
        if existing is not None:
            return existing
        return _build_demo(store, step or (lambda _: None))


def _build_demo(store: Store, step: Step) -> int:
    staging = store.media_root / "incoming" / "demo"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    step("Rendering the demo video")
    video_file = write_demo_video(staging / "video.mp4")
    info = probe_video(video_file)
    comments_file = write_demo_comments(staging / "comments.jsonl")

    # Marked as the demo only once complete: a build cut short is never taken for the demo.
    project_id = store.create_project(DEMO_NAME)
    media = store.project_media_dir(project_id)
    for file in (video_file, comments_file):
        shutil.move(str(file), media / file.name)
    shutil.rmtree(staging, ignore_errors=True)
    info.path = store.relative_media_path(media / "video.mp4")
    info.title = "The Shortory show (demo)"
    store.set_video(project_id, info)

    step("Importing the demo comments")
    import_comments(store, project_id, (media / comments_file.name).read_bytes(),
                    comments_file.name)

    step("Analysing the recorded viewers' faces")
    engines = [VisionEngine() for _ in range(2)]
    for reaction in DEMO_REACTIONS:
        target = media / f"reaction-{reaction.asset}"
        shutil.copyfile(ASSETS / reaction.asset, target)
        session_id = store.create_session(
            project_id, reaction.viewer, "recording",
            source_path=store.relative_media_path(target), time_offset=reaction.offset,
        )
        analyse_session(store, session_id, engines)
    store.mark_demo(project_id)
    return project_id
