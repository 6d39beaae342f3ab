"""The column-mapping step of a new project's import, in a real browser (Chromium)."""

from pathlib import Path

import pytest

from shortory_core.store import Store
from tests.browser import browser_page, choose, needs_chromium, running_app, screenshot
from tests.test_comment_columns_real import real_texts
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, needs_chromium]
VIDEO = Path(__file__).resolve().parents[1] / "shortory_core/demo/assets/reaction_smile_man.mp4"


def test_an_unknown_header_is_mapped_on_the_home_page_before_the_import(tmp_path: Path) -> None:
    texts = real_texts()
    dump = tmp_path / "kommentare.csv"
    dump.write_text("Kommentar;Nutzer;Daumen\n" + "".join(
        f'"{t.replace(chr(34), chr(34) * 2)}";u{i};{i}\n' for i, t in enumerate(texts)))
    home = tmp_path / "home"
    store = Store(home)
    with running_app(home) as url, browser_page() as page:
        page.goto(url)
        page.get_by_text("➕ New project").click()
        page.get_by_role("tab", name="Import files").click()
        uploads = page.locator('input[type="file"]')
        uploads.nth(0).set_input_files(str(VIDEO))
        uploads.nth(1).set_input_files(str(dump))
        chips = page.get_by_test_id("stFileChip")
        chips.nth(1).wait_for(timeout=30_000)
        for chip in (chips.nth(0), chips.nth(1)):
            chip.get_by_test_id("stFileChipIconSpinner").wait_for(state="detached",
                                                                 timeout=60_000)
        page.get_by_label("Project name (optional)").fill("Mapped")
        page.get_by_role("button", name="Create project", exact=True).click()
        page.get_by_text("These columns are not named").wait_for(timeout=60_000)
        assert page.get_by_text("nothing is imported before that").count() == 1
        assert store.jobs.listing(kinds=("import",)) == []  # nothing runs before the choice
        for label, column in (("text", "Kommentar"), ("author", "Nutzer"), ("likes", "Daumen")):
            choose(page, label, column)
        screenshot(page, "import-column-mapping")
        page.get_by_role("button", name="Create project with these columns").click()
        wait_until(lambda: (jobs := store.jobs.listing(kinds=("import",)))
                   and not jobs[0].active, "the import to end", timeout=120, every=0.2)
        [job] = store.jobs.listing(kinds=("import",))
        assert job.status == "done", job.error
        assert "Kommentar → text, Nutzer → author, Daumen → likes" in job.message
    [project] = store.list_projects()
    assert project.project.name == "Mapped" and project.comments == len(texts)
    top = store.top_comments(project.project.id, 1)[0]
    assert (top.author, top.likes) == (f"u{len(texts) - 1}", len(texts) - 1)
