"""Shared pieces of the remote panel's tests: a data folder holding the demo project (its real
120 s video), and sample batches as a viewer's browser sends them."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from shortory_core.remote.batches import MAX_SAMPLES
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


# What a bad batch is, the status it is refused with and a word of the reason.
BAD_BATCHES = {
    "not an object": ([1, 2], 400, "JSON object"),
    "extra key": ({"seq0": 0, "samples": [], "x": 1}, 400, "JSON object"),
    "samples not a list": ({"seq0": 0, "samples": {}}, 400, "list of samples"),
    "a sample missing a key": ({"seq0": 0, "samples": [
        {k: v for k, v in sample(0).items() if k != "att"}]}, 400, "exactly the keys"),
    "a string for a number": (batch([0], t="1.0"), 400, "finite number"),
    "a bool for seq": ({"seq0": 0, "samples": [sample(0) | {"seq": True}]}, 400, "integer"),
    "NaN": (batch([0], att=math.nan), 400, "NaN"),
    "infinity": (batch([0], src=math.inf), 400, "NaN"),
    "a probability above 1": (batch([0], emo=[1.2, 0, 0, -0.2, 0]), 400, "probabilities"),
    "emotions not summing to 1": (batch([0], emo=[0.5, 0.1, 0.1, 0.1, 0.1]), 400, "sum to 1"),
    "four emotions": (batch([0], emo=[0.25] * 4), 400, "list of 5"),
    "emotions without a face": (batch([0], face=False, emo=EMO), 400, "null when no face"),
    "attention above 1": (batch([0], att=1.5), 400, "from 0 to 1"),
    "a negative time": (batch([0], t=-0.5), 400, "0 or more"),
    "a time past the video": (batch([0], t=121.5), 400, "past the video's end"),
    "a negative seq": ({"seq0": 0, "samples": [sample(0) | {"seq": -1}]}, 400, "from 0"),
    "a seq twice": ({"seq0": 0, "samples": [sample(0), sample(0)]}, 400, "appears twice"),
    "a wrong seq0": ({"seq0": 3, "samples": [sample(0)]}, 400, "seq0"),
    "too many samples": (batch(range(MAX_SAMPLES + 1), src=600.0), 413, "at most 600"),
    "too many bytes": ({"seq0": 0, "samples": [sample(0) | {"pad": "x" * 300_000}]}, 413,
                       "KiB"),
    "src ahead of the clock": (batch([0], src=4000.0), 400, "later than this session"),
    "src going back": ({"seq0": 0, "samples": [sample(0, src=9.0), sample(1, src=2.0)]},
                       400, "goes back"),
    "too fast": (batch(range(200), src=1.0), 429, "more than 30 a second"),
}
