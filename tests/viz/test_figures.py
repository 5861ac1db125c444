"""Figure builders: what each figure shows, checked on the figure objects."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core.labels import candidate_label
from core.viz.curves import learning_curve_figure
from core.viz.data import target_histogram
from core.viz.heatmap import heatmap_figure, improvement_by_strategy
from core.viz.library import architecture_figure, facet_counts, models_per_property, source_metrics
from core.viz.ranking import (error_distribution, oof_frame, oof_mean, parity_choices, parity_figure,
                              parity_stats, ranking_figure)


@pytest.fixture
def ranking():
    rows = [
        ("m1|ridge", "m1", "frozen", "transfer", "ridge", "heat capacity", 1.0),
        ("m1|ridge+raw", "m1", "frozen+raw", "transfer", "ridge+raw", "heat capacity", 1.2),
        ("m2|ridge", "m2", "frozen", "transfer", "ridge", "boiling point", 1.5),
        ("m2|rf", "m2", "strategy", "transfer", "rf", "boiling point", 1.1),
        ("random|m1|ridge", "m1", "frozen", "random", "ridge", "heat capacity", 0.95),
        ("scratch|ridge|morgan", None, "raw", "scratch", "ridge", "", 1.4),
        ("scratch|rf|morgan", None, "raw", "scratch", "scratch_rf", "", 1.3),
    ]
    frame = pd.DataFrame(rows, columns=["candidate", "model_id", "kind", "family", "strategy", "property", "cv_mae"])
    frame["descriptor"] = "morgan"
    frame["label"] = [candidate_label(r) for r in frame.to_dict("records")]
    frame = frame.sort_values("cv_mae").reset_index(drop=True)
    frame["cv_mae_std"] = 0.1
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    frame["improvement_pct"] = 100 * (1.3 - frame["cv_mae"]) / 1.3
    return frame


def test_ranking_figure_keeps_the_best_scratch(ranking):
    fig = ranking_figure(ranking, top=2)
    labels = list(fig.data[0].y)
    assert len(labels) == 3 and any("scratch: random forest on Morgan counts" in str(c)
                                    for c in fig.data[0].customdata[:, 0])
    assert fig.data[0].marker.color[0] == "#dc2626"  # the scratch bar is red, drawn at the bottom
    assert fig.layout.shapes[0].x0 == pytest.approx(1.3)  # the dashed best-scratch line


def test_error_distribution_draws_every_scratch_baseline(ranking):
    fig = error_distribution(ranking)
    assert sorted(fig.data[0].x) == [1.0, 1.1, 1.2, 1.5]  # pretrained candidates
    assert list(fig.data[1].x) == [0.95]  # their random-weight controls, a histogram of their own
    lines = {t.meta: t.x[0] for t in fig.data[2:]}  # each baseline's name on hover
    assert lines == {"scratch: random forest on Morgan counts": 1.3, "scratch: ridge on Morgan counts": 1.4}
    assert fig.data[2].line.dash == "solid" and fig.data[3].line.dash == "dot"  # the best scratch is solid
    # a short legend of kinds, outside the plot on the right: it never sits on the title
    assert [t.name for t in fig.data if t.showlegend is not False] == [
        "pretrained (4)", "random-weight controls (1)", "best scratch baseline", "other scratch baselines"]
    assert fig.layout.legend.x > 1 and fig.layout.legend.xanchor == "left"


def test_parity_figure_panels_and_stats():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    good = np.array([[1.1, 2.0, 2.9, 4.2]])
    bad = np.array([[2.0, 2.0, 2.0, np.nan]])
    fig = parity_figure(y, {"transfer": good, "scratch": bad}, target="Tg", unit="K",
                        families={"transfer": "transfer", "scratch": "scratch"})
    titles = [a.text for a in fig.layout.annotations]
    assert "MAE 0.1 K" in titles[0] and "n=4" in titles[0] and "n=3" in titles[1]
    assert list(fig.data[2].y) == [2.0, 2.0, 2.0]  # NaN rows (never predicted) are left out
    assert fig.layout.xaxis.title.text == "measured (K)"  # short side by side; one panel names the target
    assert parity_figure(y, {"a": good}, target="Tg", unit="K").layout.xaxis.title.text == "measured Tg (K)"
    narrow = parity_figure(y, {"recommended: scratch procedure (nested)": good, "b": good, "c": bad}, unit="K")
    assert all(len(line) <= 40 for a in narrow.layout.annotations for line in a.text.split("<br>"))
    stats = parity_stats(y, good[0])
    assert stats["mae"] == pytest.approx(0.1) and stats["r2"] > 0.9


def test_parity_titles_carry_the_engines_numbers():
    """A panel shows the number the verdict or the ranking gives (a CV MAE is a mean over
    folds), and repeated predictions are scored over every cell, as the nested estimate is."""
    y = np.array([1.0, 2.0, 3.0, 4.0])
    repeated = np.array([[1.0, 2.0, 3.0, 5.0], [2.0, 2.0, 3.0, 4.0]])
    stats = parity_stats(y, repeated)
    assert stats["mae"] == pytest.approx(2.0 / 8) and stats["n"] == 4  # over cells, not over the mean prediction
    fig = parity_figure(y, {"a": repeated}, unit="K", scores={"a": {"mae": 0.2567, "r2": 0.9}})
    assert "MAE 0.257 K \u00b7 R\u00b2 0.90" in fig.layout.annotations[0].text


def test_oof_helpers(ranking):
    oof = np.array([[1.0, np.nan, 3.0], [3.0, 2.0, np.nan]])
    assert np.allclose(oof_mean(oof), [2.0, 2.0, 3.0])
    table = oof_frame(["a", "b", "c"], [1, 2, 3], {"m1|ridge": oof}, ["m1|ridge", "missing"],
                      {"m1|ridge": "heat capacity net: ridge on frozen features"})
    assert list(table.columns) == ["structure", "measured", "label", "prediction", "candidate"]
    assert list(table["prediction"]) == [2.0, 2.0, 3.0] and set(table["candidate"]) == {"m1|ridge"}
    assert set(table["label"]) == {"heat capacity net: ridge on frozen features"}
    assert parity_choices(ranking, {"m2|rf": 0, "m1|ridge": 0}) == ["m1|ridge", "m2|rf"]


def test_heatmap_is_centred_at_no_improvement(ranking):
    table = improvement_by_strategy(ranking)
    assert list(table.columns) == ["ridge on features", "ridge on features + raw descriptor",
                                   "random forest on features"]  # regressors in words
    assert table.loc["boiling point", "random forest on features"] == pytest.approx(100 * (1.3 - 1.1) / 1.3)
    assert np.isnan(table.loc["boiling point", "ridge on features + raw descriptor"])
    assert list(table.index) == ["heat capacity", "boiling point"]  # best first
    fig = heatmap_figure(table, x_title="strategy")
    heat = fig.data[0]
    assert heat.zmid == 0 and heat.zmin == -heat.zmax
    assert heat.colorscale[2][1] == "#f7f7f7"  # white in the middle: no improvement
    with pytest.raises(ValueError, match="empty"):
        heatmap_figure(pd.DataFrame())


def test_learning_curve_figure():
    points = pd.DataFrame({"n_train": [10, 10, 20, 20] * 2, "repeat": [0, 1] * 4,
                           "method": ["transfer"] * 4 + ["scratch"] * 4, "mae": [2, 3, 1, 1.5, 3, 4, 2, 2]})
    fig = learning_curve_figure(points, unit="K")
    names = [t.name for t in fig.data]
    assert set(names) == {"scratch procedure", "transfer procedure"}
    transfer = next(t for t in fig.data if t.name == "transfer procedure")
    assert list(transfer.x) == [10, 20] and list(transfer.y) == [2.5, 1.25]


def test_target_histogram():
    fig = target_histogram([1.0, 2.0, np.nan, 3.0], "dG", "kcal/mol")
    assert len(fig.data[0].x) == 3 and "3 rows" in fig.layout.title.text
    mean = next(a for a in fig.layout.annotations if a.text.startswith("mean"))
    assert mean.text == "mean 2 kcal/mol" and mean.y > 1 and fig.layout.yaxis.range[1] > mean.y  # above the bars


@pytest.fixture
def models():
    return pd.DataFrame({"id": ["a", "b", "c"], "property": ["Tb", "Tb", "gap"],
                         "domain": ["molecule"] * 2 + ["inorganic"],
                         "test_r2": [0.9, 0.8, 0.5], "descriptor": ["morgan", "maccs", "composition"],
                         "n_train": [100, 100, 200], "depth": [2, 3, 2]})


def test_library_figures(models):
    counts = facet_counts(models, "domain")
    assert dict(zip(counts["domain"], counts["models"])) == {"molecule": 2, "inorganic": 1}
    fig = models_per_property(models)
    assert sum(sum(t.x) for t in fig.data) == 3
    fig = source_metrics(models)
    assert sorted(x for t in fig.data for x in t.x) == [0.5, 0.8, 0.9]
    assert facet_counts(models.iloc[:0], "domain").empty


def test_architecture_drawing_highlights_the_frozen_layer():
    card = {"id": "m", "descriptor": {"name": "morgan", "n_inputs": 300, "n_columns": 2048},
            "architecture": {"hidden": [120, 60, 20], "activation": "relu", "dropout": 0.1, "n_parameters": 45_000}}
    fig = architecture_figure(card, frozen_layers=2)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 5  # input, three hidden, output
    assert [r.fillcolor for r in rects].count("#f59e0b") == 2
    heights = [r.y1 - r.y0 for r in rects]
    assert heights[0] > heights[1] > heights[2] > heights[3] > heights[4]
    labels = [a.text for a in fig.layout.annotations if a.yanchor == "top"]
    assert labels[0] == "input<br>300 of<br>2048<br>Morgan<br>counts<br>columns"  # short lines: they never run together
    assert all(len(line) <= 11 for label in labels for line in label.split("<br>"))  # words are never cut
    text = " ".join(a.text for a in fig.layout.annotations)
    assert "45,000 parameters" in text and "m" not in fig.layout.title.text.split()


def test_figures_are_plotly_figures(ranking):
    for fig in (ranking_figure(ranking), error_distribution(ranking)):
        assert isinstance(fig, go.Figure) and fig.to_json()
