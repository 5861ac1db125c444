"""Browser tests: the real app in a subprocess, driven by Playwright through Debian's chromium.

Skipped (with the reason) when /usr/bin/chromium or the playwright package is missing.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"
#: Longest wait (ms) for work that runs a screen or a prediction job: a FreeSolv example screen takes
#: 20-30 s on a slow 2-core machine with nothing else running; a CI machine shared with other work
#: can take several times that.  A wait this long only shows when something is broken.
JOB_WAIT_MS = 300_000
LOCAL_PREFIXES = ("http://localhost", "http://127.0.0.1", "ws://localhost", "ws://127.0.0.1", "data:", "blob:",
                  "about:")

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None
    PlaywrightTimeout = TimeoutError

MISSING = (f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
           if not os.path.exists(CHROMIUM) else
           "browser tests need the playwright package (pip install -r requirements-dev.txt)"
           if sync_playwright is None else None)


@pytest.fixture(autouse=True)
def _browser_available():
    """Skip (with the reason) where chromium or playwright is missing, however pytest is
    invoked (a module-level skip in a conftest only works from the repository root)."""
    if MISSING:
        pytest.skip(MISSING)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``streamlit run app.py`` on a free port, with its own runs and user-library folders.

    ``as_configured=True`` starts it as a user does, with no address or statistics flags
    on the command line: what ``.streamlit/config.toml`` says decides.
    """

    def __init__(self, runs: Path, env: dict | None = None, as_configured: bool = False):
        self.as_configured = as_configured
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "MDL_RUNS": str(runs), "MDL_USER_LIBRARIES": str(runs.parent / "user_libraries"),
                    **(env or {})}
        self.env.pop("MDL_LIBRARY", None) if env is None or "MDL_LIBRARY" not in env else None
        self.log = runs.parent / f"streamlit-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.started = 0.0

    def start(self, timeout: float = 90.0) -> "AppServer":
        self.started = time.monotonic()
        flags = [] if self.as_configured else ["--server.headless", "true", "--server.address", "127.0.0.1",
                                               "--browser.gatherUsageStats", "false"]
        self.proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port",
                                      str(self.port), *flags],
                                     cwd=ROOT, env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)  # fine steps: bench/app_start.py times the start with this
        self.stop()
        raise RuntimeError("streamlit did not start in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "runs"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def server(runs_dir):
    """One app server for the browser tests that do not time a cold start."""
    app = AppServer(runs_dir).start()
    yield app
    app.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class RecordedPage:
    """A page that records every request URL and console error."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def external_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_PREFIXES)]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    recorded = RecordedPage(context.new_page())
    yield recorded
    context.close()


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app has finished its script run and drawn every element."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        """() => {
            const status = document.querySelector("[data-testid='stStatusWidget']");
            const running = status && /Running|Connecting/i.test(status.innerText);
            const skeletons = document.querySelectorAll("[data-testid='stSkeleton']").length;
            const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
            const drawn = charts.every(c => c.querySelector(".main-svg"));
            return !running && skeletons === 0 && drawn;
        }""", timeout=timeout)
    page.wait_for_timeout(500)


def page_state(page, server: "AppServer | None" = None) -> str:
    """What the page shows now, for a failure message: the app's status, its charts (drawn or
    not), any exception box, the visible text, and the end of the server's log."""
    state = page.evaluate("""() => {
        const status = document.querySelector("[data-testid='stStatusWidget']");
        const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
        return {url: location.href, status: status ? status.innerText : "",
                charts: charts.length, drawn: charts.filter(c => c.querySelector(".main-svg")).length,
                skeletons: document.querySelectorAll("[data-testid='stSkeleton']").length,
                exceptions: [...document.querySelectorAll("[data-testid='stException']")].map(e => e.innerText)};
    }""")
    text = page.locator("body").inner_text()[:3000]
    log = server.log.read_text()[-3000:] if server is not None and server.log.exists() else ""
    return f"{state}\n--- visible text:\n{text}\n--- server log (end):\n{log}"


