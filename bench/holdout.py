"""Benchmark: the recommended model on rows it never saw, against the random forest a user would fit.

For every bundled example target and N in {30, 100} training rows (3 seeded subsamples
each): a screen of N rows with the CLI defaults, then the run's *recommended* model
predicts every other row of the example (structures of the training rows excluded).  Its
test MAE is compared with random forests (300 trees, scikit-learn defaults otherwise)
trained on the same N rows on Morgan counts, on RDKit 2D descriptors (molecules and
polymers) and on composition features and element fractions (inorganic), and the
empirical coverage of its 90% prediction interval is measured.  Then 10 seeded pure-noise targets of 40 rows
(molecules, polymers and formulas): the screen's ``transfer_helps`` should be false.

Representations whose training data contain the target's structures (Chemprop's ADMET
models were trained on FreeSolv) are left out, so no model is scored on rows it saw.

Records are appended to ``.cache/bench/holdout-<fingerprint>.jsonl`` as they come (the
fingerprint covers the libraries, the settings, the project version and the code of ``core``), so an
interrupted run resumes; ``--fresh`` redoes them.  One JSON document goes to stdout.

    python bench/holdout.py [--sizes 30 100] [--subsamples 3] [--targets NAME ...] [--noise 10] [--fresh]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.ensemble import RandomForestRegressor  # noqa: E402

from bench.records import records_path  # noqa: E402
from core import datasets  # noqa: E402
from core.domains import Domain, structure_key  # noqa: E402
from core.errors import InputError  # noqa: E402
from core.features import make_featurizer  # noqa: E402
from core.library import open_libraries  # noqa: E402
from core.transfer.intervals import coverage  # noqa: E402
from core.transfer.predict import predict  # noqa: E402
from core.transfer.screen import ScreenConfig, Target, screen  # noqa: E402

#: Random-forest baselines per domain: the descriptors a user would reach for.
FORESTS = {Domain.MOLECULE: ("morgan", "rdkit2d"), Domain.POLYMER: ("morgan", "rdkit2d"),
           Domain.INORGANIC: ("composition", "element_fraction")}
#: Structures of the noise targets come from these examples.
NOISE_FROM = {Domain.MOLECULE: "freesolv", Domain.POLYMER: "polymer_tg_common", Domain.INORGANIC: "expt_gap"}
MIN_TEST = 30


def example_table(name: str) -> tuple[pd.DataFrame, datasets.DatasetSpec]:
    """The example's rows, one per structure key (duplicates averaged)."""
    spec = datasets.get(name)
    table = datasets.load(spec)[["structure", "target"]].copy()
    table["key"] = [structure_key(s, spec.domain) for s in table["structure"]]
    table = table.groupby("key", sort=True, as_index=False).agg(structure=("structure", "first"),
                                                                 target=("target", "mean"))
    return table, spec


def forest_maes(spec, train: pd.DataFrame, test: pd.DataFrame, seed: int) -> dict[str, float]:
    out = {}
    for name in FORESTS[spec.domain]:
        featurizer = make_featurizer(name)
        X_train = featurizer.transform(train["structure"].tolist())
        X_test = featurizer.transform(test["structure"].tolist())
        rf = RandomForestRegressor(n_estimators=300, random_state=seed, n_jobs=-1)
        pred = rf.fit(X_train, train["target"].to_numpy()).predict(X_test)
        out[name] = float(np.abs(pred - test["target"].to_numpy()).mean())
    return out


def run_cell(name: str, n: int, seed: int, libraries, config: ScreenConfig) -> dict:
    table, spec = example_table(name)
    record = {"target": name, "domain": spec.domain.value, "n": n, "seed": seed}
    if len(table) < n + MIN_TEST:
        return record | {"skipped": f"only {len(table)} distinct structures"}
    train = table.sample(n, random_state=seed)
    test = table.drop(train.index)
    target = Target(train["structure"].tolist(), train["target"].to_numpy(dtype=float), spec.domain, name,
                    spec.unit)
    start = time.perf_counter()
    try:
        result = screen(target, libraries, replace(config, seed=seed))
    except InputError as exc:
        return record | {"skipped": str(exc)}
    seconds = time.perf_counter() - start
    out = predict(result, test["structure"].tolist(), libraries=libraries)
    y_test = test["target"].to_numpy(dtype=float)
    mae = float(np.abs(out.table["prediction"].to_numpy() - y_test).mean())
    forests = forest_maes(spec, train, test, seed)
    best_forest = min(forests.values())
    s = result.summary
    return record | {
        "n_test": int(len(test)), "unit": spec.unit, "recommended": s["recommended"]["procedure"],
        "members": s["recommended"]["members"], "transfer_helps": s["transfer_helps"],
        "test_mae": mae, "forest_mae": forests, "best_forest_mae": best_forest, "ratio": mae / best_forest,
        "mean_mae": float(np.abs(y_test - train["target"].mean()).mean()),
        "coverage": coverage(y_test, out.table["prediction"].to_numpy(), out.halfwidth),
        "nested_mae": s["nested_mae"], "nested_transfer": s["procedures"]["transfer"]["nested_mae"],
        "nested_scratch": s["procedures"]["scratch"]["nested_mae"], "p_value": s["decision"]["p_value"],
        "naive_best_cv_mae": s["naive_best_cv_mae"], "screen_seconds": round(seconds, 1),
        "timings": s["timings"]}


