"""The app as Streamlit runs it, through AppTest (no browser)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.store import Store
from shortory_core.untrusted import for_markdown

ROOT = Path(__file__).resolve().parents[1]




@pytest.fixture
def app(demo_copy: Path) -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_home_lists_the_demo_first(app: AppTest, demo_copy: Path) -> None:
    Store(demo_copy).create_project("A later project")
    app.run()
    assert not app.exception
    labels = [m.value for m in app.markdown if m.value.startswith("**")]
    assert labels[0] == "**Demo\\: the Shortory show · demo**"  # escaped: names are text
    assert "**A later project**" in labels
    assert any("462 comments" in c.value for c in app.caption)


def test_opening_the_demo_shows_what_it_has(app: AppTest, demo_copy: Path) -> None:
    app.run()
    demo_id = Store(demo_copy).demo_project_id()
    app.button(key=f"open-{demo_id}").click().run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Demo\\: the Shortory show"]  # names are text
    assert [s.value for s in app.subheader] == ["Speech", "Comments (462)",
                                                "Reaction sessions (9)"]
    assert app.query_params["project"] == str(demo_id)


def test_a_project_is_renamed_and_deleted_from_its_menu(demo_copy: Path) -> None:
    store = Store(demo_copy)
    project_id = store.create_project("Old name")
    folder = store.project_media_dir(project_id)
    (folder / "video.mp4").write_bytes(b"x")
    app = AppTest.from_file(str(ROOT / "pages/home.py"), default_timeout=60).run()
    app.text_input(key=f"name-{project_id}").set_value("New name")
    app.button(key=f"rename-{project_id}").click().run()
    assert not app.exception and store.get_project(project_id).name == "New name"
    delete = app.button(key=f"project-{project_id}-delete")
    assert delete.disabled  # not before the box is ticked
    app.checkbox(key=f"project-{project_id}-sure").check().run()
    app.button(key=f"project-{project_id}-delete").click().run()
    assert not app.exception
    assert store.get_project(project_id) is None and not folder.exists()
    assert store.get_project(store.demo_project_id()) is not None


def test_a_link_to_a_missing_project_says_so_instead_of_opening_the_demo(
        demo_copy: Path) -> None:
    for page, asked in (("pages/project.py", "99"), ("pages/watch.py", "99"),
                        ("pages/studio.py", "not-an-id")):
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        app.query_params["project"] = asked
        app.switch_page(page).run()
        assert not app.exception
        assert [e.value for e in app.error] == [
            f"There is no project {for_markdown(asked)} here: it was deleted, or the link is "
            "wrong."]
        assert not app.title  # nothing of the demo is shown in its place
        [home] = [link for link in app.get("page_link")
                  if link.proto.label == "Open your projects"]
        assert home.proto.page == "home"
        assert app.query_params["project"] == asked  # the link is left as it was
