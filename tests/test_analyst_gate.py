"""The analyst's gate in the app as Streamlit runs it (AppTest, no browser): closed when the
app is reachable and no password is set, opened by the password, wrong passwords held back,
and an invite link that shows the viewer's page only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from streamlit import config
from streamlit.runtime import context as st_context
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from pages.analyst_gate import shared_gate
from shortory_core.untrusted import for_markdown

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fresh_gate() -> Iterator[None]:
    """Each test starts with no wrong attempts counted (the gate lives as long as a server)."""
    shared_gate.clear()
    yield
    shared_gate.clear()


class _ServedPages(PagesManager):
    """AppTest resets ``uses_pages_directory`` on this subclass instead of on PagesManager."""


@pytest.fixture(autouse=True)
def served_as_serve_py(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages chosen as ``scripts/serve.py`` has Streamlit choose them: always through app.py.
    AppTest sets ``PagesManager.uses_pages_directory`` back to None before every run, so from
    the second run on Streamlit took ``pages/`` for a legacy page folder and ran the page's
    own file without app.py, and without its gate."""
    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
    monkeypatch.setattr(app_test, "PagesManager", _ServedPages)


@dataclass
class Browser:
    """What Streamlit knows of the browser's connection (AppTest gives none of its own)."""

    remote_ip: str = "127.0.0.1"
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("Host", "localhost:8501")])


