"""Transfer page: settings become one ScreenConfig, the screen runs in the background with
progress and cancel, and a finished run opens on Results."""

import threading

import pytest

from app_state import JobKind, Key, Page
from tests.app.conftest import MOLECULES, open_page, small_dataset, texts, wait_for_jobs, with_dataset


def test_without_data_the_page_says_where_to_get_it(app):
    at = open_page(app, Page.TRANSFER)
    assert "No data yet" in texts(at.info)
    assert not [b for b in at.button if b.key == "start_screen"]


def test_device_and_dataset_are_shown(app):
    at = with_dataset(app, small_dataset())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Device in use"].startswith(("CPU", "GPU")) and metrics["Rows"] == "24"
    # the molecule models of the tiny library (not the inorganic)
    assert metrics["Library models that read these structures"] == "4"


def test_screen_runs_in_background_and_opens_results(app, app_env):
    at = with_dataset(app, small_dataset())
    at.number_input(key="top_quick").set_value(2).run()
    at.number_input(key="ntop_quick").set_value(1).run()
    at.button(key="start_screen").click().run()
    assert not at.exception
    wait_for_jobs(at)
    assert at.title[0].value == "Results"
    run = at.session_state[Key.RUN_PATH]
    assert run.startswith(str(app_env / "runs")) and (app_env / "runs").exists()
    import json
    from pathlib import Path

    config = json.loads((Path(run) / "run.json").read_text())["config"]
    assert config["top"] == 2 and config["nested_top"] == 1 and config["rf_trees"] == 25  # quick preset + changes
    assert any(m.label.startswith("Recommended: nested MAE") for m in at.metric)


def test_settings_reach_the_config(app, app_env):
    """Options that change the engine's input are written into the saved run's config."""
    at = with_dataset(app, small_dataset())
    at.segmented_control(key=Key.PRESET).set_value("standard").run()
    at.toggle(key="nested_standard").set_value(False).run()
    at.selectbox(key="cv_standard").set_value("loo").run()
    at.multiselect(key="strategies_standard").set_value(["bayes_ridge"]).run()
    at.radio(key="mode_standard").set_value("models matching a filter").run()
    at.text_input(key="search_standard").input("boiling").run()
    at.button(key="start_screen").click().run()
    wait_for_jobs(at)
    import json
    from pathlib import Path

    meta = json.loads((Path(at.session_state[Key.RUN_PATH]) / "run.json").read_text())
    config = meta["config"]
    assert config["nested"] is False and config["cv"]["kind"] == "loo" and config["search"] == "boiling"
    assert config["strategies"] == ["bayes_ridge"] and config["top"] == 10
    assert meta["summary"]["n_models"] == 2  # only the boiling-point models of the tiny library


def test_too_few_rows_give_a_clear_error(app):
    at = with_dataset(app, small_dataset(MOLECULES[:6]))
    at.button(key="start_screen").click().run()
    assert "at least 8 valid rows are needed" in texts(at.error)


def test_folds_larger_than_the_data_are_refused(app):
    at = with_dataset(app, small_dataset(MOLECULES[:12]))
    at.number_input(key="k_quick").set_value(10).run()
    at.button(key="start_screen").click().run()
    assert ("these settings (10-fold cross-validation, nested estimate) need at least 25 rows; the data have 12. "
            "Choose 4-fold cross-validation instead.") in texts(at.error)


def test_picked_models_mode_needs_picks(app):
    at = with_dataset(app, small_dataset())
    at.radio(key="mode_quick").set_value("models picked on the Library page").run()
    assert "Pick models on the Library page first" in texts(at.warning)
    at.button(key="start_screen").click().run()
    assert "no models picked" in texts(at.error)


def test_progress_and_cancel(app):
    """A running job shows a progress bar with the time left and a cancel button that stops it."""
    from views._widgets import job_registry

    at = with_dataset(app, small_dataset())
    release, reported = threading.Event(), threading.Event()

    def work(report):
        report.progress(0.5, "stage 1: 4/8")
        reported.set()
        while not report.cancelled():
            if release.wait(0.05):
                break
        from core.errors import CancelledError

        raise CancelledError("screen cancelled")

    job = job_registry().submit(at.session_state[Key.OWNER], work, name="screen mols", kind=JobKind.SCREEN)
    try:
        assert reported.wait(10)  # the job's thread has reported before the page looks
        at.run()
        bars = at.get("progress")
        assert bars and "stage 1: 4/8" in bars[0].proto.text and "time left" in bars[0].proto.text
        cancel = next(b for b in at.button if b.label == "Cancel")
        assert next(b for b in at.button if b.key == "start_screen").disabled
        cancel.click().run()
        assert job.wait(5)
        at.run()
        assert "Screen was cancelled" in texts(at.warning)
    finally:
        release.set()


def _refreshed(owner: str):
    """A new session of the same browser (what a refresh is: the owner comes back from its cookie)."""
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[Key.OWNER] = owner
    return at.run()


