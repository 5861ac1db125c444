"""Benchmark: stage-1 screening throughput of the batched engine versus per-model loops.

A synthetic library of random nets with the starter library's shapes (depths, widths,
descriptor subsets drawn from its catalog) is screened on 100 rows of a real molecule
target (FreeSolv) with 5-fold CV and 6 ridge penalties, exactly as stage 1 of
``core.transfer.screen`` does (frozen last-layer features, closed-form CV ridge).  On a
sample of the same models it times the simple alternatives:

* scikit-learn ridge loop: per model, frozen features -> StandardScaler -> RidgeCV (the
  same penalties) in ``cross_val_predict`` on the same folds;
* XenonPy's way: per model, frozen features -> random forest (100 trees), 5-fold.

It also measures the machine's matrix-multiply GFLOP/s and the engine's achieved
GFLOP/s (counted flops of forward passes, Gram matrices, eigendecompositions and fold
solves).  Prints one JSON document.

    python bench/screen.py [--models 10000] [--rows 100] [--sample 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.compute.device import device_label, resolve_device  # noqa: E402
from core.datasets import load  # noqa: E402
from core.features import make_featurizer  # noqa: E402
from core.library import Library  # noqa: E402
from core.nets import NetArrays  # noqa: E402
from core.transfer.candidates import CandidatePool, descriptor_key  # noqa: E402
from core.transfer.cv import CVScheme  # noqa: E402
from core.transfer.frozen import FrozenFeatures  # noqa: E402
from core.transfer.ridge import DEFAULT_PENALTIES  # noqa: E402
from core.transfer.stage1 import Scope, run_stage1  # noqa: E402


def synthetic_nets(n_models: int, seed: int) -> tuple[dict[str, dict[str, NetArrays]], dict]:
    """Random nets with the shapes of the starter library's molecule models."""
    rng = np.random.default_rng(seed)
    with Library() as lib:
        shapes = lib.models(domain="molecule", columns=["descriptor", "descriptor_params", "n_inputs", "architecture"])
    widths = {"morgan": 2048, "rdkit2d": 216, "maccs": 167}
    nets: dict[str, dict[str, NetArrays]] = {}
    for i in range(n_models):
        row = shapes.iloc[int(rng.integers(len(shapes)))]
        hidden = json.loads(row["architecture"])["hidden"]
        key = descriptor_key(row["descriptor"], json.loads(row["descriptor_params"]))
        k = int(row["n_inputs"])
        subset = np.sort(rng.choice(widths[row["descriptor"]], size=k, replace=False))
        dims = [k, *hidden]
        weights = [rng.normal(0, 1 / np.sqrt(a), size=(a, b)).astype(np.float32) for a, b in zip(dims, dims[1:])]
        nets.setdefault(key, {})[f"m{i:05d}"] = NetArrays(
            subset, np.zeros(k, np.float32), np.ones(k, np.float32), weights,
            [rng.normal(0, 0.1, size=b).astype(np.float32) for b in hidden], rng.normal(size=hidden[-1]).astype(np.float32),
            0.0, 0.0, 1.0, json.loads(row["architecture"])["activation"])
    return nets, widths


def flops(nets, n: int, folds: int, penalties: int) -> float:
    """Counted flops of stage 1: forward passes, then per fold the scaling, the smaller of
    the two Gram forms, its eigendecomposition and the predictions of every penalty."""
    total = 0.0
    n_train, n_test = n * (folds - 1) / folds, n / folds
    for group in nets.values():
        for net in group.values():
            dims = [len(net.input_index)] + [w.shape[1] for w in net.weights]
            w = dims[-1]
            total += 2 * n * sum(a * b for a, b in zip(dims, dims[1:]))  # forward
            r = min(n_train, w)  # kernel form below the width, feature form above
            per_fold = 4 * n * w + 2 * n_train * r * max(n_train, w) + 9 * r**3 + 2 * n_test * n_train * w \
                + penalties * 4 * n_train * r
            total += folds * per_fold
    return total


