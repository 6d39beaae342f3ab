"""Rendering queued clips off the UI thread, with progress kept in the store.

A page asks for clips and returns at once; a single worker thread (ffmpeg already uses both
cores) renders them one after another and writes each clip's status and progress to the store,
which every page reads. A server that stops mid-queue leaves those clips marked failed on the
next start, never stuck as "rendering".

A vertical clip first follows the video's main face over its span (``reframe.py``); a captioned
clip gets its label drawn once as a PNG (``caption.py``). Both are decided per request and kept
in the clip's row, so a clip can be rendered again exactly as asked.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field

from shortory_core.clips.caption import write_caption
from shortory_core.clips.reframe import follow_face
from shortory_core.clips.render import Mode, RenderError, render_clip
from shortory_core.errors import SourceError
from shortory_core.store import Store

PROGRESS_EVERY_S = 0.5


@dataclass(frozen=True)
class ClipRequest:
    start: float
    end: float
    score: float
    label: str
    vertical: bool = False
    caption: tuple[str, str] | None = None  # (title, comment) drawn over the clip
    meta: dict = field(default_factory=dict)  # what the clip was cut for (emotion, scores)


class ClipQueue:
    """One background renderer per store; ``submit`` queues clips and returns their ids."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.fail_interrupted_clips()
        self._jobs: queue.Queue[tuple[int, int]] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="clip-renderer", daemon=True)
        self._worker.start()

    def submit(self, project_id: int, kind: str, requests: list[ClipRequest],
               mode: Mode = "exact") -> list[int]:
        ids = [
            self.store.add_clip(
                project_id, kind, r.start, r.end, score=r.score, label=r.label, mode=mode,
                vertical=r.vertical,
                meta=r.meta | ({"caption": list(r.caption)} if r.caption else {}))
            for r in requests
        ]
        for clip_id in ids:
            self._jobs.put((project_id, clip_id))
        return ids

    def wait_idle(self, timeout: float = 300.0) -> bool:
        """Block until every queued clip is finished (for the CLI and tests)."""
        deadline = time.monotonic() + timeout
        while self._jobs.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self._jobs.unfinished_tasks

    def _run(self) -> None:
        while True:
            project_id, clip_id = self._jobs.get()
            try:
                self._render(project_id, clip_id)
            finally:
                self._jobs.task_done()

    def _render(self, project_id: int, clip_id: int) -> None:
        store = self.store
        clip = store.clip(clip_id)
        video = store.get_video(project_id)
        if clip is None or video is None:
            return
        store.update_clip(clip_id, status="rendering", progress=0.0)
        last = 0.0

        def report(fraction: float) -> None:
            nonlocal last
            if time.monotonic() - last >= PROGRESS_EVERY_S:
                last = time.monotonic()
                store.update_clip(clip_id, status="rendering", progress=fraction)

        folder = store.project_media_dir(project_id) / "clips"
        out = folder / f"clip-{clip_id}.mp4"
        source = store.media_path(video.path)
        caption = None
        try:
            crop = follow_face(source, clip.start, clip.end, video.width, video.height) \
                if clip.vertical else None
            if clip.meta.get("caption"):
                title, comment = clip.meta["caption"]
                width = crop.width if crop else video.width
                caption, _ = write_caption(title, comment, width, folder / f"clip-{clip_id}.png")
            render_clip(source, clip.start, clip.end, out, mode=clip.mode,  # type: ignore[arg-type]
                        crop=crop, caption=caption, progress=report)
        except (RenderError, SourceError, OSError) as exc:
            store.update_clip(clip_id, status="failed", error=str(exc))
            return
        finally:
            if caption is not None:
                caption.unlink(missing_ok=True)
        store.update_clip(clip_id, status="done", path=store.relative_media_path(out),
                          progress=1.0)
