"""Benchmark: a 100,000-model library on one machine.

Builds (once, under the cache) a library of ``--models`` synthetic nets with the starter
library's molecule shapes (random-weight copies of its molecule nets, with their cards),
then runs stage 1 of a screen of 100 FreeSolv rows over the full scope and the five
nested scopes (the random-weight control in the full scope), reading the nets from disk
stack by stack.  Reports seconds, models per second and the peak resident memory of the
process (the goal: 3 minutes and 4 GB).  Prints one JSON document.

    python bench/big_library.py [--models 100000] [--rows 100]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.end_to_end import big_library  # noqa: E402
from core.domains import Domain  # noqa: E402
from core.library import Library  # noqa: E402
from core.transfer.candidates import featurize_target, load_pool, select_models  # noqa: E402
from core.transfer.config import ScreenConfig  # noqa: E402
from core.transfer.netstore import TwinStore  # noqa: E402
from core.transfer.screen import _inner_scope  # noqa: E402
from core.transfer.stage1 import Scope, run_stage1  # noqa: E402
from core.transfer.transferability import example_targets  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=100)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = big_library(args.models, ("molecule",))
    build_s = time.perf_counter() - start
    target = example_targets(["freesolv"], rows=args.rows, seed=0)[0]
    config = ScreenConfig()
    y = np.asarray(target.y)
    groups = target.group_keys()
    outer = config.outer_splits(y, groups)
    scopes = [Scope("full", np.arange(len(y)), config.cv.splits(y, groups))] + \
        [_inner_scope(o, tr, y, groups, config) for o, (tr, _) in enumerate(outer)]
    with Library(path) as lib:
        t0 = time.perf_counter()
        pool = load_pool([lib], select_models([lib], Domain.MOLECULE, representations=False))
        X, _ = featurize_target(pool, target.structures)
        controls = {key: TwinStore(nets, config.seed) for key, nets in pool.nets.items()}
        t1 = time.perf_counter()
        scores = run_stage1(pool, X, y, scopes, controls=controls, control_seed=config.seed, oof_scopes=("full",))
        t2 = time.perf_counter()
    n_scored = sum(len(s.candidates) for s in scores.values())
    print(json.dumps({
        "benchmark": "big library (stage 1, streamed from disk)", "models": pool.n_models, "rows": len(y),
        "scopes": len(scopes), "candidates_scored": n_scored, "library_build_seconds": round(build_s, 1),
        "catalog_and_featurize_seconds": round(t1 - t0, 1), "stage1_seconds": round(t2 - t1, 1),
        "models_per_second": round(pool.n_models * len(scopes) / (t2 - t1), 1), "peak_memory_mb": round(peak_mb()),
        "goals": {"seconds": "<= 180", "peak_memory_mb": "<= 4096"}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
