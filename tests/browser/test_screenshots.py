"""Every page opens in a real browser without an exception, at 1400 and at 1000 px wide; no
figure's title, legend, axis titles or annotations overlap; a screenshot of each is saved
under test-artifacts/ (page-<name>-<width>.png) to be looked at.  The class demo runs in one
click, its lessons, figures and handout are captured too."""

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, JOB_WAIT_MS, figure_overlaps, no_exception, screenshot, wait_idle

pytestmark = pytest.mark.browser

#: page -> (sidebar link, heading)
PAGES = {"home": ("Home", "Predict a materials property"), "learn": ("Learn", "Learn: shotgun transfer"),
         "data": ("Data", "Data"), "library": ("Library", "Model library"),
         "transfer": ("Transfer", "Shotgun transfer"),
         "results": ("Results", "Results"), "predict": ("Predict", "Predict new structures"),
         "build": ("Build library", "Build library")}
WIDTHS = (1400, 1000)
#: Seconds the class demo may take on a 2-core machine (the issue's goal: 30).
DEMO_SECONDS = 30


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_opens_and_is_captured(server, browser, runs_dir, saved_run, name, width):
    """A session with the FreeSolv example loaded visits the page through the sidebar
    (Results and Predict with a saved run: the suite's own, or one a test before made)."""
    from tests.browser.conftest import RecordedPage

    link, title = PAGES[name]
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = RecordedPage(context.new_page())
    p = page.page
    runs = sorted((r for r in runs_dir.iterdir() if (r / "run.json").exists()), key=lambda r: r.stat().st_mtime)
    if not runs:  # this test ran alone or first
        shutil.copytree(saved_run, runs_dir / saved_run.name)
        runs = [runs_dir / saved_run.name]
    query = f"?run={runs[-1].name}" if name in ("results", "predict") else ""
    p.goto(f"{server.url}/results{query}" if query else server.url)
    if not query:
        p.get_by_role("button", name="Try an example: FreeSolv (molecules)").click()
        p.get_by_role("heading", name="Shotgun transfer", exact=True).wait_for(timeout=60_000)
        wait_idle(p)
    p.get_by_role("link", name=link, exact=True).first.click()
    p.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    wait_idle(p)
    no_exception(p)
    assert figure_overlaps(p) == [], figure_overlaps(p)
    shot = screenshot(p, f"page-{name}-{width}")
    assert shot.stat().st_size > 10_000
    tabs = p.get_by_role("tab")
    for i in range(tabs.count()):  # the figures behind every tab too
        label = tabs.nth(i).inner_text()
        tabs.nth(i).click()
        wait_idle(p)
        assert figure_overlaps(p) == [], (label, figure_overlaps(p))
        no_exception(p)
    assert page.external_requests() == [], page.external_requests()
    context.close()


def test_class_demo_in_one_click_with_its_lessons_and_handout(server, browser):
    """One click on Learn: the prepared demo runs, three lessons with its numbers appear, and
    the one-page handout downloads; timed against the issue's 30 s (written to test-artifacts)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    p = context.new_page()
    p.goto(f"{server.url}/learn")
    p.get_by_role("heading", name="Learn: shotgun transfer").first.wait_for(timeout=60_000)
    wait_idle(p)
    button = p.get_by_role("button", name="Run the class demo")
    started = time.monotonic()
    button.click()
    p.get_by_text("1. Transfer can help.").wait_for(timeout=JOB_WAIT_MS)
    seconds = time.monotonic() - started
    wait_idle(p)
    no_exception(p)
    text = p.locator("[data-testid='stMain']").inner_text()
    job = re.search(r"Class demo finished in ([\d.]+) s", text)
    print(f"\nthe demo's screen ran {job.group(1) if job else '?'} s of it")
    for lesson in ("2. The best of many is optimistic.", "3. Intensive sources transfer."):
        assert lesson in text
    assert " K " in text or " K." in text or " K;" in text  # the run's numbers, with the target's unit
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "class-demo.json").write_text(json.dumps({"seconds": round(seconds, 1), "goal": DEMO_SECONDS,
                                                           "screen_seconds": float(job.group(1)) if job else None}))
    print(f"\nclass demo: {seconds:.1f} s from the click to the lessons")
    for width in WIDTHS:
        p.set_viewport_size({"width": width, "height": 1000})
        wait_idle(p)
        assert figure_overlaps(p) == [], (width, figure_overlaps(p))
        screenshot(p, f"learn-class-demo-{width}")
    with p.expect_download(timeout=60_000) as download:
        p.get_by_role("button", name="One-page handout of this run (HTML, print it or save it as PDF)").click()
    handout = Path(download.value.path()).read_text()
    assert "What this run teaches" in handout and "<script" not in handout and "http" not in handout.split("</style>")[0]
    (ARTIFACTS / "class-demo-handout.html").write_text(handout)
    sheet = context.new_page()
    sheet.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    sheet.set_content(handout)
    sheet.screenshot(path=str(ARTIFACTS / "class-demo-handout.png"), full_page=True)
    pdf = sheet.pdf(path=str(ARTIFACTS / "class-demo-handout.pdf"), format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"the handout prints on {pages} A4 pages"
    assert seconds < 2 * DEMO_SECONDS, f"{seconds:.1f} s"  # the goal is 30 s; twice it fails on any machine
    context.close()


def test_first_request_for_a_page_url_gets_the_apps_navigation(browser, runs_dir):
    """A fresh server whose first request is a deep link still runs app.py (not Streamlit's
    legacy listing of the files of a pages/ folder)."""
    from tests.browser.conftest import AppServer

    fresh = AppServer(runs_dir).start()
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1100})
        p = context.new_page()
        p.goto(f"{fresh.url}/transfer")
        p.get_by_role("heading", name="Shotgun transfer", exact=True).wait_for(timeout=60_000)
        wait_idle(p)
        nav = p.locator("[data-testid='stSidebarNav']").inner_text()
        assert "Build library" in nav and "widgets" not in nav and "app" not in nav.split()
        assert "Device: CPU" in p.content() or "Device: GPU" in p.content()  # app.py's sidebar
        no_exception(p)
        context.close()
    finally:
        fresh.stop()
