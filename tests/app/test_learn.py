"""Learn page: the class demo in one click (three lessons with the run's numbers, a handout),
and the guided walk on the same run."""

import shutil
import time

from app_state import JobKind, Key, Page
from core.demo import ClassDemo, intensive_in_map, intensive_pairs, lessons
from core.labels import number
from views._widgets import job_registry
from tests.app.conftest import open_page, texts, wait_for_jobs


def test_class_demo_in_one_click_shows_three_lessons_with_its_numbers(app):
    at = open_page(app, Page.LEARN)
    headers = [h.value for h in at.header]
    assert headers[:5] == ["1. The problem: too few measurements", "2. A library of pretrained models",
                           "3. Shotgun transfer: try every model, keep what works",
                           "4. Honest numbers: the nested estimate", "5. Intensive beats extensive"]
    assert "8 small neural networks" in " ".join(m.value for m in at.markdown)
    assert "Run the class demo to see the three lessons with real numbers." in texts(at.caption)
    start = time.monotonic()
    at.button(key="learn_run").click().run()
    wait_for_jobs(at)
    seconds = time.monotonic() - start
    at.run()
    job = job_registry().latest(at.session_state[Key.OWNER], JobKind.LEARN_DEMO)
    result = job.result["result"]
    unit = result.target["unit"]
    assert result.target["name"].startswith("polymer_tg_common") and result.target["n"] == ClassDemo().rows
    words = " ".join(m.value for m in at.markdown)
    for title in ("1. Transfer can help.", "2. The best of many is optimistic.", "3. Intensive sources transfer."):
        assert title in words
    procs = result.summary["procedures"]
    assert number(procs["transfer"]["nested_mae"], unit) in words  # that run's numbers
    assert number(result.summary["naive_best_cv_mae"], unit) in words
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Recommended: nested MAE"] == number(result.summary["nested_mae"], unit)
    assert any(b.label.startswith("One-page handout") for b in at.get("download_button"))
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Cross-validated error of every candidate" in s for s in specs)
    assert seconds < 120  # the tiny library; the starter library's demo is timed by the browser test


def test_lessons_read_the_runs_numbers(saved_run):
    from core.transfer.runs import load_run

    run = load_run(saved_run)
    found = lessons(run.summary, run.ranking, "kcal/mol")
    assert [lesson.title for lesson in found] == ["Transfer can help", "The best of many is optimistic",
                                                  "Intensive sources transfer"]
    first = found[0]
    assert first.shown is run.summary["transfer_helps"]
    assert number(run.summary["procedures"]["scratch"]["nested_mae"], "kcal/mol") in first.finding
    assert found[1].numbers["naive_best_cv_mae"] == run.summary["naive_best_cv_mae"]
    assert found[2].shown is None  # the tiny library has no extensive source with its variants


def test_intensive_pairs_and_the_maps_reading():
    import pandas as pd

    ranking = pd.DataFrame({"family": ["transfer"] * 4 + ["scratch"],
                            "source": ["qm9_cv", "qm9_cv_per_mass", "qm9_cv_per_mass", "qm9_alpha", ""],
                            "property": ["heat capacity", "specific heat capacity", "specific heat capacity",
                                         "polarizability", ""],
                            "cv_mae": [2.0, 1.5, 1.8, 3.0, 2.5]})
    pairs = intensive_pairs(ranking)
    assert list(pairs["variant"]) == ["per molecule", "per mass"] and list(pairs["cv_mae"]) == [2.0, 1.5]
    lesson = lessons({"procedures": {}, "decision": {}}, ranking, "K")[2]
    assert lesson.shown is True and "per mass 1.5 K against 2 K per molecule" in lesson.finding
    improvement = pd.DataFrame({"Tg": [9.5, 3.7]}, index=["heat capacity at 298 K", "specific heat capacity"])
    reading = intensive_in_map(improvement, ("qm9_cv", "qm9_cv_per_mass"))
    assert reading == ["Tg: heat capacity at 298 K: per mass +4% against +10% per molecule (per molecule as good "
                       "or better)"]


def test_intensive_versus_extensive_comparison(app):
    at = open_page(app, Page.LEARN)
    at.button(key="learn_compare").click().run()
    wait_for_jobs(at)
    spec = [c.proto.spec for c in at.get("plotly_chart")][-1]
    assert "heatmap" in spec and "glass transition" in spec and "hydration free" in spec  # targets in words
    assert any("What it says:" in c for c in texts(at.caption).split("\n"))


def test_a_deleted_demo_run_is_said_not_an_error(app, tmp_path):
    at = open_page(app, Page.LEARN)
    at.button(key="learn_run").click().run()
    wait_for_jobs(at)
    job = job_registry().latest(at.session_state[Key.OWNER], JobKind.LEARN_DEMO)
    shutil.rmtree(job.result["path"])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "The demo run is no longer on disk; run it again." in texts(at.info)
    assert "Run the class demo above to see the numbers." in texts(at.caption)
