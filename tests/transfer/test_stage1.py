"""The batched stage-1 engine against the same computation done per model with scikit-learn."""

import numpy as np
from sklearn.linear_model import Ridge

from core.domains import Domain
from core.transfer.candidates import featurize_target, load_pool, select_models
from core.transfer.cv import CVScheme
from core.transfer.frozen import FrozenFeatures
from core.transfer.ridge import DEFAULT_PENALTIES
from core.transfer.stage1 import Scope, run_stage1


def _standardise(Z):
    std = Z.std(axis=0)
    return np.where(std > 0, (Z - Z.mean(axis=0)) / np.where(std > 0, std, 1.0), 0.0)


def _sklearn_oof(Z, y, splits, relative):
    Zc = Z - Z.mean(axis=0)
    alpha = relative * float((Zc**2).sum()) / len(y)
    oof = np.empty(len(y))
    for train, test in splits:
        oof[test] = Ridge(alpha=alpha).fit(Z[train], y[train]).predict(Z[test])
    return oof


def test_stage1_equals_per_model_sklearn(libraries, mol_target):
    frame = select_models(libraries, Domain.MOLECULE)
    pool = load_pool(libraries, frame)
    X = featurize_target(pool, mol_target.structures)
    y = mol_target.y
    splits = CVScheme("kfold", k=5, seed=3).splits(y)
    scores = run_stage1(pool, X, y, [Scope("full", np.arange(len(y)), splits)], layers=2)["full"]
    checked = 0
    for cid, model, kind, key, penalty, oof in zip(scores.ids, scores.model, scores.kind, scores.descriptor,
                                                   scores.penalty, scores.oof):
        raw = _standardise(X[key].astype(np.float64))
        if kind == "raw":
            Z = raw
        else:
            frozen = _standardise(FrozenFeatures(pool.net(model), layers=2).fit(X[key]).transform(X[key]))
            if kind == "frozen":
                Z = frozen
            else:
                blocks = [b / np.sqrt(((b - b.mean(axis=0)) ** 2).sum()) for b in (frozen, raw)]
                Z = np.hstack(blocks)
        expected = _sklearn_oof(Z, y, splits, penalty)
        assert np.abs(oof[0] - expected).max() < 1e-6, cid
        assert penalty in DEFAULT_PENALTIES
        checked += 1
    assert checked == len(scores.ids) >= 4 * 2 + 2
