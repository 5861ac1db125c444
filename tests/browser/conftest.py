"""Browser tests: the real app in a subprocess, driven by Playwright through Debian's chromium.

Skipped (with the reason) when /usr/bin/chromium or the playwright package is missing.
"""

from __future__ import annotations

import os
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
LOCAL_PREFIXES = ("http://localhost", "http://127.0.0.1", "ws://localhost", "ws://127.0.0.1", "data:", "blob:",
                  "about:")

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

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
    """``streamlit run app.py`` on a free port, with its own runs and user-library folders."""

    def __init__(self, runs: Path, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.env = {**os.environ, "MDL_RUNS": str(runs), "MDL_USER_LIBRARIES": str(runs.parent / "user_libraries"),
                    **(env or {})}
        self.env.pop("MDL_LIBRARY", None) if env is None or "MDL_LIBRARY" not in env else None
        self.log = runs.parent / f"streamlit-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.started = 0.0

    def start(self, timeout: float = 90.0) -> "AppServer":
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
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
                time.sleep(0.3)
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


def no_exception(page) -> None:
    boxes = page.locator("[data-testid='stException']")
    assert boxes.count() == 0, boxes.first.inner_text()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
