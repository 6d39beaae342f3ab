"""The small preview the pages show instead of a big original."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.clips import playback, preview
from shortory_core.clips.preview import make_preview, plan_preview, shown_file
from shortory_core.sources.video_file import probe_video
from shortory_core.store import Store
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("hours", [0.05, 0.5, 2.0, 6.0])
def test_the_preview_fits_its_budget_whatever_the_length(hours: float) -> None:
    plan = plan_preview(hours * 3600)
    megabytes = (plan.video_kbps + plan.audio_kbps) * hours * 3600 / 8000
    assert megabytes <= preview.PREVIEW_BUDGET_MB and plan.height <= 540


def test_a_preview_is_small_upright_and_playable(demo_home: Path, tmp_path: Path) -> None:
    store = Store(demo_home)
    video = store.get_video(store.demo_project_id())
    out = make_preview(store.media_path(video.path), tmp_path / "p.mp4", video.duration)
    info = probe_video(out)
    assert info.has_audio and info.height <= 540
    assert info.duration == pytest.approx(video.duration, abs=0.2)


def test_the_project_page_never_hands_a_big_original_to_the_browser(
        demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the size shown as is and the budget below the demo video's, the page starts a
    preview job instead of showing the original, says why, then shows the preview."""
    monkeypatch.setattr(preview, "PREVIEW_BUDGET_MB", 1.0)  # the demo video is 2.1 MB
    monkeypatch.setattr(playback, "MAX_AS_IS_MB", 1.0)
    store = Store(demo_copy)
    video = store.get_video(store.demo_project_id())
    assert shown_file(store, video) is None
    app = AppTest.from_file(str(ROOT / "pages/project.py"), default_timeout=60).run()
    assert not app.exception and any("preview is being made for this page: the server would "
                                     "hold all 2 MB of it in memory" in i.value for i in app.info)
    wait_until(lambda: store.get_video(store.demo_project_id()).preview,
               "the preview job to make the preview")
    app.run()
    made = store.get_video(store.demo_project_id())
    assert shown_file(store, made) == store.media_path(made.preview)
    assert not any("preview is being made" in i.value for i in app.info)
    assert store.media_path(made.preview).stat().st_size <= 1.0e6