def run_noise(i: int, libraries, config: ScreenConfig, rows: int = 40) -> dict:
    domain = list(NOISE_FROM)[i % len(NOISE_FROM)]
    table, spec = example_table(NOISE_FROM[domain])
    rng = np.random.default_rng(1000 + i)
    sample = table.sample(rows, random_state=1000 + i)
    target = Target(sample["structure"].tolist(), rng.normal(size=rows), domain, f"noise-{i}", "")
    result = screen(target, libraries, replace(config, seed=i))
    s = result.summary
    return {"noise": i, "domain": domain.value, "transfer_helps": s["transfer_helps"],
            "p_value": s["decision"]["p_value"], "gain": s["decision"]["gain"],
            "recommended": s["recommended"]["procedure"]}


def summarize(cells: list[dict], noise: list[dict]) -> dict:
    done = [c for c in cells if "skipped" not in c]
    per_target = {}
    for c in done:
        per_target.setdefault(f"{c['target']} N={c['n']}", []).append(c)
    rows = []
    for key, cs in per_target.items():
        rows.append({"cell": key, "subsamples": len(cs), "test_mae": round(float(np.mean([c["test_mae"] for c in cs])), 4),
                     "best_forest_mae": round(float(np.mean([c["best_forest_mae"] for c in cs])), 4),
                     "ratio_mean": round(float(np.mean([c["ratio"] for c in cs])), 3),
                     "ratio_max": round(float(max(c["ratio"] for c in cs)), 3),
                     "wins": int(sum(c["ratio"] <= 1 for c in cs)),
                     "transfer_recommended": int(sum(c["recommended"] == "transfer" for c in cs)),
                     "coverage": round(float(np.mean([c["coverage"] for c in cs])), 3)})
    n_test = np.array([c["n_test"] for c in done], dtype=float)
    return {
        "cells": len(done), "cells_won": int(sum(c["ratio"] <= 1 for c in done)),
        "share_won": round(float(np.mean([c["ratio"] <= 1 for c in done])), 3) if done else None,
        "worst_ratio": round(float(max(c["ratio"] for c in done)), 3) if done else None,
        "coverage_overall": round(float(np.average([c["coverage"] for c in done], weights=n_test)), 3) if done else None,
        "noise_false_helps": int(sum(r["transfer_helps"] for r in noise)), "noise_targets": len(noise),
        "per_target": rows}


def _resume(path: Path, fresh: bool) -> dict:
    done = {}
    if path.exists() and not fresh:
        for line in path.read_text().splitlines():
            r = json.loads(line)
            done[r["key"]] = r
    return done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 100])
    parser.add_argument("--subsamples", type=int, default=3)
    parser.add_argument("--targets", nargs="+", default=[s.name for s in datasets.list_datasets(role="example")])
    parser.add_argument("--noise", type=int, default=10, help="pure-noise targets (0: none)")
    parser.add_argument("--library", type=Path, action="append", help="libraries (default: the starter library)")
    parser.add_argument("--no-representations", action="store_true",
                        help="leave out the pretrained representations (Chemprop, element embeddings): the "
                             "library's own nets only, to see what the representations add")
    parser.add_argument("--out", type=Path, help="records file to resume")
    parser.add_argument("--fresh", action="store_true", help="ignore records already in the file")
    args = parser.parse_args(argv)

    libraries = open_libraries(args.library)
    # the CLI defaults, except that representations trained on a target's structures are left out: a
    # benchmark must not score a model on rows it was trained on (the product warns about them instead)
    config = ScreenConfig(overlap="exclude", representations=not args.no_representations)
    path = args.out or records_path("holdout", config, libraries)
    path.parent.mkdir(parents=True, exist_ok=True)  # also for --out
    done = _resume(path, args.fresh)

    def record(key: str, make) -> dict:
        if key not in done:
            done[key] = {"key": key, **make()}
            with path.open("a") as fh:
                fh.write(json.dumps(done[key]) + "\n")
            print(json.dumps(done[key]), file=sys.stderr, flush=True)
        return done[key]

    cells = [record(f"{t}|{n}|{s}", lambda t=t, n=n, s=s: run_cell(t, n, s, libraries, config))
             for t in args.targets for n in args.sizes for s in range(args.subsamples)]
    noise = [record(f"noise|{i}", lambda i=i: run_noise(i, libraries, config)) for i in range(args.noise)]
    print(json.dumps({"benchmark": "holdout", "libraries": [str(lib.path) for lib in libraries],
                      "records": str(path), "config": config.to_dict(), "summary": summarize(cells, noise),
                      "cells": cells, "noise": noise}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