def wait_results(page, server: "AppServer | None" = None, timeout: float = JOB_WAIT_MS) -> None:
    """Wait until a finished screen's Results page is drawn whole (heading, parity plot, every
    chart, the script run ended).  A timeout fails with what the page showed and a screenshot
    (``test-artifacts/results-timeout.png``), so a failure says why."""
    try:
        page.get_by_role("heading", name="Results", exact=True).wait_for(timeout=timeout)
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=timeout)
        wait_idle(page, timeout)
    except PlaywrightTimeout as exc:
        screenshot(page, "results-timeout")
        raise AssertionError(f"the Results page was not drawn: {exc}\n{page_state(page, server)}") from None


#: What a machine id looks like in visible text: a candidate id (``a|b``), a model id
#: (``-s0-03``), a descriptor key, a column or strategy name of the engine, a raw ISO time,
#: an absolute path.
MACHINE_ID = re.compile(
    r"[\w.+-]\|[\w.+-]|-s\d+-\d\d\b|\{\"|polymer_ends|"
    r"\b(cv_mae|cv_mae_std|improvement_pct|source_test_r2|model_domain|descriptor_key|model_id|nested_mae|"
    r"source_unit|ridge\+raw|scratch_rf|scratch_et|scratch_mean|scratch_ridge|scratch_net|bayes_ridge|finetune_last|finetune_all)\b|"
    r"\d{4}-\d\d-\d\dT\d\d:\d\d|(?<![\w.])/(tmp|work|home|root|usr)/")


def visible_text(page) -> str:
    """What a user can read: the page's rendered text and the text drawn in its figures."""
    figures = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .filter(p => p.offsetParent !== null)
        .map(p => [...p.querySelectorAll('text')].map(t => t.textContent).join(' | ')).join('\\n')""")
    return page.locator("body").inner_text() + "\n" + figures


def figure_overlaps(page) -> list[str]:
    """Pairs of text boxes that overlap inside any drawn plotly figure: its title, legend,
    axis titles, annotations (subplot titles, labels) and colour bar."""
    return page.evaluate("""() => {
        const found = [];
        const hit = (a, b) => a.width > 0 && b.width > 0 && a.left < b.right - 1 && b.left < a.right - 1
                              && a.top < b.bottom - 1 && b.top < a.bottom - 1;
        for (const plot of document.querySelectorAll('.js-plotly-plot')) {
            if (plot.offsetParent === null) continue;
            const parts = [];
            const add = (sel, name) => plot.querySelectorAll(sel).forEach((el, i) => {
                const box = el.getBoundingClientRect();
                if (box.width > 0 && box.height > 0) parts.push([name + i + ':' + (el.textContent || '').slice(0, 40), box]);
            });
            add('.gtitle', 'title'); add('g.legend', 'legend'); add('.g-xtitle text, .g-x2title text', 'xtitle');
            add('.g-ytitle text', 'ytitle'); add('g.annotation-text-g', 'annotation'); add('g.colorbar', 'colorbar');
            for (let i = 0; i < parts.length; i++)
                for (let j = i + 1; j < parts.length; j++)
                    if (hit(parts[i][1], parts[j][1])) found.push(parts[i][0] + '  <->  ' + parts[j][0]);
        }
        return found;
    }""")


def no_exception(page) -> None:
    boxes = page.locator("[data-testid='stException']")
    assert boxes.count() == 0, boxes.first.inner_text()


def screenshot(page, name: str, max_height: int = 9000) -> Path:
    """The whole page as a user scrolls it: Streamlit scrolls an inner container, so the
    viewport is made as tall as the content for the picture, then put back."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        "[data-testid='stMain'], [data-testid='stAppViewContainer'], section.main, [data-testid='stSidebarContent']")]
        .map(e => e.scrollHeight), document.body.scrollHeight)""")
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, max_height)})
        page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    if size:
        page.set_viewport_size(size)
    return path
