"""Every signal joined on video time, and peaks per emotion and on the fused score."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from shortory_core.demo.video import EVENT_SPAN_S, EVENTS
from shortory_core.highlights.peaks import PeakOptions, find_highlights, fused_score
from shortory_core.highlights.timeline import ProjectTimeline, build_timeline
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.signals.grid import grid, smooth
from shortory_core.signals.registry import SIGNALS
from shortory_core.store import Store


def test_demo_reactions_and_comments_meet_on_the_events(demo_home: Path) -> None:
    store = Store(demo_home)
    timeline = build_timeline(store, store.demo_project_id())
    assert len(timeline.t) == 1200 and sum(q.included for q in timeline.panel) >= 8
    watched = np.isfinite(timeline.attention)
    assert 11 < timeline.t[watched].min() < 13 and timeline.t[watched].max() < 72
    peaks = find_highlights(timeline)
    best = {p.kind: p for p in reversed(peaks)}  # each list is best first
    assert abs(best["surprise"].time - 42) < 2  # Mia's and Ana's open mouths at the jump scare
    assert abs(best["happy"].time - 19) < 2  # Kai's and Noa's smiles at the goal
    fused = sorted(p.time for p in peaks if p.kind == "fused")
    # comments and faces agree: each fused peak lies on one of the first three events
    assert [min(EVENTS, key=lambda e: abs(e.time - t)).time for t in fused] == [18, 42, 65]
    assert all(0 <= t - e.time <= EVENT_SPAN_S for t, e in zip(fused, EVENTS, strict=False))


def synthetic(values: dict[str, np.ndarray], comments: np.ndarray | None = None
              ) -> ProjectTimeline:
    t = grid(100.0, 0.1)
    emotions = {e: values.get(e, np.full(len(t), 0.05)) for e in PRODUCT_EMOTIONS}
    known = emotions | {
        "attention": np.full(len(t), 0.9), "viewers": np.ones(len(t)),
        "comments": np.zeros(len(t)) if comments is None else comments}
    unknown = {s.name: np.full(len(t), np.nan) for s in SIGNALS if s.name not in known}
    return ProjectTimeline(t, tuple(SIGNALS), known | unknown)


def bump(t: np.ndarray, centre: float, height: float) -> np.ndarray:
    return 0.05 + height * np.exp(-((t - centre) / 2.0) ** 2)


def test_each_emotion_surfaces_its_own_peak_without_a_constant_favourite() -> None:
    t = grid(100.0, 0.1)
    timeline = synthetic({"happy": bump(t, 30, 0.8), "surprise": bump(t, 70, 0.3)})
    peaks = find_highlights(timeline, PeakOptions(top_k=1))
    by_kind = {p.kind: p for p in peaks}
    assert abs(by_kind["happy"].time - 30) < 0.5 and abs(by_kind["surprise"].time - 70) < 0.5
    assert by_kind["happy"].prominence > by_kind["surprise"].prominence
    assert abs(by_kind["happy"].start - 20) < 0.5 and abs(by_kind["happy"].end - 40) < 0.5


def test_min_gap_and_prominence_thin_out_peaks() -> None:
    t = grid(100.0, 0.1)
    twin = bump(t, 30, 0.6) + bump(t, 34, 0.6) + bump(t, 80, 0.05)
    many = find_highlights(synthetic({"happy": twin}),
                           PeakOptions(min_gap_s=1, prominence=0.01, emotions=("happy",)))
    few = find_highlights(synthetic({"happy": twin}),
                          PeakOptions(min_gap_s=10, prominence=0.2, emotions=("happy",)))
    assert len([p for p in many if p.kind == "happy"]) == 3
    assert len([p for p in few if p.kind == "happy"]) == 1


def test_fused_score_ignores_missing_signals_instead_of_counting_zero() -> None:
    timeline = synthetic({e: np.full(1000, np.nan) for e in PRODUCT_EMOTIONS})
    timeline.values["attention"][:] = np.nan
    timeline.values["comments"][500] = 10.0  # only comments, at 50 s
    score = fused_score(timeline, SIGNALS.default_weights(), window=20)
    assert np.nanargmax(score) in range(490, 511) and np.nanmax(score) == 1.0
    nothing = synthetic({})
    assert np.isfinite(fused_score(nothing, SIGNALS.default_weights())).all()


def test_smoothing_keeps_gaps() -> None:
    values = np.array([np.nan, 1.0, 1.0, 0.0, np.nan, np.nan, 1.0])
    out = smooth(values, 3)
    assert np.isnan(out[[0, 4, 5]]).all() and out[1] == 1.0 and abs(out[2] - 2 / 3) < 1e-9


def test_highlights_cli(demo_home: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(demo_home),
                           "highlights", "1", "--top", "1", "--json"],
                          capture_output=True, text=True, cwd=root, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    kinds = [p["kind"] for p in result["peaks"]]
    assert kinds.count("fused") == 1 and "surprise" in kinds and result["viewers"] >= 4
    missing = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir",
                              str(demo_home), "highlights", "99"],
                             capture_output=True, text=True, cwd=root, timeout=60)
    assert missing.returncode == 2 and "No project 99" in missing.stderr


def test_shorts_that_overlap_by_more_than_half_are_one_short() -> None:
    from shortory_core.highlights.peaks import Peak
    from shortory_core.highlights.shorts import merge_overlapping

    def peak(kind: str, time: float, score: float) -> Peak:
        return Peak(time, kind, score, 0.2, 0.8, time - 10, time + 10)

    shorts = merge_overlapping([peak("happy", 30, 0.9), peak("surprise", 34, 0.95),
                                peak("sad", 45, 0.5), peak("angry", 80, 0.7)])
    assert [(s.start, s.end) for s in shorts] == [(20, 44), (35, 55), (70, 90)]
    assert shorts[0].kinds == ["surprise", "happy"] and shorts[0].best.kind == "surprise"
    assert "overlap by more than half" in shorts[0].why() and shorts[1].why() == ""
