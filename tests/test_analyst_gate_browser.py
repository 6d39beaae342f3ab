"""The analyst's gate in a real browser (Debian Chromium through Playwright), on the app as
``scripts/start.sh`` serves it: refused without the password, opened with it, and an invite
link that shows the viewer's page only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import browser_page, needs_chromium, running_app, screenshot, settled

pytestmark = [pytest.mark.browser, needs_chromium]
PASSWORD = "correct horse battery"


def test_the_analysts_pages_open_only_with_the_password(demo_copy: Path) -> None:
    """A password set is asked for also on 127.0.0.1; a deep link lands once signed in."""
    with (running_app(demo_copy, env={"SHORTORY_ANALYST_PASSWORD": PASSWORD}) as url,
          browser_page() as page):
        # A page's file name first (Streamlit says "Page not found" and runs the main page: the
        # gate), then the page's own link, which lands on the panel once signed in.
        for path in ("/panel?project=1", "/viewer-panel?project=1"):
            page.goto(f"{url}{path}")
            page.get_by_text("Shortory · sign in").wait_for()
            settled(page)
            assert page.get_by_text("Panel · Demo").count() == 0
            assert page.get_by_role("link", name="Projects").count() == 0
        screenshot(page, "gate-sign-in")

        password = page.get_by_label("Analyst password")
        password.fill("not it")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Wrong password.").wait_for()
        screenshot(page, "gate-wrong-password")

        password.fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Panel · Demo: the Shortory show").wait_for()
        page.get_by_role("link", name="Projects").wait_for()
        settled(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(page, "gate-signed-in")

        page.goto(f"{url}/join?invite=anything")  # the same browser, signed in
        page.get_by_text("This link does not open").wait_for()
        settled(page)
        assert page.get_by_role("link", name="Projects").count() == 0
        assert page.locator('[data-testid="stSidebar"]').count() == 0
        assert page.get_by_text("Page not found").count() == 0
        assert page.url == f"{url}/join?invite=anything"
        screenshot(page, "gate-invite-viewer-only")

        page.goto(f"{url}/viewer-panel?project=1")  # a new browser session: sign in again
        page.get_by_text("Shortory · sign in").wait_for()
        settled(page)
        assert page.get_by_text("Panel · Demo").count() == 0


def test_a_page_that_came_through_a_proxy_is_closed_without_a_password(
        demo_copy: Path) -> None:
    """Bound to 127.0.0.1 behind a reverse proxy, the app is published all the same: with no
    password set, the analyst's pages stay closed and say how to set one."""
    unset = {"SHORTORY_ANALYST_PASSWORD": "", "SHORTORY_PUBLIC_URL": ""}
    with running_app(demo_copy, env=unset) as url, browser_page() as page:
        page.context.set_extra_http_headers({"X-Forwarded-For": "203.0.113.9"})
        page.goto(f"{url}/overview?project=1")
        page.get_by_text("so the analyst's pages need a password, and none is set").wait_for()
        settled(page)
        # uvicorn reads the client's address from the header a local proxy sends
        assert page.get_by_text("this page was opened from 203.0.113.9").count() == 1
        assert page.get_by_text("Reaction sessions (9)").count() == 0
        assert page.get_by_label("Analyst password").count() == 0
        screenshot(page, "gate-refused-behind-proxy")
