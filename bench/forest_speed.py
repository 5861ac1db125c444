"""Benchmark: the screen's lean forests against scikit-learn's forest estimators.

A default 50-row screen fits about 300 forests of 50 trees on 30-40 rows.  For each shape
the screen meets (rows x columns of the bundled examples' descriptors: a molecule's Morgan
counts, RDKit descriptors, MACCS keys, a representation's 300 features, composition
features), both kinds of forest (random forest, extremely randomised trees) are fitted and
asked to predict, ``--repeats`` times, by :class:`core.transfer.forest.Forest` and by
scikit-learn's ``RandomForestRegressor`` / ``ExtraTreesRegressor`` with the same settings
(one thread each), in the same process.  Prints one JSON document: milliseconds per
forest, the ratio, and whether the predictions are equal bit for bit (they must be).

    python bench/forest_speed.py [--rows 40] [--trees 50] [--repeats 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor  # noqa: E402

from core.features import make_featurizer  # noqa: E402
from core.transfer.forest import MAX_FEATURES, Forest  # noqa: E402
from core.transfer.transferability import example_targets  # noqa: E402

#: (example, descriptor) pairs whose shapes a default screen's forests see.
SHAPES = [("freesolv", "morgan"), ("freesolv", "rdkit2d"), ("freesolv", "maccs"), ("freesolv", "chemprop_admet"),
          ("steels_yield", "composition"), ("steels_yield", "element_fraction")]


def _time(make, X, y, X_test, repeats: int) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    for _ in range(repeats):
        pred = make().fit(X, y).predict(X_test)
    return (time.perf_counter() - start) / repeats, pred


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40, help="training rows (a 50-row screen's folds hold 32-40)")
    parser.add_argument("--trees", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    cases = []
    for example, descriptor in SHAPES:
        target = example_targets([example], rows=args.rows + 10, seed=0)[0]
        X = make_featurizer(descriptor).transform(target.structures)
        y = np.asarray(target.y, dtype=float)
        train, test = slice(0, args.rows), slice(args.rows, None)
        for extra, theirs in ((False, RandomForestRegressor), (True, ExtraTreesRegressor)):
            ours_s, ours = _time(lambda: Forest(args.trees, 0, extra=extra), X[train], y[train], X[test],
                                 args.repeats)
            sk_s, sk = _time(lambda: theirs(n_estimators=args.trees, max_features=MAX_FEATURES, random_state=0,
                                            n_jobs=1), X[train], y[train], X[test], args.repeats)
            cases.append({"example": example, "descriptor": descriptor, "columns": int(X.shape[1]),
                          "forest": "extremely randomised trees" if extra else "random forest",
                          "ours_ms": round(1000 * ours_s, 2), "scikit_learn_ms": round(1000 * sk_s, 2),
                          "speedup": round(sk_s / ours_s, 2), "equal_bit_for_bit": bool(np.array_equal(ours, sk))})
            print(json.dumps(cases[-1]), file=sys.stderr, flush=True)
    total_ours = sum(c["ours_ms"] for c in cases)
    total_sk = sum(c["scikit_learn_ms"] for c in cases)
    print(json.dumps({"benchmark": "forest_speed", "rows": args.rows, "trees": args.trees, "repeats": args.repeats,
                      "cases": cases, "speedup_over_all_shapes": round(total_sk / total_ours, 2),
                      "all_equal": all(c["equal_bit_for_bit"] for c in cases)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
