"""Benchmark: Matbench v0.1 as the yardstick (matbench_steels, matbench_expt_gap).

For each task (from the crabnet 2.0.8 wheel) and each of the official folds
(``KFold(5, shuffle=True, random_state=18012019)`` over the file's rows, see
:func:`core.datasets.crabnet.matbench_folds`), the product's *recommended* model is
screened on the training part with the CLI defaults and scored on the test part; the test
MAE per fold and their mean are printed beside the leaderboard.  Learning curves: the
same folds, the training part subsampled to N = 50, 100 and 200 rows (seeded), where
transfer should matter most, with a random forest (300 trees) on the same composition
features and rows as the reference.

Records are appended to ``.cache/bench/matbench-<fingerprint>.jsonl`` (resumed when
interrupted; ``--fresh`` redoes them); one JSON document goes to stdout.

    python bench/matbench.py [--tasks matbench_steels matbench_expt_gap] [--sizes 50 100 200] [--no-full]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.ensemble import RandomForestRegressor  # noqa: E402

from bench.records import records_path  # noqa: E402
from core.datasets.crabnet import matbench_folds, matbench_task  # noqa: E402
from core.domains import Domain  # noqa: E402
from core.features import make_featurizer  # noqa: E402
from core.library import open_libraries  # noqa: E402
from core.transfer.predict import predict  # noqa: E402
from core.transfer.screen import ScreenConfig, Target, screen  # noqa: E402

#: Leaderboard means of Matbench v0.1 (matbench.materialsproject.org, as of 2024; test MAE over the
#: five official folds): MPa for steels, eV for experimental band gaps.
LEADERBOARD = {
    "matbench_steels": {"TPOT-Mat": 79.95, "AutoML-Mat": 82.30, "MODNet v0.1.12": 87.76, "RF-SCM/Magpie": 103.51,
                        "CrabNet": 107.32, "Dummy": 229.74},
    "matbench_expt_gap": {"Darwin": 0.2865, "MODNet v0.1.12": 0.3327, "CrabNet": 0.3463, "RF-SCM/Magpie": 0.4461,
                          "Dummy": 1.1435},
}
UNITS = {"matbench_steels": "MPa", "matbench_expt_gap": "eV"}


def run_fold(task: str, fold: int, n: int | None, libraries, config: ScreenConfig) -> dict:
    table = matbench_task(task)
    train, test = matbench_folds(table)[fold]
    if n is not None:
        train = np.sort(np.random.default_rng([fold, n]).choice(train, size=n, replace=False))
    tr, te = table.iloc[train], table.iloc[test]
    target = Target(tr["structure"].tolist(), tr["target"].to_numpy(dtype=float), Domain.INORGANIC, task,
                    UNITS[task])
    start = time.perf_counter()
    result = screen(target, libraries, config)
    seconds = time.perf_counter() - start
    out = predict(result, te["structure"].tolist(), libraries=libraries)
    y = te["target"].to_numpy(dtype=float)
    pred = out.table["prediction"].to_numpy()
    ok = np.isfinite(pred)
    record = {"task": task, "fold": fold, "n_train": int(len(train)), "n_test": int(len(test)),
              "test_mae": float(np.abs(pred[ok] - y[ok]).mean()), "unpredicted": int((~ok).sum()),
              "recommended": result.summary["recommended"]["procedure"],
              "members": result.summary["recommended"]["members"], "nested_mae": result.summary["nested_mae"],
              "screen_seconds": round(seconds, 1), "timings": result.summary["timings"]}
    if n is not None:  # the reference a user would fit on the same rows
        f = make_featurizer("composition")
        rf = RandomForestRegressor(300, random_state=fold, n_jobs=-1)
        rf.fit(f.transform(tr["structure"].tolist()), tr["target"].to_numpy(dtype=float))
        record["forest_mae"] = float(np.abs(rf.predict(f.transform(te["structure"].tolist())) - y).mean())
    return record


def summarize(records: list[dict]) -> dict:
    out = {}
    for task in LEADERBOARD:
        full = [r for r in records if r["task"] == task and r.get("subsample") is None and "test_mae" in r]
        curve = {}
        for r in records:
            if r["task"] == task and r.get("subsample") is not None and "test_mae" in r:
                curve.setdefault(r["subsample"], []).append(r)
        out[task] = {
            "unit": UNITS[task],
            "folds": [round(r["test_mae"], 4) for r in sorted(full, key=lambda r: r["fold"])],
            "mean_test_mae": round(float(np.mean([r["test_mae"] for r in full])), 4) if len(full) == 5 else None,
            "leaderboard": LEADERBOARD[task],
            "learning_curve": {str(n): {"mean_test_mae": round(float(np.mean([r["test_mae"] for r in rs])), 4),
                                        "forest_mae": round(float(np.mean([r["forest_mae"] for r in rs])), 4),
                                        "transfer_recommended": int(sum(r["recommended"] == "transfer" for r in rs)),
                                        "folds": len(rs)} for n, rs in sorted(curve.items())}}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(LEADERBOARD), choices=list(LEADERBOARD))
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 100, 200])
    parser.add_argument("--no-full", action="store_true", help="learning curves only (no screen of the whole "
                                                                 "training parts)")
    parser.add_argument("--library", type=Path, action="append")
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)
    libraries = open_libraries(args.library)
    config = ScreenConfig()
    path = records_path("matbench", config, libraries)
    done = {}
    if path.exists() and not args.fresh:
        done = {r["key"]: r for r in map(json.loads, path.read_text().splitlines())}
    plan = [(t, f, n) for t in args.tasks for n in ([None] if not args.no_full else []) + list(args.sizes)
            for f in range(5)]
    for task, fold, n in plan:
        key = f"{task}|{fold}|{n}"
        if key not in done:
            done[key] = {"key": key, "subsample": n, **run_fold(task, fold, n, libraries, replace(config, seed=fold))}
            with path.open("a") as fh:
                fh.write(json.dumps(done[key]) + "\n")
            print(json.dumps(done[key]), file=sys.stderr, flush=True)
    records = [done[f"{t}|{f}|{n}"] for t, f, n in plan]
    print(json.dumps({"benchmark": "matbench", "records": str(path), "libraries": [str(lib.path) for lib in libraries],
                      "summary": summarize(records)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
