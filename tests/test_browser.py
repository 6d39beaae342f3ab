"""Every page in a real browser (Debian Chromium through Playwright), as a person uses it."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from shortory_core.store import Store
from tests.browser import (
    SCREENSHOTS,
    browser_page,
    needs_chromium,
    running_app,
    screenshot,
    settled,
)
from tests.waiting import wait_until

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
    page.get_by_text("Reaction sessions (9)").wait_for(timeout=90_000)  # slow on a busy machine
    assert "project=" in page.url
    page.reload()  # the open project survives a refresh: it lives in the URL
    page.get_by_text("Reaction sessions (9)").wait_for(timeout=90_000)
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
    settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "crowd")


def test_reactions_page_plots_the_demo_viewers(home_page) -> None:
    _, page = home_page
    page.get_by_role("link", name="Reactions").click()
    page.get_by_text("Reactions · Demo: the Shortory show").wait_for(timeout=60_000)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 6
    settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "reactions")


STAR_POSITION = """() => {
    const chart = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    const index = chart.data.findIndex(trace => trace.name === 'peaks');
    const trace = chart._fullData[index], layout = chart._fullLayout;
    const xaxis = layout[trace.xaxis.replace('x', 'xaxis')];
    const yaxis = layout[trace.yaxis.replace('y', 'yaxis')];
    const frame = chart.getBoundingClientRect();
    return {count: chart.data.filter(t => t.name === 'peaks').reduce((n, t) => n + t.x.length, 0),
            x: frame.left + xaxis._offset + xaxis.d2p(chart.data[index].x[0]),
            y: frame.top + yaxis._offset + yaxis.d2p(chart.data[index].y[0])};
}"""


def test_studio_picks_a_peak_on_the_chart_and_renders_it_vertical(home_page) -> None:
    url, page = home_page
    page.set_viewport_size({"width": 1400, "height": 2400})  # the whole studio in one shot
    page.goto(f"{url}/shorts?project=1")
    page.get_by_text("Highlights studio · Demo: the Shortory show").wait_for(timeout=60_000)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=30_000)
    star = page.evaluate(STAR_POSITION)
    assert star["count"] >= 5  # per-emotion and fused peaks of the demo
    render = page.get_by_role("button", name="Render")
    shorts = int(render.inner_text().split()[1])  # every found peak by default, overlapping
    assert 2 <= shorts < star["count"]  # ones merged into one short, and the page says so
    page.get_by_text("Merged: ", exact=False).first.wait_for()
    page.mouse.move(star["x"] - 6, star["y"] - 6)  # Plotly clicks what the pointer hovers
    page.mouse.move(star["x"], star["y"], steps=3)
    page.locator(".hoverlayer .hovertext").first.wait_for(timeout=30_000)  # Plotly hovers it
    page.mouse.click(star["x"], star["y"])  # one peak picked on the chart narrows the cut to it
    page.get_by_role("button", name="Render 1 short").wait_for(timeout=30_000)
    page.get_by_text("Title only").click()
    expect(page.get_by_label("Add the title line")).to_be_disabled(timeout=60_000)
    page.get_by_role("button", name="Render 1 short").click()
    page.get_by_text("Download the clip (zip)").wait_for(timeout=240_000)
    settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "studio")


FACE_RECORDING = Path(__file__).resolve().parents[1] / \
    "shortory_core/demo/assets/reaction_smile_man.mp4"
SECOND_RECORDING = FACE_RECORDING.with_name("reaction_webcam_glasses.mp4")


def test_uploaded_recordings_are_analysed_as_jobs_and_plotted(home_page, tmp_path: Path
                                                              ) -> None:
    """Reactions → upload two real face recordings at once → Analyse 2 recordings: one job
    each, the timeline is plotted and both sessions are done (this failed on every try
    before the job service: the page updated its progress bar from worker threads)."""
    url, page = home_page
    page.goto(f"{url}/viewers?project=1")
    page.get_by_text("Reactions · Demo: the Shortory show").wait_for(timeout=60_000)
    page.get_by_text("Analyse recorded reactions").click()
    page.locator('input[type="file"]').set_input_files([str(FACE_RECORDING),
                                                        str(SECOND_RECORDING)])
    page.get_by_role("button", name="Analyse 2 recordings").click()
    page.locator('[data-testid="stProgress"]').first.wait_for(timeout=30_000)
    screenshot(page, "reactions-analysing")
    page.get_by_text("Face found").wait_for(timeout=30_000)
    store = Store(tmp_path / "home")
    wait_until(lambda: all(s.status == "analysed" for s in store.sessions(1)[-2:]),
               "both uploads analysed", timeout=240, every=0.5)
    sessions = store.sessions(1)[-2:]
    assert [s.viewer for s in sessions] == [FACE_RECORDING.stem, SECOND_RECORDING.stem]
    assert all(s.status == "analysed" and s.n_samples >= 15 for s in sessions)
    screenshot(page, "reactions-uploaded")
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_studio_renders_show_progress_and_one_can_be_cancelled(home_page, tmp_path: Path
                                                               ) -> None:
    url, page = home_page
    page.goto(f"{url}/shorts?project=1")
    page.get_by_text("Highlights studio · Demo: the Shortory show").wait_for(timeout=60_000)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=30_000)
    page.get_by_text("Platform size", exact=False).click()  # upscaled: time to cancel
    page.get_by_role("button", name="Render").click()
    page.locator('[data-testid="stProgress"]').first.wait_for(timeout=60_000)
    store = Store(tmp_path / "home")

    def cancelled_one() -> bool:
        """Click the last Cancel shown, unless a render is cancelled already. The page redraws
        its job list every second, so a click can land on a row whose render just finished:
        then the next call clicks the next one. A slow click may then cancel two renders."""
        clips = store.clips(1)
        if any(c.status == "cancelled" for c in clips):
            return True
        assert any(c.status == "queued" for c in clips), "every render had finished"
        page.get_by_role("button", name="Cancel").last.click(timeout=60_000)
        return False

    wait_until(cancelled_one, "a render cancelled by its Cancel button", every=3)
    wait_until(lambda: not any(c.status in ("queued", "rendering") for c in store.clips(1)),
               "the other renders to finish", timeout=240, every=0.5)
    statuses = sorted(c.status for c in store.clips(1))
    assert "done" in statuses and set(statuses) == {"cancelled", "done"}
    page.get_by_text(f"Download all {statuses.count('done')} clips", exact=False).wait_for(
        timeout=30_000)  # the page noticed by itself: no reload
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "studio-cancelled")


def test_a_hostile_name_is_shown_as_text_and_makes_no_request(demo_home: Path,
                                                             tmp_path: Path) -> None:
    """A project name (or fetched title) in Markdown or HTML is shown as written: the browser
    requests nothing from the address it names."""
    import http.server
    import threading

    hits: list[str] = []

    class Beacon(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    beacon = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Beacon)
    threading.Thread(target=beacon.serve_forever, daemon=True).start()
    where = f"http://127.0.0.1:{beacon.server_address[1]}"
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    store = Store(home)
    markdown = f"![x]({where}/markdown.png) [click]({where}/link) :red[alarm]"
    project_id = store.create_project(markdown)
    store.create_project(f'<img src="{where}/html.png"> **bold**')
    try:
        with running_app(home) as url, browser_page() as page:
            asked = []
            page.on("request", lambda request: asked.append(request.url))
            page.goto(url)
            page.get_by_text("Demo: the Shortory show · demo").wait_for(timeout=60_000)
            page.get_by_text("![x](http:", exact=False).first.wait_for()
            page.get_by_text('<img src="', exact=False).first.wait_for()
            page.goto(f"{url}/overview?project={project_id}")
            page.get_by_role("heading", name="![x]", exact=False).wait_for(timeout=30_000)
            settled(page)
            page.wait_for_load_state("networkidle")  # any image request has been made
            assert page.locator(f'img[src^="{where}"], a[href^="{where}"]').count() == 0
            screenshot(page, "hostile-name")
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        beacon.shutdown()
    assert hits == [] and not [u for u in asked if u.startswith(where)]


def test_the_panel_page_in_a_browser(demo_home: Path, tmp_path: Path) -> None:
    from shortory_core.bench.panel import faces_from, synthetic_panel

    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    store = Store(home)
    (home / "staging" / "panel").mkdir(parents=True)
    project = synthetic_panel(store, faces_from(store, store.demo_project_id()), viewers=20,
                              duration=90.0, agree_at=[30.0, 70.0], stray_at=[50.0],
                              strays=3, folder=home / "staging" / "panel")
    with running_app(home) as url, browser_page() as page:
        page.goto(f"{url}/viewer-panel?project={project}")
        page.get_by_text("Panel peaks").wait_for(timeout=60_000)
        page.get_by_text("Where viewers agree").wait_for()
        page.wait_for_function(  # the charts draw
            "() => document.querySelectorAll('.js-plotly-plot').length >= 3",
            timeout=60_000)
        settled(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_text("Page not found").count() == 0  # a deep link, first request
        screenshot(page, "panel")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(".js-plotly-plot").first.screenshot(path=str(SCREENSHOTS / "panel-chart.png"))
        page.locator(".js-plotly-plot").nth(1).screenshot(
            path=str(SCREENSHOTS / "panel-heatmap.png"))


def test_a_shared_link_opens_its_page_on_a_fresh_server(demo_home: Path, tmp_path: Path
                                                        ) -> None:
    """The first request a new server gets is a deep link: it opens that page, with no
    "Page not found" notice (Streamlit's legacy pages/ handling, switched off by
    scripts/serve.py)."""
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    with running_app(home) as url, browser_page() as page:
        page.goto(f"{url}/overview?project=1")
        page.get_by_text("Reaction sessions (9)").wait_for(timeout=60_000)
        settled(page)
        assert page.get_by_text("Page not found").count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0


def test_the_same_upload_submitted_twice_makes_one_project(home_page, tmp_path: Path) -> None:
    """Enter in the name field submits the form, and the files stay chosen: pressing
    Create project after it must not import them a second time."""
    _, page = home_page
    store = Store(tmp_path / "home")
    before = len(store.list_projects())
    page.get_by_text("➕ New project").click()
    page.get_by_role("tab", name="Import files").click()
    page.locator('input[type="file"]').first.set_input_files(str(FACE_RECORDING))
    chip = page.get_by_test_id("stFileChip").first
    chip.wait_for(timeout=30_000)
    chip.get_by_test_id("stFileChipIconSpinner").wait_for(state="detached", timeout=60_000)
    name = page.get_by_label("Project name (optional)")
    name.fill("Twice")
    name.press("Enter")
    wait_until(lambda: (jobs := store.jobs.listing(kinds=("import",)))
               and not jobs[0].active, "the import to end", timeout=120, every=0.2)
    # the page reruns once when the job it shows ends (a press racing that rerun is lost
    # to Streamlit); press again once the page shows the import's result
    page.get_by_text("Import files: Project", exact=False).wait_for(timeout=60_000)
    settled(page)
    page.get_by_role("button", name="Create project").click()
    page.get_by_text("These files are already imported").wait_for(timeout=60_000)
    screenshot(page, "import-twice-again")
    settled(page)
    assert len(store.jobs.listing(kinds=("import",))) == 1
    assert [s.project.name for s in store.list_projects()].count("Twice") == 1
    assert len(store.list_projects()) == before + 1
    assert page.locator('[data-testid="stException"]').count() == 0


SPAN_POSITION = """([start, end]) => {
    const chart = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    const trace = chart._fullData.find(t => t.name === 'fused'), layout = chart._fullLayout;
    const xaxis = layout[trace.xaxis.replace('x', 'xaxis')];
    const yaxis = layout[trace.yaxis.replace('y', 'yaxis')];
    const frame = chart.getBoundingClientRect();
    return {x0: frame.left + xaxis._offset + xaxis.d2p(start),
            x1: frame.left + xaxis._offset + xaxis.d2p(end),
            y: frame.top + yaxis._offset + yaxis.d2p(0.5)};
}"""


def test_studio_box_drag_renders_that_span_and_a_double_click_clears_it(
        home_page, tmp_path: Path) -> None:
    """With the box tool, drag a box over 0:17–0:22 of the demo's studio chart, toggle
    the title caption, press Render: the library shows the one short, cut for the box; the player
    starts at the box; a double click on the chart then clears the pick."""
    url, page = home_page
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(f"{url}/shorts?project=1")
    page.get_by_text("Highlights studio · Demo: the Shortory show").wait_for(timeout=60_000)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=30_000)
    settled(page)
    found = page.get_by_role("button", name="Render").inner_text()
    span = page.evaluate(SPAN_POSITION, ["1970-01-01 00:00:17", "1970-01-01 00:00:22"])
    page.mouse.move(span["x0"], span["y"])  # the chart's tool bar shows while hovered
    page.locator('.modebar-btn[data-title="Box Select"]').first.click()
    page.mouse.move(span["x0"], span["y"])
    page.mouse.down()
    page.mouse.move(span["x1"], span["y"], steps=12)
    page.mouse.up()
    page.get_by_role("button", name="Render 1 short").wait_for(timeout=60_000)
    page.wait_for_function(  # the player beside the chart starts at the box
        "() => { const v = document.querySelector('video');"
        " return v && v.currentTime >= 16 && v.currentTime <= 18; }", timeout=60_000)
    settled(page)
    page.get_by_text("Title only").click()
    # the rerun the choice asked for has drawn the page: the title needs no second switch
    expect(page.get_by_label("Add the title line")).to_be_disabled(timeout=60_000)
    settled(page)
    page.get_by_role("button", name="Render 1 short").click()  # the pick outlived the toggle
    page.get_by_text("Download the clip (zip)").wait_for(timeout=240_000)
    [clip] = Store(tmp_path / "home").clips(1)
    assert [round(x) for x in clip.meta["asked"]] == [17, 22] and clip.meta["title"]
    assert abs(clip.start - 17) <= 1.6 and abs(clip.end - 22) <= 1.6  # snapped, if at all
    settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "studio-box")
    page.mouse.dblclick((span["x0"] + span["x1"]) / 2, span["y"])
    page.get_by_role("button", name=found).wait_for(timeout=60_000)  # back to every peak
    settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0
