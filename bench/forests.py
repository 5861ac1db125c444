"""Benchmark: random forest against extremely randomised trees as the scratch forest.

The evidence behind the ``scratch_et`` default: for every bundled example (or ``--targets``),
N in {30, 100} training rows and 3 seeded subsamples (the subsamples of
``bench/holdout.py``), both forests (50 trees, a third of the features per split, as the
screen fits them) are trained on each scratch descriptor of the domain and scored on every
other row.  Prints one JSON document: every cell, and per (target, descriptor) how often
the extremely randomised trees had the lower test MAE and the mean ratio ET / RF.

    python bench/forests.py [--targets NAME ...] [--sizes 30 100] [--subsamples 3] [--trees 50]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from holdout import MIN_TEST, example_table  # noqa: E402

from core import datasets  # noqa: E402
from core.features import make_featurizer  # noqa: E402
from core.transfer.candidates import SCRATCH_DESCRIPTORS  # noqa: E402
from core.transfer.forest import Forest  # noqa: E402


def run_target(name: str, sizes: list[int], subsamples: int, trees: int) -> list[dict]:
    table, spec = example_table(name)
    y = table["target"].to_numpy(dtype=float)
    features = {d: np.nan_to_num(make_featurizer(d).transform(table["structure"].tolist()))
                for d in SCRATCH_DESCRIPTORS[spec.domain]}
    cells = []
    for n in sizes:
        if len(table) < n + MIN_TEST:
            continue
        for seed in range(subsamples):
            train = table.index.get_indexer(table.sample(n, random_state=seed).index)
            test = np.setdiff1d(np.arange(len(table)), train)
            for d, X in features.items():
                mae = {}
                for label, extra in (("rf", False), ("et", True)):
                    model = Forest(trees, seed, extra=extra).fit(X[train], y[train])
                    mae[label] = float(np.abs(model.predict(X[test]) - y[test]).mean())
                cells.append({"target": name, "n": n, "seed": seed, "descriptor": d, "rf_mae": mae["rf"],
                              "et_mae": mae["et"], "ratio": mae["et"] / mae["rf"]})
                print(json.dumps(cells[-1]), file=sys.stderr, flush=True)
    return cells


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", nargs="+", default=[s.name for s in datasets.list_datasets(role="example")])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 100])
    parser.add_argument("--subsamples", type=int, default=3)
    parser.add_argument("--trees", type=int, default=50)
    args = parser.parse_args(argv)
    cells = [c for t in args.targets for c in run_target(t, args.sizes, args.subsamples, args.trees)]
    summary = {}
    for c in cells:
        summary.setdefault(f"{c['target']} / {c['descriptor']}", []).append(c)
    print(json.dumps({"benchmark": "forests", "trees": args.trees, "summary": {
        key: {"cells": len(cs), "et_better": int(sum(c["ratio"] < 1 for c in cs)),
              "ratio_mean": round(float(np.mean([c["ratio"] for c in cs])), 3)} for key, cs in summary.items()},
        "cells": cells}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
