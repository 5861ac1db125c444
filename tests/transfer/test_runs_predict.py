import json

import numpy as np
import pandas as pd
import pytest

from core.errors import InputError
from core.transfer.predict import predict
from core.transfer.runs import list_runs, load_run, save_run
from core.transfer.screen import screen

from tests.transfer.conftest import example_target, fast_config


@pytest.fixture(scope="module")
def saved(libraries, mol_target, tmp_path_factory):
    result = screen(mol_target, libraries, fast_config())
    path = save_run(result, tmp_path_factory.mktemp("runs") / "run1", [str(lib.path) for lib in libraries])
    return result, path


def test_run_folder_round_trip(saved):
    result, path = saved
    assert {p.name for p in path.iterdir()} == {"run.json", "data.csv", "ranking.csv", "oof.npz", "procedures.json"}
    again = load_run(path)
    pd.testing.assert_frame_equal(again.ranking[["candidate", "cv_mae"]], result.ranking[["candidate", "cv_mae"]])
    best = result.ranking.iloc[0]["candidate"]
    assert np.allclose(again.oof[best], result.oof[best])
    assert np.allclose(again.y, result.y) and again.structures == result.structures
    assert again.groups == result.groups and again.config == result.config
    assert again.decision == result.decision
    for name in ("transfer", "scratch"):
        assert again.procedures[name].members == result.procedures[name].members
        assert np.allclose(again.procedures[name].nested.predictions, result.procedures[name].nested.predictions)
    meta = json.loads((path / "run.json").read_text())
    assert meta["config"]["seed"] == 0 and meta["versions"]["project"] and meta["format_version"] == 2
    assert meta["summary"]["verdict"] == result.summary["verdict"]
    runs = list_runs(path.parent)
    assert runs["run"].tolist() == ["run1"]


def test_save_refuses_to_overwrite_and_old_runs_are_refused_clearly(saved, tmp_path):
    result, path = saved
    with pytest.raises(InputError, match="exists and is not empty"):
        save_run(result, path)
    with pytest.raises(InputError, match="is not a run folder"):
        load_run(path.parent)
    old = tmp_path / "old"
    old.mkdir()
    (old / "run.json").write_text(json.dumps({"format": "mdl-run", "format_version": 1}))
    with pytest.raises(InputError, match="earlier version"):
        load_run(old)


def test_recommended_predictions_with_intervals_and_domain(saved):
    result, path = saved
    run = load_run(path)
    far = "CC(C)C[C@H](NC(=O)[C@H](Cc1ccccc1)NC(=O)C(N)CS)C(=O)N[C@@H](CCCNC(N)=N)C(=O)O"  # a peptide
    new = ["CCO", "c1ccccc1O", far, run.structures[0]]
    out = predict(run, new)
    table = out.table
    assert list(table.columns) == ["structure", "prediction", "lower", "upper", "domain_ratio", "in_domain", "problem"]
    assert out.candidate == "recommended" and out.members == run.recommended.members
    assert out.halfwidth == pytest.approx(run.summary["interval"]["halfwidth"]) and out.halfwidth > 0
    assert np.allclose(table["upper"] - table["lower"], 2 * out.halfwidth)
    assert table.loc[3, "domain_ratio"] == pytest.approx(0.0, abs=1e-6) and bool(table.loc[3, "in_domain"])
    assert table.loc[2, "domain_ratio"] > 1.0 and not bool(table.loc[2, "in_domain"])
    # the recommended model is the members' average, each refitted on all rows
    singles = [predict(run, new, candidate=m).table["prediction"].to_numpy() for m in out.members]
    assert np.allclose(table["prediction"], np.mean(singles, axis=0))


def test_domain_distances_are_not_clipped():
    from core.transfer.predict import domain_ratio
    from core.transfer.refit import LinearFeatureRidge

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    model = LinearFeatureRidge(kind="raw").fit(X, X[:, 0])
    near, far = X[:1] + 0.01, X[:1] + np.array([[30.0, 0, 0, 0, 0]])
    ratios = domain_ratio(model, X, np.vstack([near, far]))
    assert ratios[0] < 0.5 and ratios[1] > 5  # clipped to the training range it would look near
    clipped = model.transform_features(far) - model.transform_features(X[:1])
    assert np.abs(clipped).max() < 30 * 0.5


def test_predict_any_candidate_or_procedure(saved):
    _, path = saved
    run = load_run(path)
    firsts = run.ranking.drop_duplicates(["family", "kind"]).set_index(["family", "kind"])["candidate"]
    preds = {key: predict(run, ["CCO", "CCCO"], candidate=c).table["prediction"].to_numpy()
             for key, c in firsts.items()}
    assert all(np.isfinite(p).all() for p in preds.values())
    assert not np.allclose(preds[("scratch", "raw")], preds[("transfer", "frozen")])
    assert not np.allclose(preds[("random", "frozen")], preds[("transfer", "frozen")])
    scratch = predict(run, ["CCO"], candidate="scratch")
    assert scratch.members == run.procedures["scratch"].members
    with pytest.raises(InputError, match="no candidate 'nope'"):
        predict(run, ["CCO"], candidate="nope")


def test_intervals_cover_held_out_rows_of_a_known_noise_target(libraries):
    """y = a smooth function of the structure plus Gaussian noise: 90% intervals cover about 90%."""
    from core.features import make_featurizer
    from core.transfer.screen import Target

    pool = example_target("freesolv", 160, seed=11)
    X = make_featurizer("rdkit2d").transform(pool.structures)
    signal = X[:, [i for i in range(X.shape[1]) if X[:, i].std() > 0][:3]]
    signal = (signal - signal.mean(axis=0)) / signal.std(axis=0)
    rng = np.random.default_rng(0)
    y = signal.sum(axis=1) + rng.normal(scale=1.0, size=len(pool.y))
    train, test = np.arange(60), np.arange(60, 160)
    target = Target([pool.structures[i] for i in train], y[train], pool.domain, "synthetic")
    result = screen(target, libraries, fast_config())
    out = predict(result, [pool.structures[i] for i in test], libraries=libraries)
    inside = np.abs(out.table["prediction"].to_numpy() - y[test]) <= out.halfwidth
    assert 0.8 <= inside.mean() <= 0.98
