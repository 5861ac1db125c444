"""Sessions do not see each other's data or jobs; the app's settings match the core's limits."""

import threading
import tomllib
from pathlib import Path

from app_state import JobKind, Key, Page
from core.tables import max_upload_bytes
from tests.app.conftest import APP, open_page, texts


def test_two_sessions_are_isolated(app_env):
    from streamlit.testing.v1 import AppTest

    from views._widgets import job_registry

    first = AppTest.from_file(APP, default_timeout=120).run()
    second = AppTest.from_file(APP, default_timeout=120).run()
    first.button(key="example_freesolv").click().run()
    assert first.session_state[Key.DATASET].name == "freesolv"
    assert first.session_state[Key.OWNER] != second.session_state[Key.OWNER]
    release = threading.Event()
    job = job_registry().submit(first.session_state[Key.OWNER], lambda report: release.wait(10), name="screen",
                                kind=JobKind.SCREEN)
    try:
        open_page(second, Page.TRANSFER)
        assert "No data yet" in texts(second.info)  # the first session's data is not here
        assert not second.get("progress")  # nor its job
        first.run()
        assert first.get("progress")
    finally:
        release.set()
        job.wait(5)


def test_streamlit_settings():
    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == max_upload_bytes()
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["address"] == "127.0.0.1"  # local by default (the browser test checks the sockets)
