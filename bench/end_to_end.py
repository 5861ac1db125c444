"""Benchmark: a complete default screen end to end, where the user waits.

A default screen (``ScreenConfig()``, the CLI defaults: stage 1 with the random-weight
control, stage 2, the nested estimates of both procedures) of a bundled molecule
(FreeSolv), polymer (polymer Tg estimates) and inorganic (steel yield strength) target at
30, 50 and 100 rows, with the shipped starter library and with a 5,000-model library
(random-weight copies of the starter library's nets, written once under the cache);
seconds per stage, and the same case with the previous defaults (20 models refitted, 5
per outer fold, forests of 100 trees, run one candidate at a time) as the reference in
the same process, with the ratio.  Larger targets (1,000 and 4,000 rows of experimental
band gaps, Matbench's expt_gap) with the starter library show how the cost grows.

    python bench/end_to_end.py [--sizes 30 50 100] [--large 1000 4000] [--no-big-library] [--no-reference]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.datasets.crabnet import matbench_task  # noqa: E402
from core.domains import Domain  # noqa: E402
from core.library import Library, open_libraries  # noqa: E402
from core.paths import STARTER_LIBRARY_DIR, cache_dir  # noqa: E402
from core.transfer.controls import random_twin  # noqa: E402
from core.transfer.screen import ScreenConfig, Target, screen  # noqa: E402
from core.transfer.transferability import example_targets  # noqa: E402

TARGETS = {"molecule": "freesolv", "polymer": "polymer_tg_common", "inorganic": "steels_yield"}
#: The defaults before the speed work of 2026-12-02, for the reference runs.
PREVIOUS = dict(top=20, nested_top=5, rf_trees=100)


def big_library(n_models: int, domains: tuple[str, ...] | None = None) -> Path:
    """A library of ``n_models`` nets: random-weight copies of the starter library's nets
    (of ``domains``, default all), with their cards."""
    path = cache_dir() / "bench" / f"library-{n_models}{'-' + '-'.join(domains) if domains else ''}"
    if (path / "library.json").exists():
        with Library(path) as lib:
            if len(lib) >= n_models:
                return path
    with Library(STARTER_LIBRARY_DIR) as starter:
        ids = sorted(starter.models(domain=list(domains) if domains else None, columns=["id"])["id"])
        items = [(starter.load(i), starter.card(i)) for i in ids]
    with Library(path, create=True, name=f"synthetic {n_models}") as lib:
        have = lib.ids()
        batch = []
        for k in range(n_models):
            net, card = items[k % len(items)]
            model_id = f"{card['id']}-copy{k // len(items):02d}"
            if model_id in have:
                continue
            batch.append((random_twin(net, model_id, seed=k), {**card, "id": model_id}))
            if len(batch) == 200:
                lib.add(batch)
                batch = []
        lib.add(batch)
    return path


def timed(target: Target, libraries, config: ScreenConfig) -> dict:
    start = time.perf_counter()
    result = screen(target, libraries, config)
    return {"seconds": round(time.perf_counter() - start, 2), "stages": result.summary["timings"],
            "models": result.summary["n_models"], "recommended": result.summary["recommended"]["procedure"]}


def large_target(rows: int) -> Target:
    table = matbench_task("matbench_expt_gap").sample(rows, random_state=0)
    return Target(table["structure"].tolist(), table["target"].to_numpy(dtype=float), Domain.INORGANIC,
                  f"expt_gap {rows}", "eV")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[30, 50, 100])
    parser.add_argument("--large", type=int, nargs="*", default=[1000, 4000])
    parser.add_argument("--big", type=int, default=5000, help="models of the big library (0: none)")
    parser.add_argument("--no-reference", action="store_true", help="skip the runs with the previous defaults")
    args = parser.parse_args(argv)
    starter = open_libraries(None)
    libraries = {"starter": starter}
    if args.big:
        libraries[f"{args.big} models"] = [Library(big_library(args.big))]
    config = ScreenConfig()
    cases = []
    for name, libs in libraries.items():
        for domain, example in TARGETS.items():
            for rows in args.sizes:
                target = example_targets([example], rows=rows, seed=0)[0]
                case = {"library": name, "domain": domain, "target": example, "rows": rows,
                        "default": timed(target, libs, config)}
                if not args.no_reference:
                    case["previous_defaults"] = timed(target, libs, replace(config, **PREVIOUS))
                    case["speedup"] = round(case["previous_defaults"]["seconds"] / case["default"]["seconds"], 2)
                print(json.dumps(case), file=sys.stderr, flush=True)
                cases.append(case)
    for rows in args.large:
        case = {"library": "starter", "domain": "inorganic", "target": "matbench_expt_gap", "rows": rows,
                "default": timed(large_target(rows), starter, config)}
        print(json.dumps(case), file=sys.stderr, flush=True)
        cases.append(case)
    print(json.dumps({"benchmark": "end_to_end", "config": config.to_dict(), "previous_defaults": PREVIOUS,
                      "goals": {"default 50-row screen, starter library": "<= 8 s",
                                "5,000-model library": "<= 30 s", "4,000 rows, starter library": "<= 180 s"},
                      "cases": cases}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
