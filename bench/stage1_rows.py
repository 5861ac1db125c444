"""Benchmark: stage 1 on many rows, with the feature form's products from row sums versus
formed fold by fold.

A default screen's stage 1 (every starter-library model for inorganic compounds, the
pretrained representations, the random-weight control, the full scope and the five nested
scopes) on ``--rows`` rows of experimental band gaps (Matbench ``expt_gap``).  The feature
form (width <= training rows) needs each fold's ``Z^T Z``: the product path forms it from
sums over all rows minus the rows a scope and a fold leave out
(:class:`core.transfer.ridge.RowSums`), once per fold whichever candidates read it; the
reference forms it from the fold's scaled training rows, for each candidate kind, as
before.  Both run in the same process; the ratio and the largest difference of the
out-of-fold predictions are printed as one JSON document.

    python bench/stage1_rows.py [--rows 1000 4000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.datasets.crabnet import matbench_task  # noqa: E402
from core.domains import Domain  # noqa: E402
from core.library import Library  # noqa: E402
from core.paths import STARTER_LIBRARY_DIR  # noqa: E402
from core.transfer import stage1  # noqa: E402
from core.transfer.screen import ScreenConfig, Target, _prepare  # noqa: E402


def _direct_cross(self, fold, scaled, fold_sums):
    """The reference: each product from the fold's scaled training rows, when asked for."""
    return lambda a, b: scaled[a].train.transpose(1, 2) @ scaled[b].train


def run(rows: int) -> dict:
    table = matbench_task("matbench_expt_gap").sample(rows, random_state=0)
    target = Target(table["structure"].tolist(), table["target"].to_numpy(dtype=float), Domain.INORGANIC,
                    f"expt_gap {rows}", "eV")
    with Library(STARTER_LIBRARY_DIR) as library:
        prep = _prepare(target, [library], ScreenConfig(), None, lambda *a: None, lambda message: None)
        ctx = prep.ctx
        out, seconds = {}, {}
        for name in ("row_sums", "per_fold"):
            original = stage1._ScopeData._cross
            if name == "per_fold":
                stage1._ScopeData._cross = _direct_cross
            try:
                start = time.perf_counter()
                out[name] = stage1.run_stage1(ctx.pool, ctx.descriptors, ctx.y, prep.scopes, controls=ctx.controls,
                                              control_seed=0)
                seconds[name] = round(time.perf_counter() - start, 2)
            finally:
                stage1._ScopeData._cross = original
    diff = max(float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
               for scope in out["row_sums"] for a, b in zip(out["row_sums"][scope].oof, out["per_fold"][scope].oof))
    same_penalty = all(out["row_sums"][s].penalty == out["per_fold"][s].penalty for s in out["row_sums"])
    return {"rows": rows, "models": ctx.pool.n_models, "scopes": len(prep.scopes), "seconds": seconds,
            "ratio": round(seconds["per_fold"] / seconds["row_sums"], 2),
            "max_abs_difference_eV": diff, "same_penalties": same_penalty}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 4000])
    args = parser.parse_args(argv)
    results = []
    for rows in args.rows:
        results.append(run(rows))
        print(json.dumps(results[-1]), file=sys.stderr)
    print(json.dumps({"benchmark": "stage1_rows", "cases": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
