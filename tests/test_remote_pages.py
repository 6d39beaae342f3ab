"""The remote panel's pages as Streamlit runs them (AppTest): the viewer's consent on a real
invite, links that no longer open, and the Panel page making and listing invite links. The
camera steps need a browser: tests/test_remote_panel_browser.py walks them in Chromium."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.remote.invites import create_invite, list_invites, revoke_invite
from shortory_core.store import Store
from tests.test_analyst_gate import (  # noqa: F401  (autouse: the app as serve.py runs it)
    ROOT,
    browser,
    fresh_gate,
    no_settings,
    served_as_serve_py,
)

DEMO = 1


@pytest.fixture
def app(demo_copy) -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_a_personal_invite_asks_consent_before_any_camera(app: AppTest, demo_copy) -> None:
    invite = create_invite(Store(demo_copy), DEMO, viewer="Anna", group="A")
    app.query_params["invite"] = invite.token
    app.run()
    assert not app.exception
    assert [t.value for t in app.title] == ["You are invited to watch a video"]
    assert any("No video and no picture of you leaves your computer" in m.value
               for m in app.markdown)
    assert not app.text_input  # a personal link knows its viewer's name
    assert not app.sidebar.children
    app.button[0].click().run()  # Continue without agreeing
    assert [e.value for e in app.error] == ["Tick the box to agree, or close this tab to leave."]
    assert [t.value for t in app.title] == ["You are invited to watch a video"]
    app.checkbox[0].check()  # a form's values count when it is submitted
    app.button[0].click().run()
    assert [t.value for t in app.title] == ["Camera check"]
    assert Store(demo_copy).sessions(DEMO)[-1].viewer != "Anna"  # nothing started yet


def test_an_open_link_asks_the_viewers_name(app: AppTest, demo_copy) -> None:
    invite = create_invite(Store(demo_copy), DEMO, viewer=None)
    app.query_params["invite"] = invite.token
    app.run()
    app.checkbox[0].check()
    app.button[0].click().run()
    assert [e.value for e in app.error] == ["Type your name to continue."]
    app.text_input[0].input("Ben")
    app.button[0].click().run()
    assert [t.value for t in app.title] == ["Camera check"]


@pytest.mark.parametrize("change", ["revoke", "tamper"])
def test_a_revoked_or_changed_link_says_so_and_shows_nothing_else(
        app: AppTest, demo_copy, change: str) -> None:
    store = Store(demo_copy)
    invite = create_invite(store, DEMO, viewer="Anna")
    token = invite.token
    if change == "revoke":
        revoke_invite(store, invite.id)
    else:
        token = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    app.query_params["invite"] = token
    app.run()
    assert [t.value for t in app.title] == ["This link does not open"]
    (error,) = app.error
    assert ("withdrawn by whoever sent it" if change == "revoke" else "not valid") in error.value
    assert not app.button and not app.checkbox


def test_the_panel_page_makes_an_invite_link_and_lists_it(demo_copy) -> None:
    app = AppTest.from_file(str(ROOT / "pages/panel.py"), default_timeout=60)
    app.query_params["project"] = str(DEMO)
    app.run()
    assert not app.exception
    form = app.get("form")
    assert form, "the invite form is on the page"
    name = next(t for t in app.text_input if t.label == "Viewer's name")
    group = next(t for t in app.text_input if t.label == "Group")
    name.input("Carla")
    group.input("B")
    next(b for b in app.button if b.label == "Create link").click().run()
    assert not app.exception
    (status,) = list_invites(Store(demo_copy), DEMO)
    assert (status.invite.viewer, status.invite.group, status.state) == ("Carla", "B", "sent")
    shown = [c.value for c in app.code]
    assert len(shown) == 1 and shown[0].endswith(f"/join?invite={status.invite.token}")
