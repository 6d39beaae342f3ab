"""The app as Streamlit runs it, through AppTest (no browser)."""

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.store import Store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(demo_home: Path, tmp_path: Path) -> Path:
    """A private copy of the demo data folder: tests here may write to it."""
    copy = tmp_path / "home"
    shutil.copytree(demo_home, copy)
    return copy


@pytest.fixture
def app(home: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SHORTORY_HOME", str(home))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_home_lists_the_demo_first(app: AppTest, home: Path) -> None:
    Store(home).create_project("A later project")
    app.run()
    assert not app.exception
    labels = [m.value for m in app.markdown if m.value.startswith("**")]
    assert labels[0] == "**Demo: the Shortory show · demo**"
    assert "**A later project**" in labels
    assert any("462 comments" in c.value for c in app.caption)


def test_opening_the_demo_shows_what_it_has(app: AppTest, home: Path) -> None:
    app.run()
    demo_id = Store(home).demo_project_id()
    app.button(key=f"open-{demo_id}").click().run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Demo: the Shortory show"]
    assert [s.value for s in app.subheader] == ["Comments (462)", "Reaction sessions (2)"]
    assert app.query_params["project"] == str(demo_id)
