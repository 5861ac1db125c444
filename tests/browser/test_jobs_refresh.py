"""A running screen is never lost: a refresh finds it with its live progress, and the sidebar
turns to "finished" (with a notice) by itself while the user is on another page."""

import re
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import ARTIFACTS, JOB_WAIT_MS, no_exception, screenshot, wait_idle, wait_results

pytestmark = pytest.mark.browser

SIDEBAR = "[data-testid='stSidebar']"
PROGRESS = "[data-testid='stProgress']"


def start_screen(p, server) -> None:
    p.goto(server.url)
    p.get_by_role("button", name="Try an example: FreeSolv (molecules)").click()
    p.get_by_role("button", name="Start").wait_for(timeout=60_000)
    wait_idle(p)
    p.get_by_role("button", name="Start").click()
    p.locator(PROGRESS).first.wait_for(timeout=60_000)


def percent(p) -> int:
    """The progress bar's percentage, -1 when there is none (the screen may finish, and its bar
    go, between a look for the bar and the read of its text)."""
    try:
        text = p.locator(PROGRESS).first.inner_text(timeout=2_000)
    except PlaywrightTimeoutError:
        return -1
    found = re.search(r"(\d+)%", text)
    return int(found.group(1)) if found else -1


def test_a_refresh_during_a_screen_finds_the_job_and_its_progress(server, page):
    p = page.page
    start_screen(p, server)
    before = percent(p)
    p.reload()
    # a new Streamlit session: the cookie brings the browser's jobs back, with the screen's data
    p.get_by_text("Your screen is still running: here is its progress.").wait_for(timeout=60_000)
    p.locator(PROGRESS).first.wait_for(timeout=30_000)
    assert "freesolv" in p.locator("[data-testid='stMain']").inner_text()
    assert "is running" in p.locator(SIDEBAR).inner_text()
    screenshot(p, "refresh-during-screen")
    seen = [percent(p)]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and p.locator(PROGRESS).count() and percent(p) <= max(seen):
        p.wait_for_timeout(500)  # the progress is live: it moves without a click
        if p.locator(PROGRESS).count():
            seen.append(percent(p))
    assert max(seen) >= before and (max(seen) > seen[0] or p.locator(PROGRESS).count() == 0)
    # when it ends, the page opens its results by itself (as it would have without the refresh)
    wait_results(p, server)
    no_exception(p)
    assert page.external_requests() == [], page.external_requests()


def test_the_sidebar_turns_to_finished_without_a_click(server, page):
    p = page.page
    start_screen(p, server)
    p.get_by_role("link", name="Library", exact=True).first.click()  # the last click
    p.get_by_role("heading", name="Model library", exact=True).wait_for(timeout=60_000)
    sidebar = p.locator(SIDEBAR)
    assert "is running" in sidebar.inner_text()
    started = time.monotonic()
    p.get_by_text(re.compile(r"screen of freesolv finished$")).first.wait_for(timeout=JOB_WAIT_MS)
    waited = time.monotonic() - started
    toast = p.locator("[data-testid='stToast']")
    toast.first.wait_for(timeout=10_000)
    assert "finished" in toast.first.inner_text()
    assert "is running" not in sidebar.inner_text()
    assert p.get_by_role("heading", name="Model library", exact=True).is_visible()  # still where the user was
    assert p.get_by_role("link", name="Current results").is_visible()
    (ARTIFACTS / "sidebar-finished.txt").write_text(f"finished shown {waited:.1f} s after the last click\n")
    screenshot(p, "sidebar-finished")
    no_exception(p)
