"""Every page opens in a real browser without an exception; a screenshot of each is saved."""

import shutil

import pytest

from tests.browser.conftest import no_exception, screenshot, wait_idle

pytestmark = pytest.mark.browser

#: page -> (sidebar link, heading)
PAGES = {"home": ("Home", "Predict a materials property"), "learn": ("Learn", "Learn: shotgun transfer"),
         "data": ("Data", "Data"), "library": ("Library", "Model library"),
         "transfer": ("Transfer", "Shotgun transfer"),
         "results": ("Results", "Results"), "predict": ("Predict", "Predict new structures"),
         "build": ("Build library", "Build library")}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_opens_and_is_captured(server, page, runs_dir, saved_run, name):
    """A session with the FreeSolv example loaded visits the page through the sidebar
    (Results and Predict with a saved run: the main-flow test's, or the suite's own)."""
    link, title = PAGES[name]
    p = page.page
    runs = sorted(r.name for r in runs_dir.iterdir() if (r / "run.json").exists())
    if not runs:  # this test ran alone or first
        shutil.copytree(saved_run, runs_dir / saved_run.name)
        runs = [saved_run.name]
    query = f"?run={runs[-1]}" if name in ("results", "predict") else ""
    p.goto(f"{server.url}/results{query}" if query else server.url)
    if not query:
        p.get_by_role("button", name="Try an example: FreeSolv (molecules)").click()
        p.get_by_role("heading", name="Shotgun transfer").wait_for(timeout=60_000)
        wait_idle(p)
    p.get_by_role("link", name=link, exact=True).first.click()
    p.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    wait_idle(p)
    no_exception(p)
    shot = screenshot(p, f"page-{name}")
    assert shot.stat().st_size > 10_000
    assert page.external_requests() == [], page.external_requests()


def test_first_request_for_a_page_url_gets_the_apps_navigation(browser, runs_dir):
    """A fresh server whose first request is a deep link still runs app.py (not Streamlit's
    legacy listing of the files in pages/)."""
    from tests.browser.conftest import AppServer

    fresh = AppServer(runs_dir).start()
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1100})
        p = context.new_page()
        p.goto(f"{fresh.url}/transfer")
        p.get_by_role("heading", name="Shotgun transfer").wait_for(timeout=60_000)
        wait_idle(p)
        nav = p.locator("[data-testid='stSidebarNav']").inner_text()
        assert "Build library" in nav and "widgets" not in nav and "app" not in nav.split()
        assert "Device: CPU" in p.content() or "Device: GPU" in p.content()  # app.py's sidebar
        no_exception(p)
        context.close()
    finally:
        fresh.stop()
