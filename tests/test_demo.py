from pathlib import Path

import numpy as np

from shortory_core.demo import DEMO_REACTIONS
from shortory_core.demo.comments import demo_comment_records
from shortory_core.demo.video import EVENTS
from shortory_core.kinds import ensure_demo_project
from shortory_core.panel.grids import load_grids
from shortory_core.panel.stats import agreement, curves, group_difference, panel_peaks
from shortory_core.sources.video_file import probe_video
from shortory_core.store import Store


def test_demo_project_is_complete_and_built_once(demo_home: Path) -> None:
    store = Store(demo_home)
    project_id = store.demo_project_id()
    assert ensure_demo_project(store) == project_id
    [summary] = store.list_projects()
    assert summary.project.is_demo
    info = probe_video(store.media_path(summary.video.path))
    assert info.duration == 120.0 and info.has_audio
    assert summary.comments == len(demo_comment_records())
    sessions = store.sessions(project_id)
    assert [s.viewer for s in sessions] == [r.viewer for r in DEMO_REACTIONS]
    assert all(store.media_path(s.source_path).is_file() for s in sessions)
    assert len({s.source_path for s in sessions}) == len(sessions)  # one file each
    assert all(s.meta["recording"] == r.asset and s.meta["group"] == r.group
               for s, r in zip(sessions, DEMO_REACTIONS, strict=True))


def test_demo_panel_shows_shares_agreement_and_groups(demo_home: Path) -> None:
    store = Store(demo_home)
    grids = load_grids(store, store.demo_project_id())
    verdicts = {q.viewer: q for q in grids.quality}
    assert grids.included.sum() >= 8
    assert verdicts["Sam (recorded)"].reason == "3 s of face (< 10 s)"  # a 3-second clip
    included = grids.subset(grids.included)
    groups = {q.group for q in included.quality}
    assert groups == {"A", "B"}
    # the demo's viewers sit at their own offsets: at most four have data at once, too few
    # for a panel peak (5); its moments are there, reported as thin
    assert panel_peaks(curves(included)) == []
    peaks = panel_peaks(curves(included), thin=True)
    assert any(p.emotion == "surprise" and abs(p.time - 42) < 2 and p.n >= 2 for p in peaks)
    assert any(p.emotion == "happy" and abs(p.time - 19) < 2 and p.n >= 2 for p in peaks)
    windows = agreement(included).windows
    assert not windows.empty and (windows["n"] >= 2).all()
    assert windows["n"].max() >= 4  # four viewers at the fall
    # at the fall group A gasps (the woman's clip) while group B smiles (the glasses clip)
    fall = group_difference(included, "A", "B")
    at = (fall.t > 65) & (fall.t < 68)
    assert fall.n_a >= 4 and fall.n_b >= 4
    assert np.nanmax(fall.difference["surprise"][at]) > 1.0
    assert np.nanmin(fall.difference["happy"][at]) < -1.0


def test_demo_comments_are_deterministic_and_point_at_events() -> None:
    records = demo_comment_records()
    assert records == demo_comment_records()
    texts = " ".join(r["text"] for r in records)
    for event in EVENTS:
        minutes, seconds = divmod(int(event.time), 60)
        assert f"{minutes}:{seconds:02d}" in texts or f"{minutes}:{seconds + 1:02d}" in texts
    assert any(r["reply"] for r in records)
