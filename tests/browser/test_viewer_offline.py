"""The 3D viewer draws a canvas with no request leaving the machine."""

import io

import pytest
from PIL import Image

from core.paths import THREEDMOL_JS
from tests.browser.conftest import ARTIFACTS, no_exception, screenshot, wait_idle

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not THREEDMOL_JS.exists(), reason="3Dmol.js is not installed (run scripts/setup.sh)")]


def test_3d_viewer_is_offline(server, page):
    p = page.page
    p.goto(server.url)
    p.get_by_role("button", name="Try an example: FreeSolv (molecules)").click()
    p.get_by_role("button", name="Start").wait_for(timeout=60_000)
    p.get_by_role("link", name="Data", exact=True).first.click()
    p.get_by_text("3D viewer", exact=True).wait_for(timeout=60_000)
    wait_idle(p)
    p.get_by_text("Show in 3D", exact=True).click()
    frame_element = p.locator("iframe").first
    frame_element.wait_for(timeout=60_000)
    frame = frame_element.element_handle().content_frame()
    canvas = frame.wait_for_selector("canvas", timeout=30_000)
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    frame_element.scroll_into_view_if_needed()
    p.wait_for_timeout(1500)
    drawn = frame_element.screenshot(path=str(ARTIFACTS / "viewer-3d.png"))
    image = Image.open(io.BytesIO(drawn)).convert("L")
    dark = sum(1 for value in image.getdata() if value < 200)
    assert dark > 500, "the viewer's canvas stayed blank"  # atoms and bonds were drawn
    wait_idle(p)
    no_exception(p)
    screenshot(p, "data-3d-viewer")
    assert page.external_requests() == [], page.external_requests()
    assert not [e for e in page.errors if "3Dmol" in e], page.errors
