import numpy as np

from core.transfer.transferability import example_targets, transferability

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
    scratch = result.scratch_mae["freesolv"]
    best = result.best_mae.loc["normal boiling point", "freesolv"]
    assert imp.loc["normal boiling point", "freesolv"] == 100 * (scratch - best) / scratch
    assert set(result.to_dict()["improvement_pct"]) == {"freesolv", "logbb", "steels_yield"}
