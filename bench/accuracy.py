"""Benchmark: does transfer beat scratch on the bundled example targets, honestly?

For every example target, at N = 25, 50 and 100 rows (several seeded subsamples each), a
screen of the starter library reports the best scratch baseline's CV MAE, the naive best
candidate's CV MAE (the optimistic number), and the nested estimate of the whole
select-then-fit procedure.  Results are appended to ``.cache/bench/accuracy-<fingerprint>.jsonl``
as they come (the fingerprint covers the libraries, the screen settings, the project
version and the code of ``core``; a rerun of the same setting skips finished cases, ``--fresh`` redoes them) and
the whole table is printed as one JSON document at the end.

    python bench/accuracy.py [--sizes 25 50 100] [--repeats 3] [--targets NAME ...] [--fresh]
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

from bench.records import records_path  # noqa: E402
from core import datasets  # noqa: E402
from core.errors import InputError  # noqa: E402
from core.library import open_libraries  # noqa: E402
from core.transfer.screen import ScreenConfig, screen  # noqa: E402
from core.transfer.transferability import example_targets  # noqa: E402


def run_case(name: str, rows: int, seed: int, libraries, config: ScreenConfig) -> dict:
    target = example_targets([name], rows=rows, seed=seed)[0]
    if len(target.y) < rows:
        return {"target": name, "n": rows, "seed": seed, "skipped": f"only {len(target.y)} distinct structures"}
    start = time.perf_counter()
    try:
        result = screen(target, libraries, config)
    except InputError as exc:
        return {"target": name, "n": rows, "seed": seed, "skipped": str(exc)}
    s = result.summary
    scratch = s["best_scratch"]["cv_mae"]
    transfer = s["best_transfer"]["cv_mae"] if s["best_transfer"] else None
    return {"target": name, "n": rows, "seed": seed, "scratch_mae": scratch, "best_transfer_mae": transfer,
            "naive_best_mae": s["naive_best_cv_mae"], "naive_best": s["best"]["candidate"],
            "nested_mae": s["nested_mae"], "nested_over_scratch": s["nested_mae"] / scratch,
            "seconds": round(time.perf_counter() - start, 1)}


def summarize(records: list[dict]) -> list[dict]:
    table = {}
    for r in records:
        if "skipped" in r:
            continue
        table.setdefault((r["target"], r["n"]), []).append(r)
    out = []
    for (name, n), rs in sorted(table.items()):
        mean = lambda key: float(np.mean([r[key] for r in rs]))  # noqa: E731
        out.append({"target": name, "n": n, "subsamples": len(rs), "scratch_mae": round(mean("scratch_mae"), 4),
                    "naive_best_mae": round(mean("naive_best_mae"), 4), "nested_mae": round(mean("nested_mae"), 4),
                    "nested_over_scratch": round(mean("nested_over_scratch"), 3),
                    "transfer_wins_nested": int(sum(r["nested_mae"] < r["scratch_mae"] for r in rs))})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--targets", nargs="+", default=[s.name for s in datasets.list_datasets(role="example")])
    parser.add_argument("--out", type=Path, help="records file to resume (default: one per library, config and "
                                                      "project version and code under the cache folder)")
    parser.add_argument("--fresh", action="store_true", help="ignore records already in the file")
    args = parser.parse_args(argv)

    libraries = open_libraries(None)
    config = ScreenConfig(strategies=("rf",), top=10, nested_top=3)
    args.out = args.out or records_path("accuracy", config, libraries)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done = {}
    if args.out.exists() and not args.fresh:  # resume: records of this very setting only
        for line in args.out.read_text().splitlines():
            r = json.loads(line)
            done[(r["target"], r["n"], r["seed"])] = r
    for name in args.targets:
        for n in args.sizes:
            for seed in range(args.repeats):
                if (name, n, seed) in done:
                    continue
                record = run_case(name, n, seed, libraries, config)
                done[(name, n, seed)] = record
                with args.out.open("a") as fh:
                    fh.write(json.dumps(record) + "\n")
                print(json.dumps(record), file=sys.stderr, flush=True)
    records = [done[(t, n, s)] for t in args.targets for n in args.sizes for s in range(args.repeats)]
    print(json.dumps({"benchmark": "accuracy", "libraries": [str(lib.path) for lib in libraries],
                      "records": str(args.out),
                      "config": {"strategies": ["rf"], "top": 10, "nested_top": 3, "cv": "5-fold", "nested": "5 outer folds"},
                      "table": summarize(records), "skipped": [r for r in records if "skipped" in r]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