def test_a_refresh_finds_the_running_screen_its_data_and_progress(app):
    """After a refresh the Transfer page shows the running screen's progress (and its data), the
    sidebar says it runs; when it ends the sidebar says so and Results opens its run."""
    from core.work import screen_work
    from views._widgets import job_registry

    at = with_dataset(app, small_dataset())
    owner = at.session_state[Key.OWNER]
    release, reported = threading.Event(), threading.Event()

    def work(report):
        report.progress(0.4, "stage 1: 2/5")
        reported.set()
        assert release.wait(30)
        return screen_work(small_dataset().to_target(), [str(p) for p in at.session_state[Key.LIBRARIES]],
                     at.session_state[Key.SCREEN_CONFIG], owner=owner)(report)

    job = job_registry().submit(owner, work, name="screen of mols", kind=JobKind.SCREEN,
                                meta={"dataset": small_dataset(), "open_results": True})
    try:
        assert reported.wait(10)
        again = _refreshed(owner)
        assert Key.DATASET not in again.session_state  # a new session: nothing of the old one
        again.switch_page(Page.TRANSFER).run()
        assert again.session_state[Key.DATASET].name == "mols"  # found again, from the job
        bars = again.get("progress")
        assert bars and "stage 1: 2/5" in bars[0].proto.text
        assert "Your screen is still running" in texts(again.info)
        assert any("screen of mols** is running" in c.value for c in again.sidebar.caption)
    finally:
        release.set()
    assert job.wait(120)
    again.run()
    assert any("screen of mols finished" in c.value for c in again.sidebar.caption)
    later = _refreshed(owner)
    later.switch_page(Page.RESULTS).run()  # no run in the URL, none in the session: the job's run
    assert later.session_state[Key.RUN_PATH] == str(job.result["path"])
    assert any(m.label.startswith("Recommended: nested MAE") for m in later.metric)
    import json
    from pathlib import Path

    from core.transfer.runs import owner_hash

    saved = (Path(job.result["path"]) / "run.json").read_text()
    assert json.loads(saved)["owner_hash"] == owner_hash(owner) and owner not in saved  # the token itself never


def _set(at, kind, key, value):
    getattr(at, kind)(key=key).set_value(value)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state[Key.SCREEN_CONFIG]


@pytest.mark.parametrize("kind, key, value, check", [
    ("number_input", "top_quick", 7, lambda c: c.top == 7),
    ("number_input", "k_quick", 3, lambda c: c.cv.k == 3),
    ("select_slider", "layers_quick", 2, lambda c: c.layers == 2),
    ("number_input", "ens_quick", 1, lambda c: c.ensemble == 1),
    ("toggle", "nested_quick", False, lambda c: c.nested is False),
    ("number_input", "ntop_quick", 4, lambda c: c.nested_top == 4),
    ("number_input", "seed_quick", 11, lambda c: c.seed == 11 and c.cv.seed == 11),
    ("multiselect", "strategies_quick", ["rf", "gp"], lambda c: c.strategies == ("rf", "gp")),
    ("multiselect", "baselines_quick", ["scratch_ridge"], lambda c: c.baselines == ("scratch_ridge",)),
    ("multiselect", "domains_quick", ["polymer"], lambda c: c.model_domains == ("polymer",)),
    ("selectbox", "cv_quick", "extrapolation", lambda c: c.cv.kind == "extrapolation"),
])
def test_every_setting_changes_the_config(app, kind, key, value, check):
    at = with_dataset(app, small_dataset())
    before = at.session_state[Key.SCREEN_CONFIG]
    assert not check(before)  # the default differs, so the setting has something to change
    after = _set(at, kind, key, value)
    assert check(after)


def test_repeats_apply_to_repeated_cv(app):
    at = with_dataset(app, small_dataset())
    _set(at, "selectbox", "cv_quick", "repeated")
    config = _set(at, "number_input", "repeats_quick", 3)
    assert config.cv.kind == "repeated" and config.cv.repeats == 3 and "5-fold x 3" in texts(at.caption)


def test_picked_models_become_the_candidates(app):
    app.session_state[Key.PICKED] = ["a-model", "another-model"]
    at = with_dataset(app, small_dataset())
    assert at.session_state[Key.SCREEN_CONFIG].model_ids is None
    config = _set(at, "radio", "mode_quick", "models picked on the Library page")
    assert config.model_ids == ("a-model", "another-model")
    assert "2 models picked on the Library page." in texts(at.caption)


def test_a_setting_that_can_run_is_offered(app):
    at = with_dataset(app, small_dataset(MOLECULES[:12]))
    at.number_input(key="k_quick").set_value(10).run()
    assert "These settings need at least 25 rows; the data have 12. 4-fold cross-validation runs on them." \
        in texts(at.warning)
    at.button(key="use_offer").click().run()
    assert at.number_input(key="k_quick").value == 4
    assert not any("These settings need" in w for w in texts(at.warning))
