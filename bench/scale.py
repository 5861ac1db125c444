"""Benchmark: stage-1 screening in-process versus on a local Dask cluster of 1 and 2 workers.

A synthetic library of random nets with the starter library's molecule shapes is written
once to ``.cache/bench/`` (workers read nets from the library files, as on a real
cluster) and screened on 100 FreeSolv rows with 5-fold CV.  Cluster start-up is timed
separately from the screen.  Prints one JSON document.

    python bench/scale.py [--models 4000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from screen import synthetic_nets  # noqa: E402

from core.compute.dask_backend import dask_client, executor  # noqa: E402
from core.datasets import load  # noqa: E402
from core.domains import Domain  # noqa: E402
from core.library import Library, now  # noqa: E402
from core.library.model import n_parameters  # noqa: E402
from core.paths import cache_dir  # noqa: E402
from core.transfer.candidates import featurize_target, load_pool, select_models  # noqa: E402
from core.transfer.cv import CVScheme  # noqa: E402
from core.transfer.stage1 import Scope, run_stage1  # noqa: E402


def synthetic_library(n_models: int, seed: int = 0) -> Path:
    """A library of random nets on disk (made once, then reused)."""
    path = cache_dir() / "bench" / f"synthetic-{n_models}-{seed}"
    if (path / "library.json").exists():
        return path
    nets, _ = synthetic_nets(n_models, seed)
    with Library(path, create=True, name=path.name) as lib:
        items = []
        for key, group in nets.items():
            name, params = key.split("{", 1)
            for model_id, net in group.items():
                metrics = {"mae": 0.0, "rmse": 0.0, "r2": 0.0, "spearman": 0.0}
                card = {"id": model_id, "domain": "molecule", "created": now(), "project_version": "bench",
                        "source": {"dataset": "synthetic", "property": "random net", "unit": "-"},
                        "descriptor": {"name": name, "params": json.loads("{" + params), "n_inputs": len(net.input_index)},
                        "architecture": {"hidden": [w.shape[1] for w in net.weights], "activation": net.activation,
                                         "dropout": 0.0, "n_parameters": n_parameters(net)},
                        "training": {"n_train": 0, "n_val": 0, "n_test": 0, "seed": seed, "seconds": 0.0,
                                     "epochs_run": 0, "device": "none"},
                        "metrics": {"test": metrics, "val": metrics}}
                items.append((net, card))
                if len(items) == 500:
                    lib.add(items)
                    items = []
        lib.add(items)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=4000)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    path = synthetic_library(args.models, args.seed)
    libraries = [Library(path)]
    table = load("freesolv").sample(args.rows, random_state=args.seed)
    y = table["target"].to_numpy(dtype=float)
    pool = load_pool(libraries, select_models(libraries, Domain.MOLECULE))
    X, _ = featurize_target(pool, table["structure"].tolist())
    scopes = [Scope("full", np.arange(len(y)), CVScheme("kfold", k=5, seed=args.seed).splits(y))]
    options = dict(combos=False)

    start = time.perf_counter()
    reference = run_stage1(pool, X, y, scopes, **options)["full"]
    runs = {"in_process": {"seconds": round(time.perf_counter() - start, 2)}}
    for workers in (1, 2):
        t0 = time.perf_counter()
        with dask_client(f"local:{workers}") as client:
            startup = time.perf_counter() - t0
            t1 = time.perf_counter()
            scores = run_stage1(pool, X, y, scopes, executor=executor(client), **options)["full"]
            seconds = time.perf_counter() - t1
        same = [c.id for c in scores.candidates] == [c.id for c in reference.candidates] and all(np.array_equal(a, b) for a, b in zip(scores.oof, reference.oof))
        runs[f"dask_{workers}_workers"] = {"seconds": round(seconds, 2), "cluster_startup_seconds": round(startup, 2),
                                           "same_numbers_as_in_process": bool(same)}
    for run in runs.values():
        run["models_per_second"] = round(pool.n_models / run["seconds"], 1)
    base = runs["in_process"]["seconds"]
    result = {
        "benchmark": "scale (stage 1 on Dask)",
        "machine": {"cpu_count": os.cpu_count()},
        "setup": {"models": pool.n_models, "rows": len(y), "folds": 5, "library": str(path)},
        "runs": runs,
        "ratio_vs_in_process": {k: round(base / v["seconds"], 2) for k, v in runs.items()},
        "note": "in-process already runs chunks on every core (threads); Dask adds reading nets from "
                "files and shipping results, and pays off across machines.",
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
