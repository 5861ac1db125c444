"""Names in words and one number per thing, in the real browser, on a real screen of the
starter library: no internal id in the visible text of Results, Transfer and Predict
(figures included), and the verdict's number is the parity plot's."""

import re

import pytest

from tests.browser.conftest import (JOB_WAIT_MS, MACHINE_ID, figure_overlaps, no_exception, screenshot, visible_text,
                                    wait_idle, wait_results)

pytestmark = pytest.mark.browser


def ids_in(text: str) -> list[str]:
    return sorted({m.group(0) for m in MACHINE_ID.finditer(text)})


@pytest.fixture(scope="module")
def finished(server, browser):
    """A browser context that ran the FreeSolv example to its Results page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    p = context.new_page()
    p.goto(server.url)
    p.get_by_role("button", name="Try an example: FreeSolv (molecules)").click()
    p.get_by_role("button", name="Start").wait_for(timeout=60_000)
    wait_idle(p)
    p.get_by_role("button", name="Start").click()
    wait_results(p, server)
    yield p
    context.close()


def test_results_speaks_words_and_the_verdict_number_is_the_parity_titles(finished):
    p = finished
    no_exception(p)
    text = visible_text(p)
    assert ids_in(text) == [], ids_in(text)
    tile = p.locator("[data-testid='stMetric']").filter(has_text="Recommended: nested MAE")
    value = tile.locator("[data-testid='stMetricValue']").inner_text().strip()  # e.g. "1.53 kcal/mol"
    assert re.fullmatch(r"-?[\d.]+(e[-+]?\d+)? kcal/mol", value), value
    verdict = p.locator("[data-testid='stAlert']").first.inner_text()
    assert value in verdict  # the verdict names the recommended model's number, rounded the same way
    titles = p.evaluate("""() => [...document.querySelector('.js-plotly-plot').querySelectorAll('g.annotation')]
                                  .map(a => a.textContent)""")
    first = next(t for t in titles if t.startswith("recommended:"))
    assert f"MAE {value}" in first, (first, value)
    for tab in ("CV error distribution", "Transferability heatmap", "Run details", "Ranking"):
        p.get_by_role("tab", name=tab).click()
        wait_idle(p)
        assert ids_in(visible_text(p)) == [], (tab, ids_in(visible_text(p)))
        assert figure_overlaps(p) == [], (tab, figure_overlaps(p))
    screenshot(p, "words-results")


def test_transfer_speaks_words(finished):
    p = finished
    p.get_by_role("link", name="Transfer", exact=True).first.click()
    p.get_by_role("heading", name="Shotgun transfer", exact=True).wait_for(timeout=60_000)
    wait_idle(p)
    p.get_by_text("Settings (every one changes the run)").click()  # the settings too
    wait_idle(p)
    text = visible_text(p)
    assert "Will run:" in text and ids_in(text) == [], ids_in(text)
    no_exception(p)


def test_predict_speaks_words(finished):
    p = finished
    p.get_by_role("link", name="Predict", exact=True).first.click()
    p.get_by_role("heading", name="Predict new structures", exact=True).wait_for(timeout=60_000)
    wait_idle(p)
    p.locator("textarea").first.fill("CCO\nc1ccccc1O\nCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC")
    p.keyboard.press("Control+Enter")
    wait_idle(p)
    p.get_by_role("button", name="Predict").click()
    p.get_by_text("Intervals: prediction").wait_for(timeout=JOB_WAIT_MS)
    wait_idle(p)
    text = visible_text(p)
    assert "Model: " in text and " kcal/mol" in text
    assert ids_in(text) == [], ids_in(text)
    no_exception(p)
    screenshot(p, "words-predict")
