"""Learn page: the guided walk, with a real demo screen and the nested estimate."""

from app_state import Key, Page
from tests.app.conftest import open_page, texts, wait_for_jobs


def test_walk_through_with_a_real_demo_run(app):
    at = open_page(app, Page.LEARN)
    headers = [h.value for h in at.header]
    assert headers[:5] == ["1. The problem: too few measurements", "2. A library of pretrained models",
                           "3. Shotgun transfer: try every model, keep what works",
                           "4. Honest numbers: the nested estimate", "5. Intensive beats extensive"]
    assert "8 small neural networks" in " ".join(m.value for m in at.markdown)
    assert "Run the demo screen above to see the numbers." in texts(at.caption)
    at.button(key="learn_run").click().run()
    wait_for_jobs(at)
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert any(k.startswith("Recommended model: nested MAE") for k in metrics)
    assert any(k.startswith("Naive best CV MAE (optimistic)") for k in metrics)
    assert at.session_state[Key.LEARN_RUN]
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Cross-validated error of every screened model" in s for s in specs)


def test_intensive_versus_extensive_comparison(app):
    at = open_page(app, Page.LEARN)
    families = next(d.value for d in at.dataframe if "source" in d.value.columns)
    assert list(families["source"]) == ["qm9_cv_per_mass"]  # the only one of the family in the tiny library
    at.button(key="learn_compare").click().run()
    wait_for_jobs(at)
    spec = [c.proto.spec for c in at.get("plotly_chart")][-1]
    assert "heatmap" in spec and "polymer_tg_common" in spec and "freesolv" in spec


def test_a_deleted_demo_run_is_forgotten_not_an_error(app, tmp_path):
    app.session_state[Key.LEARN_RUN] = str(tmp_path / "gone")
    at = open_page(app, Page.LEARN)
    assert not at.exception, [e.value for e in at.exception]
    assert "The demo run is no longer on disk; run it again." in texts(at.info)
    assert Key.LEARN_RUN not in at.session_state
    assert "Run the demo screen above to see the numbers." in texts(at.caption)
