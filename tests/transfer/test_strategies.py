"""The strategies and baselines: what estimator each name makes."""

from core.transfer.forest import Forest
from core.transfer.strategies import BASELINES, STRATEGIES


def test_scratch_et_is_a_baseline_of_extra_trees():
    model = BASELINES["scratch_et"].make(seed=1, trees=7)
    assert isinstance(model, Forest) and model.extra and model.trees == 7 and model.seed == 1


def test_scratch_rf_is_a_random_forest_of_the_screens_size():
    model = BASELINES["scratch_rf"].make(seed=2, trees=9)
    assert isinstance(model, Forest) and not model.extra and model.trees == 9 and model.seed == 2


def test_the_rf_strategy_ends_in_a_random_forest():
    assert isinstance(STRATEGIES["rf"].make(None, seed=0, trees=5)[-1], Forest)
