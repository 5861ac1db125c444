"""Results page: verdict, nested estimate, parity plot of any candidate, ranking, heatmaps,
learning curve on request, downloads, past runs and reopening after a refresh."""

import json
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
    assert "No saved runs of this browser yet" in texts(at.caption)


def test_verdict_nested_estimate_and_parity(results, saved_run):
    from core.labels import number
    from core.transfer.runs import load_run

    run = load_run(saved_run)
    at = results
    unit = run.target["unit"]
    metrics = {m.label: m.value for m in at.metric}
    # one number per thing: the tiles say what the verdict says, rounded the same way, with the unit
    assert metrics["Recommended: nested MAE"] == number(run.summary["nested_mae"], unit)
    assert metrics["Recommended: nested MAE"].endswith(" kcal/mol")
    assert metrics["Best CV MAE (optimistic)"] == number(run.summary["naive_best_cv_mae"], unit)
    assert metrics["Random weights: CV MAE"] == number(run.summary["control"]["best_random_cv_mae"], unit)
    assert run.summary["nested_explanation"] in texts(at.caption)
    verdict = run.summary["verdict"]
    assert verdict in texts(at.success) + texts(at.warning) + texts(at.info)
    assert number(run.summary["nested_mae"], unit) in verdict
    titles = [a["text"] for a in json.loads(charts(at)[0].proto.spec)["layout"]["annotations"]]
    assert titles[0].startswith("<b>recommended: ") and "procedure (nested)" in titles[0]
    assert f"MAE {number(run.summary['nested_mae'], unit)} \u00b7" in titles[0]  # the verdict's number is the plot's


def test_ranking_in_words_with_units_and_pinned_name_and_score(results, saved_run):
    import re

    from core.transfer.runs import load_run

    run = load_run(saved_run)
    at = results
    table = next(d for d in at.dataframe if "label" in d.value.columns and "cv_mae" in d.value.columns)
    columns = list(table.value.columns)
    assert columns[:4] == ["rank", "what", "cv_mae", "how"] and columns[-1] == "candidate"  # the machine id last
    shown = table.value
    assert not shown["label"].str.contains(r"\|").any() and not shown["what"].str.contains(r"-s\d").any()
    assert (shown["label"] == shown["what"] + ": " + shown["how"]).all()  # one label function, in two halves
    assert set(shown["family"]) <= {"pretrained", "scratch", "random-weight control"}
    config = json.loads(table.proto.columns)
    assert [config[c]["label"] for c in ("what", "how")] == ["model", "what is fitted"]
    assert all(config[c]["pinned"] is True for c in ("rank", "what", "cv_mae")) and not config["how"].get("pinned")
    assert config["cv_mae"]["label"] == "CV MAE (kcal/mol)" and config["candidate"]["label"] == "candidate id"
    assert config["improvement_pct"]["label"] == "better than best scratch (%)"
    ids = set(run.ranking["candidate"])
    visible = texts(at.markdown) + texts(at.caption) + texts(at.success) + texts(at.warning) + texts(at.info)
    assert not [i for i in ids if i in visible]  # no machine id in the page's words
    assert not re.search(r"\b(cv_mae|improvement_pct|source_test_r2|model_domain)\b", visible)


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
    assert list(ranking.columns[:2]) == ["rank", "what"]
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
    assert "heatmap" in spec and "cetane number" in spec and "dG" in spec  # targets in words


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
    assert any(m.label.startswith("Recommended: nested MAE") for m in at.metric)


def test_url_cannot_point_outside_the_runs_folder(app, app_env):
    app.query_params["run"] = "../../etc"
    at = open_page(app, Page.RESULTS)
    assert "No run in this session yet" in texts(at.info)


def test_past_runs_can_be_reopened_own_runs_first(app, app_env, saved_run):
    from app_state import RunsShown
    from core.transfer.runs import owner_hash

    runs = app_env / "runs"
    runs.mkdir(exist_ok=True)
    shutil.copytree(saved_run, runs / saved_run.name)  # a run of no browser (as the command line saves them)
    mine = runs / "mine"
    shutil.copytree(saved_run, mine)
    meta = json.loads((mine / "run.json").read_text())
    meta["owner_hash"] = owner_hash(app.session_state[Key.OWNER])
    meta["created"] = "2026-12-02T06:36:51.911329+00:00"
    (mine / "run.json").write_text(json.dumps(meta))
    at = open_page(app, Page.RESULTS)
    listed = next(d.value for d in at.dataframe if "run" in d.value.columns)
    assert len(listed) == 1 and listed["run"][0].startswith("dG, 24 rows, 2 Dec 2026, ")  # readable, local time
    assert "T06:36:51" not in " ".join(listed["started (local time)"])
    at.segmented_control(key="runs_shown_results_empty").set_value(RunsShown.ALL).run()
    listed = next(d.value for d in at.dataframe if "run" in d.value.columns)
    assert len(listed) == 2
    at.button(key="runopen_results_empty").click().run()
    assert any(m.label.startswith("Recommended: nested MAE") for m in at.metric)


def test_handout_and_glossary(results):
    at = results
    labels = [b.label for b in at.get("download_button")]
    assert any(label.startswith("One-page summary for a handout") for label in labels)
    words = texts(at.markdown)
    for term in ("MAE", "nested estimate", "scratch", "random-weight control", "frozen features",
                 "models and candidates"):
        assert f"**{term}**" in words


def test_a_folder_that_is_not_a_run(app, tmp_path):
    (tmp_path / "junk").mkdir()
    app.session_state[Key.RUN_PATH] = str(tmp_path / "junk")
    at = open_page(app, Page.RESULTS)
    assert "No run in this session yet" in texts(at.info)
