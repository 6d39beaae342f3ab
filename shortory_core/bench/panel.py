"""A panel of many viewers made from real analysed faces, and the panel's speed on it.

``synthetic_panel`` assembles sessions from the samples of real recordings (the demo's
analysed viewers): a resting stretch, then the smile, placed so that most viewers smile at
the same video times (the agreement windows a panel must find) and a few at other times,
each viewer with their own jitter, resting level and expressiveness. The benchmark builds
1,000 viewers × 10 minutes at 5 samples/s (3 M samples) and times what a slider change
costs: the panel's curves, shares, agreement and peaks, and the figure.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shortory_core.records import (
    PRODUCT_EMOTIONS,
    ProjectDraft,
    SessionDraft,
    SessionKind,
    VideoInfo,
)
from shortory_core.store import Store
from shortory_core.store.sample_files import sample_table


@dataclass(frozen=True)
class FaceSamples:
    """Real samples to build viewers from: a resting face and a smile (each a list of
    stored sample rows, in time order, 5 per second)."""

    rest: list[dict]
    smile: list[dict]


def faces_from(store: Store, project_id: int) -> FaceSamples:
    """The demo's recorded viewers: the smile clip's happiest second, and every sample of the
    other clip where the face shows little happiness."""
    sessions = {s.viewer: s.id for s in store.sessions(project_id)}
    smile = store.samples(sessions["Sam (recorded)"]).to_pylist()
    rest = [r for r in store.samples(sessions["Mia (recorded)"]).to_pylist()
            if r["face_found"] and (r["happy"] or 0) < 0.2]
    peak = int(np.argmax([r["happy"] or 0 for r in smile]))
    return FaceSamples(rest, smile[max(peak - 5, 0):peak + 5])


def viewer_samples(faces: FaceSamples, duration: float, smiles_at: list[float],
                   rng: np.random.Generator, fps: float = 5.0) -> list[dict]:
    """One viewer's session over ``duration`` seconds: resting samples throughout (cycled,
    with the viewer's own resting level and gain), the smile's samples placed at each time
    of ``smiles_at`` (jittered by up to a second)."""
    count = int(duration * fps)
    level = rng.uniform(0.0, 0.08)  # a resting face that looks a little happy, or not
    gain = rng.uniform(0.6, 1.0)  # how much this viewer shows
    rows = []
    for seq in range(count):
        base = dict(faces.rest[(seq + rng.integers(len(faces.rest))) % len(faces.rest)])
        rows.append(base)
    for at in smiles_at:
        start = int((at + rng.uniform(-1.0, 1.0)) * fps) - len(faces.smile) // 2
        for k, smile in enumerate(faces.smile):
            if 0 <= start + k < count:
                rows[start + k] = dict(smile)
    out = []
    for seq, row in enumerate(rows):
        emotions = np.array([row[e] or 0.0 for e in PRODUCT_EMOTIONS], float)
        emotions[0] = min(level + gain * emotions[0], 1.0)
        emotions = emotions / max(emotions.sum(), 1e-9)
        out.append(row | {e: float(v) for e, v in zip(PRODUCT_EMOTIONS, emotions, strict=True)}
                   | {"seq": seq, "video_time": seq / fps, "source_time": seq / fps,
                      "paused": 0, "face_found": 1,
                      "dominant": PRODUCT_EMOTIONS[int(emotions.argmax())]})
    return out


def synthetic_panel(store: Store, faces: FaceSamples, *, viewers: int, duration: float,
                    agree_at: list[float], stray_at: list[float], strays: int,
                    seed: int = 7, folder: Path) -> int:
    """A project of ``viewers`` sessions: ``strays`` of them smile at ``stray_at``, the
    others at ``agree_at``; returns the project id."""
    rng = np.random.default_rng(seed)
    draft = ProjectDraft("Panel", folder, video=VideoInfo("none.mp4", duration, 640, 360, 25.0))
    for v in range(viewers):
        times = stray_at if v < strays else agree_at
        draft.sessions.append(SessionDraft(
            f"viewer {v:04d}", SessionKind.RECORDING, "", 0.0,
            sample_table(0, viewer_samples(faces, duration, times, rng)),
            meta={"group": "A" if v % 2 else "B"}))
    return store.commit_project(draft)


def run() -> str:
    from shortory_core.kinds import ensure_demo_project
    from shortory_core.panel.grids import load_grids
    from shortory_core.panel.stats import PanelOptions, agreement, curves, panel_peaks

    viewers, duration = 1000, 600.0
    with tempfile.TemporaryDirectory() as name:
        store = Store(Path(name))
        faces = faces_from(store, ensure_demo_project(store))
        (store.root / "staging" / "panel").mkdir(parents=True)
        made = time.perf_counter()
        project = synthetic_panel(store, faces, viewers=viewers, duration=duration,
                                  agree_at=[120.0, 300.0, 450.0], stray_at=[200.0],
                                  strays=100, folder=store.root / "staging" / "panel")
        built = time.perf_counter() - made
        started = time.perf_counter()
        grids = load_grids(store, project)
        loaded = time.perf_counter() - started
        samples = sum(q.samples for q in grids.quality)
        timings = []
        for threshold in (1.0, 1.5, 2.0):
            started = time.perf_counter()
            options = PanelOptions(threshold=threshold)
            included = grids.subset(grids.included)
            panel = curves(included, options)
            peaks = panel_peaks(panel, options)
            agreement(included, options)
            _figure(panel)
            timings.append(time.perf_counter() - started)
    slider = float(np.median(timings))
    verdict = "meets" if slider <= 1.0 else "MISSES"
    return "\n".join([
        f"== panel ({viewers:,} viewers × {duration / 60:.0f} min at 5 samples/s = "
        f"{samples:,} samples; built in {built:.0f} s)",
        f"  read and binned once (on data change): {loaded:.2f} s",
        f"  slider change → curves, shares, agreement, peaks, figure: {slider * 1000:.0f} ms "
        f"(median of 3; target ≤ 1 s: {verdict}); {len(peaks)} peaks",
    ])


def _figure(panel: object) -> None:
    from shortory_core.charts.panel import panel_figure

    panel_figure(panel).to_json()
