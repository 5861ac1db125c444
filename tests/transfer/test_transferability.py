from dataclasses import replace

import numpy as np
import pytest

from core.transfer.screen import screen
from core.transfer.transferability import QUICK_MAP, example_targets, transferability

from tests.transfer.conftest import fast_config


def test_map_of_source_properties_by_targets(libraries):
    targets = example_targets(["freesolv", "logbb"], rows=30) + example_targets(["steels_yield"], rows=30)
    result = transferability(targets, libraries, fast_config())
    imp = result.improvement
    assert list(imp.columns) == ["freesolv", "logbb", "steels_yield"]
    # molecule properties have values for molecule targets and none for the inorganic one, and vice versa
    assert imp.loc["normal boiling point", ["freesolv", "logbb"]].notna().all()
    assert np.isnan(imp.loc["normal boiling point", "steels_yield"])
    assert np.isnan(imp.loc["band gap (Materials Project)", "freesolv"])
    # the map's numbers are those of a screen of the target on its own: the best net of the source
    # property against the best scratch baseline, under the same folds
    quick = replace(fast_config(), **QUICK_MAP)
    alone = screen(targets[0], libraries, quick)
    ranked = alone.ranking
    nets = ranked[(ranked["family"] == "transfer") & (ranked["property"] == "normal boiling point")]
    assert result.best_mae.loc["normal boiling point", "freesolv"] == pytest.approx(nets["cv_mae"].min(), rel=1e-12)
    assert result.scratch_mae["freesolv"] == pytest.approx(alone.summary["best_scratch"]["cv_mae"], rel=1e-12)
    gain = imp["freesolv"].dropna()  # positive exactly where the source's best net beats scratch
    assert ((gain > 0) == (result.best_mae["freesolv"][gain.index] < result.scratch_mae["freesolv"])).all()
    assert set(result.to_dict()["improvement_pct"]) == {"freesolv", "logbb", "steels_yield"}
