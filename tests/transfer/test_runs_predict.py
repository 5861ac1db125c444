import json

import numpy as np
import pandas as pd
import pytest

from core.errors import InputError
from core.transfer.predict import predict
from core.transfer.runs import list_runs, load_run, save_run
from core.transfer.screen import screen

from tests.transfer.conftest import fast_config


@pytest.fixture(scope="module")
def saved(libraries, mol_target, tmp_path_factory):
    result = screen(mol_target, libraries, fast_config())
    path = save_run(result, tmp_path_factory.mktemp("runs") / "run1", [str(lib.path) for lib in libraries])
    return result, path


def test_run_folder_round_trip(saved):
    result, path = saved
    assert {p.name for p in path.iterdir()} == {"run.json", "data.csv", "ranking.csv", "oof.npz", "nested.json"}
    again = load_run(path)
    pd.testing.assert_frame_equal(again.ranking[["candidate", "cv_mae"]], result.ranking[["candidate", "cv_mae"]])
    best = result.ranking.iloc[0]["candidate"]
    assert np.allclose(again.oof[best], result.oof[best])
    assert np.allclose(again.y, result.y) and again.structures == result.structures
    meta = json.loads((path / "run.json").read_text())
    assert meta["config"]["seed"] == 0 and meta["versions"]["project"]
    assert meta["summary"]["verdict"] == result.summary["verdict"]
    runs = list_runs(path.parent)
    assert runs["run"].tolist() == ["run1"]


def test_save_refuses_to_overwrite(saved, libraries):
    result, path = saved
    with pytest.raises(InputError, match="exists and is not empty"):
        save_run(result, path)
    with pytest.raises(InputError, match="is not a run folder"):
        load_run(path.parent)


def test_predictions_have_uncertainty_and_domain_flags(saved):
    _, path = saved
    run = load_run(path)
    new = ["CCO", "c1ccccc1O", "C[Si](C)(C)O[Si](C)(C)OP(=S)(Cl)c1ccc(Br)cc1I", run.structures[0]]
    out = predict(run, new)
    table = out.table
    assert list(table.columns) == ["structure", "prediction", "uncertainty", "nn_distance", "in_domain"]
    assert np.isfinite(table["prediction"]).all() and (table["uncertainty"] >= 0).all()
    assert table.loc[3, "nn_distance"] == pytest.approx(0.0, abs=1e-6)  # a training structure is in domain
    assert bool(table.loc[3, "in_domain"])
    assert table.loc[2, "nn_distance"] > table.loc[3, "nn_distance"]
    assert out.candidate == run.ranking.iloc[0]["candidate"]


def test_predict_with_a_chosen_candidate_refits_that_candidate(saved):
    _, path = saved
    run = load_run(path)
    kinds = run.ranking.drop_duplicates("kind").set_index("kind")["candidate"]
    first = predict(run, ["CCO", "CCCO"], candidate=kinds["raw"]).table["prediction"]
    other = predict(run, ["CCO", "CCCO"], candidate=kinds["frozen"]).table["prediction"]
    assert np.isfinite(predict(run, ["CCO"], candidate=kinds["ensemble"]).table["prediction"]).all()
    assert np.isfinite(predict(run, ["CCO"], candidate=kinds["strategy"]).table["prediction"]).all()
    best = first
    assert not np.allclose(best, other)
    with pytest.raises(InputError, match="no candidate 'nope'"):
        predict(run, ["CCO"], candidate="nope")
