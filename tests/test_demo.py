"""The class demo's first lesson says what the decision says, in each of its cases."""

import pandas as pd

from core.demo import lessons


def _summary(helps: bool, gain: float, p: float, p_mean: float = 0.001) -> dict:
    return {"procedures": {"transfer": {"nested_mae": 10.0 * (1 - gain)}, "scratch": {"nested_mae": 10.0}},
            "decision": {"transfer_helps": helps, "gain": gain, "p_value": p, "p_value_vs_mean": p_mean,
                         "folds_won": 2, "n_folds": 3},
            "naive_best_cv_mae": 8.0, "nested_mae": 10.0}


def _first(summary: dict) -> str:
    return lessons(summary, pd.DataFrame(columns=["family", "property", "source", "cv_mae"]), "K")[0].finding


def test_lesson_one_follows_the_decision():
    assert _first(_summary(True, 0.3, 0.01)).startswith("Here it did")
    worse = _first(_summary(False, -0.5, 0.99))
    assert "no better" in worse and "noise" not in worse
    noisy = _first(_summary(False, 0.05, 0.3))
    assert "fold-to-fold noise" in noisy and "p = 0.3" in noisy
    flat = _first(_summary(False, 0.2, 0.01, p_mean=0.4))
    assert "predicting the mean" in flat and "p = 0.4" in flat
