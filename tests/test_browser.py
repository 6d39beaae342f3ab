"""Every page in a real browser (Debian Chromium through Playwright), as a person uses it."""

import shutil
from pathlib import Path

import pytest

from tests.browser import browser_page, needs_chromium, running_app, screenshot

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def home_page(demo_home: Path, tmp_path: Path):
    """The app on a copy of the demo folder, its home page open in Chromium: (url, page)."""
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    with running_app(home) as url, browser_page() as page:
        page.goto(url)
        page.get_by_text("Demo: the Shortory show · demo").wait_for(timeout=60_000)
        yield url, page


def test_home_page_renders_the_demo_without_errors(home_page) -> None:
    _, page = home_page
    page.get_by_text("462 comments", exact=False).wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert screenshot(page, "home").stat().st_size > 10_000

    page.get_by_role("button", name="Open").first.click()
    page.get_by_text("Reaction sessions (2)").wait_for(timeout=30_000)
    assert "project=" in page.url
    page.reload()  # the open project survives a refresh: it lives in the URL
    page.get_by_text("Reaction sessions (2)").wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "project")


def test_crowd_page_charts_moments_and_renders_clips(home_page) -> None:
    url, page = home_page
    page.goto(f"{url}/moments?project=1")  # opened directly, as after a refresh
    page.get_by_text("Crowd moments · Demo: the Shortory show").wait_for(timeout=60_000)
    page.get_by_role("link", name="Projects").wait_for()  # app.py ran: navigation is there
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot .bars path").count() > 10  # the histogram drew
    page.get_by_role("button", name="Render").click()
    page.get_by_text("Clips from comments").wait_for(timeout=90_000)
    page.get_by_text("moment #1", exact=False).first.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "crowd")


def test_reactions_page_plots_the_demo_viewers(home_page) -> None:
    _, page = home_page
    page.get_by_role("link", name="Reactions").click()
    page.get_by_text("Reactions · Demo: the Shortory show").wait_for(timeout=60_000)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 6
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_timeout(800)
    screenshot(page, "reactions")
