"""Shared pieces of the remote panel's tests: a data folder holding the demo project (its real
120 s video), and sample batches as a viewer's browser sends them."""

from __future__ import annotations

import shutil
from pathlib import Path

from shortory_core.store import Store

EMO = [0.7, 0.05, 0.05, 0.15, 0.05]  # happy leads


def sample(seq: int, *, t: float | None = None, src: float | None = None,
           face: bool = True, **changes: object) -> dict:
    """One well-formed sample; five a second of video by default."""
    t = seq / 5 if t is None else t
    return {"seq": seq, "t": t, "src": t if src is None else src, "paused": False,
            "face": face, "n": int(face), "emo": EMO if face else None, "att": 0.8,
            "head": 0.9, "eyes": 1.0, "gaze": 0.7} | changes


def batch(seqs: range | list[int], **changes: object) -> dict:
    samples = [sample(s, **changes) for s in seqs]
    return {"seq0": min(seqs) if samples else 0, "samples": samples}


def demo_store(demo_home: Path, tmp_path: Path) -> Store:
    """A private copy of the demo data folder (``demo_home``): the demo project with its
    video, for a test to write into."""
    shutil.copytree(demo_home, tmp_path / "home")
    return Store(tmp_path / "home")
