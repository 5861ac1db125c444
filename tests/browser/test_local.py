"""Offline and local by default: the app, started as a user starts it, listens on 127.0.0.1
only and opens no connection to another machine while it starts and serves a first page."""

import json
import time

import psutil
import pytest

from tests.browser.conftest import ARTIFACTS, AppServer, RecordedPage, no_exception, wait_idle

pytestmark = pytest.mark.browser

LOOPBACK = ("127.", "::1", "::ffff:127.")


def _sockets(pid: int) -> list:
    try:
        return psutil.Process(pid).net_connections(kind="inet")
    except psutil.NoSuchProcess:
        return []


def test_listens_on_loopback_only_and_opens_no_outbound_connection(browser, runs_dir):
    server = AppServer(runs_dir, as_configured=True)  # no --server.address: config.toml decides
    seen, listening = set(), set()

    def watch(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for conn in _sockets(server.proc.pid):
                if conn.status == psutil.CONN_LISTEN:
                    listening.add(conn.laddr.ip)
                elif conn.raddr:
                    seen.add((conn.raddr.ip, conn.raddr.port, conn.status))
            time.sleep(0.05)

    server.start()
    try:
        watch(3.0)  # the start: Streamlit's banner is where it would look up an external IP
        context = browser.new_context(viewport={"width": 1400, "height": 1100})
        recorded = RecordedPage(context.new_page())
        recorded.page.goto(server.url)
        recorded.page.get_by_role("button", name="Try an example: FreeSolv (molecules)").wait_for(timeout=60_000)
        wait_idle(recorded.page)
        no_exception(recorded.page)
        watch(3.0)  # and a first page served
        context.close()
        outbound = sorted(c for c in seen if not c[0].startswith(LOOPBACK))
        log = server.log.read_text()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "sockets-at-start.json").write_text(json.dumps(
            {"listening": sorted(listening), "remote_ends": sorted(map(list, seen)), "outbound": outbound,
             "banner": [line.strip() for line in log.splitlines() if "URL" in line]}, indent=1))
        assert listening == {"127.0.0.1"}, listening  # not 0.0.0.0 or ::
        assert outbound == [], outbound
        assert "external IP" not in log and "Network URL" not in log and "External URL" not in log
        assert f"http://127.0.0.1:{server.port}" in log
        assert recorded.external_requests() == [], recorded.external_requests()
    finally:
        server.stop()