def matmul_gflops() -> float:
    a = torch.rand(2048, 2048)
    a @ a
    start = time.perf_counter()
    for _ in range(5):
        a @ a
    return 5 * 2 * 2048**3 / (time.perf_counter() - start) / 1e9


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--sample", type=int, default=100, help="models timed in the scikit-learn ridge loop")
    parser.add_argument("--rf-sample", type=int, default=20, help="models timed the XenonPy way")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)

    device = resolve_device(args.device)
    table = load("freesolv").sample(args.rows, random_state=args.seed)
    y = table["target"].to_numpy(dtype=float)
    nets, _ = synthetic_nets(args.models, args.seed)
    featurizers = {key: make_featurizer(key.split("{")[0], json.loads("{" + key.split("{", 1)[1])) for key in nets}
    X = {key: f.transform(table["structure"].tolist()).astype(np.float32) for key, f in featurizers.items()}
    pool = CandidatePool(nets, featurizers, None)
    splits = CVScheme("kfold", k=5, seed=args.seed).splits(y)
    scope = Scope("full", np.arange(len(y)), splits)

    run_stage1(CandidatePool({k: dict(list(v.items())[:20]) for k, v in nets.items()}, featurizers, None), X, y,
               [scope], combos=False, device=device)  # warm-up
    start = time.perf_counter()
    run_stage1(pool, X, y, [scope], combos=False, device=device)
    t_engine = time.perf_counter() - start
    n_models = pool.n_models

    ids = [(key, mid) for key, group in nets.items() for mid in group]
    sample = [ids[i] for i in np.random.default_rng(1).choice(len(ids), size=min(args.sample, len(ids)), replace=False)]
    alphas = list(DEFAULT_PENALTIES)
    start = time.perf_counter()
    for key, mid in sample:
        Z = FrozenFeatures(nets[key][mid]).fit(X[key]).transform(X[key])
        cross_val_predict(make_pipeline(StandardScaler(), RidgeCV(alphas=alphas)), Z, y, cv=splits)
    t_sklearn = (time.perf_counter() - start) / len(sample)
    start = time.perf_counter()
    for key, mid in sample[: args.rf_sample]:
        Z = FrozenFeatures(nets[key][mid]).fit(X[key]).transform(X[key])
        cross_val_predict(RandomForestRegressor(100, random_state=0, n_jobs=-1), Z, y, cv=splits)
    t_rf = (time.perf_counter() - start) / min(args.rf_sample, len(sample))

    engine_rate = n_models / t_engine
    result = {
        "benchmark": "screen (stage 1)",
        "machine": {"device": device_label(device), "cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "torch": torch.__version__, "matmul_gflops": round(matmul_gflops(), 1)},
        "setup": {"models": n_models, "rows": len(y), "folds": 5, "penalties": len(alphas), "target": "freesolv",
                  "shapes": "random nets with the starter library's molecule shapes (morgan, rdkit2d, maccs)"},
        "engine": {"seconds": round(t_engine, 2), "models_per_second": round(engine_rate, 1),
                   "achieved_gflops": round(flops(nets, len(y), 5, len(alphas)) / t_engine / 1e9, 1)},
        "sklearn_ridge_loop": {"models_timed": len(sample), "seconds_per_model": round(t_sklearn, 4),
                               "models_per_second": round(1 / t_sklearn, 1)},
        "xenonpy_rf_loop": {"models_timed": min(args.rf_sample, len(sample)), "seconds_per_model": round(t_rf, 4),
                            "models_per_second": round(1 / t_rf, 2)},
        "speedup_vs_sklearn_ridge": round(engine_rate * t_sklearn, 1),
        "speedup_vs_xenonpy_rf": round(engine_rate * t_rf, 1),
        "goals": {"models_per_second": ">= 1000", "speedup_vs_sklearn_ridge": ">= 40"},
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
