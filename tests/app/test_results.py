"""Results page: verdict, nested estimate, parity plot of any candidate, ranking, heatmaps,
learning curve on request, downloads, past runs and reopening after a refresh."""

import shutil

import pytest

from app_state import HeatmapAxis, Key, Page
from tests.app.conftest import open_page, texts, wait_for_jobs


@pytest.fixture
def results(app, saved_run):
    app.session_state[Key.RUN_PATH] = str(saved_run)
    return open_page(app, Page.RESULTS)


def charts(at):
    return [c for c in at.get("plotly_chart")]


def test_without_a_run(app):
    at = open_page(app, Page.RESULTS)
    assert "No run in this session yet" in texts(at.info)
    assert "No saved runs yet." in texts(at.caption)


def test_verdict_nested_estimate_and_parity(results, saved_run):
    from core.transfer.runs import load_run

    run = load_run(saved_run)
    at = results
    unit = run.target["unit"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[f"Recommended model: nested MAE ({unit})"] == f"{run.summary['nested_mae']:.3g}"
    assert metrics[f"Naive best CV MAE (optimistic) ({unit})"] == f"{run.summary['naive_best_cv_mae']:.3g}"
    assert metrics[f"Best random-weight control ({unit})"] == f"{run.summary['control']['best_random_cv_mae']:.3g}"
    assert run.summary["nested_explanation"] in texts(at.caption)
    assert run.summary["verdict"] in texts(at.success) + texts(at.warning) + texts(at.info)
    parity = charts(at)[0].proto.spec
    assert "recommended: " in parity and "procedure (nested)" in parity
    assert f"MAE {run.summary['nested_mae']:.3g}" in parity  # the verdict's number is the plot's


def test_choosing_another_candidate_redraws_the_parity_plot(results, saved_run):
    at = results
    box = next(s for s in at.selectbox if s.label.startswith("Compare with a single candidate"))
    before = charts(at)[0].proto.spec
    assert box.options[0] == "none" and box.options[1].startswith("#1 ")
    from core.transfer.runs import load_run

    fourth = load_run(saved_run).ranking["candidate"][3]
    at.session_state[box.key] = fourth  # AppTest cannot pick options shown through a format_func
    at.run()
    after = charts(at)[0].proto.spec
    assert before != after


def test_ranking_table_downloads_and_figures(results):
    at = results
    ranking = next(d.value for d in at.dataframe if "improvement_pct" in d.value.columns)
    assert list(ranking.columns[:2]) == ["rank", "label"]
    assert list(ranking["rank"][:3]) == [1, 2, 3] and ranking["cv_mae"].is_monotonic_increasing
    labels = [b.label for b in at.get("download_button")]
    for label in ("Ranking (CSV)", "Out-of-fold predictions (CSV)", "Nested estimate folds (CSV)", "HTML", "PNG"):
        assert label in labels
    # parity, ranking bars, CV-error distribution, strategy heatmap
    assert len(charts(at)) >= 4


def test_heatmap_against_bundled_targets(results):
    at = results
    at.radio(key="heatmap_axis").set_value(HeatmapAxis.TARGET).run()
    at.multiselect(key="heat_targets").set_value(["chemicals_cetane"]).run()
    at.button(key="heat_start").click().run()
    wait_for_jobs(at)
    spec = charts(at)[-1].proto.spec
    assert "heatmap" in spec and "chemicals_cetane" in spec and "dG" in spec


def test_learning_curve_on_request(results):
    at = results
    at.number_input(key="lc_repeats").set_value(1).run()
    at.button(key="lc_start").click().run()
    wait_for_jobs(at)
    spec = charts(at)[-1].proto.spec
    assert "held-out MAE" in spec and "transfer" in spec and "scratch" in spec


def test_refresh_reopens_the_run_from_the_url(app, app_env, saved_run):
    runs = app_env / "runs"
    runs.mkdir(exist_ok=True)
    shutil.copytree(saved_run, runs / saved_run.name)
    app.query_params["run"] = saved_run.name
    at = open_page(app, Page.RESULTS)
    assert at.session_state[Key.RUN_PATH] == str((runs / saved_run.name).resolve())
    assert any(m.label.startswith("Recommended model: nested MAE") for m in at.metric)


def test_url_cannot_point_outside_the_runs_folder(app, app_env):
    app.query_params["run"] = "../../etc"
    at = open_page(app, Page.RESULTS)
    assert "No run in this session yet" in texts(at.info)


def test_past_runs_can_be_reopened(app, app_env, saved_run):
    runs = app_env / "runs"
    runs.mkdir(exist_ok=True)
    shutil.copytree(saved_run, runs / saved_run.name)
    at = open_page(app, Page.RESULTS)
    assert any("dG" in str(d.value) for d in at.dataframe)
    at.button(key="runopen_results_empty").click().run()
    assert any(m.label.startswith("Recommended model: nested MAE") for m in at.metric)


def test_a_folder_that_is_not_a_run(app, tmp_path):
    (tmp_path / "junk").mkdir()
    app.session_state[Key.RUN_PATH] = str(tmp_path / "junk")
    at = open_page(app, Page.RESULTS)
    assert "No run in this session yet" in texts(at.info)
