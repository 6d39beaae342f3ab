"""The Crowd moments page through AppTest: sliders regroup, render makes real clips."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from shortory_core.store import Store
from shortory_core.untrusted import for_markdown
from tests.test_studio import wait_for_clips

ROOT = Path(__file__).resolve().parents[1]




def moment_times(app: AppTest) -> list[str]:
    return list(app.dataframe[0].value["time"])


def test_sliders_regroup_and_render_makes_clips(demo_copy: Path) -> None:
    app = AppTest.from_file(str(ROOT / "pages/crowd.py"), default_timeout=60).run()
    assert not app.exception
    assert moment_times(app) == ["0:43", "1:06", "0:19", "1:32", "0:05"]  # spammer 5th

    app.toggle[0].set_value(True).run()  # one vote per author
    assert moment_times(app) == ["0:43", "1:06", "0:19", "1:32", "1:53"]

    app.slider[1].set_value(3).run()  # top moments
    assert moment_times(app) == ["0:43", "1:06", "0:19"]

    next(b for b in app.button if b.label.startswith("Render")).click().run()
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    wait_for_clips(store, project_id, 3)
    clips = store.clips(project_id, "comments")
    assert [c.status for c in clips] == ["done"] * 3
    assert all(store.media_path(c.path).stat().st_size > 10_000 for c in clips)
    assert all(c.label.startswith("moment #") for c in clips)

    app.run()
    assert "Clips from comments" in [s.value for s in app.subheader]
    assert len(app.expander) == 3


def test_settings_are_kept_per_project_across_visits_and_can_be_reset(demo_copy: Path) -> None:
    app = AppTest.from_file(str(ROOT / "pages/crowd.py"), default_timeout=60).run()
    app.slider(key="crowd:top_k").set_value(3).run()
    app.toggle(key="crowd:unique").set_value(True).run()
    again = AppTest.from_file(str(ROOT / "pages/crowd.py"), default_timeout=60).run()
    assert again.slider(key="crowd:top_k").value == 3  # a new session: read from the store
    assert again.toggle(key="crowd:unique").value is True
    assert moment_times(again) == ["0:43", "1:06", "0:19"]
    again.button(key="crowd:reset").click().run()
    assert again.slider(key="crowd:top_k").value == 5 and len(moment_times(again)) == 5
    fresh = AppTest.from_file(str(ROOT / "pages/crowd.py"), default_timeout=60).run()
    assert fresh.slider(key="crowd:top_k").value == 5


def test_switched_off_comment_files_are_named_with_what_they_leave_out(demo_copy: Path) -> None:
    store = Store(demo_copy)
    [record] = store.comment_imports(store.demo_project_id())
    store.set_import_active(record.id, False)
    app = AppTest.from_file(str(ROOT / "pages/crowd.py"), default_timeout=60).run()
    assert not app.exception
    [left_out] = [c.value for c in app.caption if c.value.startswith("Left out")]
    named = for_markdown(record.report["file"])  # as markdown shows it
    assert f"{record.comments:,} comments of 1 switched-off file ({named})" in left_out
    assert record.comments > 0
    assert "mentions a time" in app.info[0].value  # none of its comments count now