@pytest.fixture(autouse=True)
def browser(monkeypatch: pytest.MonkeyPatch) -> Browser:
    """A browser on this machine unless a test moves it: read by ``st.context.ip_address``
    and ``st.context.headers``."""
    connection = Browser()
    monkeypatch.setattr(st_context, "_get_client_context", lambda: connection)
    return connection


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets: none of the password or public URL of whoever runs the tests."""
    for setting in ("SHORTORY_ANALYST_PASSWORD", "SHORTORY_PUBLIC_URL"):
        monkeypatch.delenv(setting, raising=False)


@pytest.fixture
def reachable() -> Iterator[None]:
    """The server bound to every interface, as ``SHORTORY_ADDRESS=0.0.0.0`` starts it."""
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


@pytest.fixture
def app(demo_copy: Path) -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def analyst_content(app: AppTest) -> list[str]:
    """What of the analyst's pages this run showed: the demo's projects and the navigation."""
    return ([c.value for c in app.caption if "comments" in c.value]
            + [link.proto.label for link in app.get("page_link")])


def sign_in(app: AppTest, password: str) -> AppTest:
    app.text_input(key="analyst-password").input(password)
    return app.button[0].click().run()


def test_reachable_with_no_password_stays_closed_and_says_how_to_open(
        app: AppTest, reachable: None) -> None:
    for page in (None, "pages/panel.py", "pages/watch.py"):
        (app.switch_page(page) if page else app).run()
        assert not app.exception
        [error] = app.error
        assert error.value.startswith(
            "This app can be reached from other machines (the server listens on "
            f"{for_markdown('0.0.0.0')}, not only on this machine), so the analyst's pages "
            "need a password, and none is set.")
        assert "SHORTORY_ANALYST_PASSWORD" in error.value and "secrets.toml" in error.value
        assert not analyst_content(app) and not app.text_input  # no form to guess at


def test_local_with_no_password_opens_as_before(app: AppTest) -> None:
    app.run()
    assert not app.exception and not app.error
    assert any("462 comments" in text for text in analyst_content(app))
    assert not [b for b in app.button if b.label == "Sign out"]  # nothing to sign out of


@pytest.mark.parametrize("bind", ["local", "reachable"])
def test_the_password_opens_the_pages_for_this_session_until_sign_out(
        app: AppTest, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
        bind: str) -> None:
    """A password set is asked for wherever the app runs, also on 127.0.0.1."""
    if bind == "reachable":
        request.getfixturevalue("reachable")
    monkeypatch.setenv("SHORTORY_ANALYST_PASSWORD", PASSWORD)
    app.run()
    assert [t.value for t in app.title] == ["Shortory · sign in"]
    assert not analyst_content(app)
    sign_in(app, PASSWORD)
    assert not app.exception and not app.error
    assert any("462 comments" in text for text in analyst_content(app))
    app.switch_page("pages/panel.py").run()  # the session stays signed in
    assert not app.exception and "Panel" in analyst_content(app)
    app.button(key="analyst-sign-out").click().run()
    assert [t.value for t in app.title] == ["Shortory · sign in"]
    assert not analyst_content(app)


def test_the_environment_wins_over_secrets(app: AppTest, monkeypatch: pytest.MonkeyPatch,
                                           reachable: None) -> None:
    app.secrets["analyst_password"] = "from the secrets file"
    app.run()
    sign_in(app, "from the secrets file")
    assert any("462 comments" in text for text in analyst_content(app))

    monkeypatch.setenv("SHORTORY_ANALYST_PASSWORD", PASSWORD)
    app.run()  # a changed password signs the session out
    assert [t.value for t in app.title] == ["Shortory · sign in"]
    sign_in(app, "from the secrets file")
    assert [e.value for e in app.error] == ["Wrong password."]
    sign_in(app, PASSWORD)
    assert not app.error and any("462 comments" in text for text in analyst_content(app))


def test_wrong_passwords_make_the_next_attempt_wait(app: AppTest,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTORY_ANALYST_PASSWORD", PASSWORD)
    app.run()
    for n in range(1, 5):
        sign_in(app, f"guess {n}")
        assert [e.value for e in app.error] == ["Wrong password."]
    sign_in(app, "guess 5")
    assert [e.value for e in app.error] == [
        "Wrong password. Too many wrong passwords from your address: try again in 5 s."]
    sign_in(app, PASSWORD)  # held back: not even checked
    [held] = app.error
    assert held.value.startswith(
        "Too many wrong passwords from your address: try again in ")
    assert not analyst_content(app)


def test_one_address_held_back_leaves_the_others_free(
        app: AppTest, monkeypatch: pytest.MonkeyPatch, reachable: None,
        browser: Browser) -> None:
    monkeypatch.setenv("SHORTORY_ANALYST_PASSWORD", PASSWORD)
    browser.remote_ip = "203.0.113.9"
    app.run()
    for n in range(5):
        sign_in(app, f"guess {n}")
    sign_in(app, PASSWORD)
    assert not analyst_content(app)
    browser.remote_ip = "198.51.100.7"
    analyst = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    sign_in(analyst, PASSWORD)
    assert not analyst.error and analyst_content(analyst)


def test_a_page_reached_through_a_proxy_is_closed_on_loopback_too(
        app: AppTest, browser: Browser) -> None:
    """Caddy on this machine forwards to 127.0.0.1 and passes the public host name on."""
    browser.headers = [("Host", "panel.example.org")]
    app.run()
    [error] = app.error
    assert f"this page was opened as {for_markdown('panel.example.org')}" in error.value
    assert not analyst_content(app) and not app.text_input


@pytest.mark.parametrize("token", ["anything", "", "../viewer-panel"])
def test_an_invite_shows_only_the_viewers_page(app: AppTest, monkeypatch: pytest.MonkeyPatch,
                                              reachable: None, token: str) -> None:
    """No sign-in form, no navigation, no analyst page: also for a signed-in analyst."""
    monkeypatch.setenv("SHORTORY_ANALYST_PASSWORD", PASSWORD)
    app.run()
    sign_in(app, PASSWORD)
    assert analyst_content(app)
    app.query_params["invite"] = token
    app.run()
    assert not app.exception
    assert [t.value for t in app.title] == ["This link does not open"] and app.error
    assert not analyst_content(app) and not app.text_input and not app.button
    assert not app.sidebar.children
