"""Transferability map: for several targets, how much each source property helps.

For each target, every candidate model is scored in stage 1 (closed-form CV ridge on
frozen features, with and without the raw descriptor) and the scratch baselines (ridge
and both scratch forests on the raw descriptors) under the same folds.  The cell for (source
property, target) is the improvement in percent of that property's best model over the
best scratch baseline: positive means transfer helped.  No nested estimate is computed
here; it is a map for exploring, not a claim.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable


import pandas as pd

from core.library import Library
from core.transfer.screen import ScreenConfig, Target, screen

#: What the map's quick screen changes in the given config: stage 1 and the scratch forests
#: (random forest and extremely randomised trees), nothing refitted, no nested estimate or control.
QUICK_MAP = dict(strategies=(), baselines=("scratch_rf", "scratch_et"), nested=False, top=1, controls=False)


@dataclass
class TransferabilityMap:
    """``improvement``: source properties x targets, in percent over scratch."""

    improvement: pd.DataFrame
    best_mae: pd.DataFrame
    scratch_mae: pd.Series
    details: dict

    def to_dict(self) -> dict:
        return {"improvement_pct": _records(self.improvement), "best_mae": _records(self.best_mae),
                "scratch_mae": self.scratch_mae.to_dict(), "details": self.details}


def _records(frame: pd.DataFrame) -> dict:
    return {col: {idx: (None if pd.isna(v) else float(v)) for idx, v in frame[col].items()} for col in frame.columns}


def transferability(targets: list[Target], libraries: list[Library], config: ScreenConfig | None = None, *,
                    progress: Callable[[str, int, int], None] | None = None,
                    cancel: Callable[[], bool] | None = None) -> TransferabilityMap:
    """Improvement over scratch of each source property on each target."""
    base = config or ScreenConfig()
    quick = replace(base, **QUICK_MAP)
    columns, best, scratch, details = {}, {}, {}, {}
    for i, target in enumerate(targets):
        if progress:
            progress(f"target {target.name}", i, len(targets))
        result = screen(target, libraries, quick, cancel=cancel)
        ranking = result.ranking
        transfer = ranking[ranking["family"] == "transfer"]
        per_source = transfer.groupby("property")["cv_mae"].min()
        scratch[target.name] = float(ranking[ranking["family"] == "scratch"]["cv_mae"].min())
        best[target.name] = per_source
        columns[target.name] = 100.0 * (scratch[target.name] - per_source) / scratch[target.name]
        details[target.name] = {"n": int(len(target.y)), "domain": target.domain.value, "unit": target.unit,
                                "best_scratch": result.summary["best_scratch"]["candidate"],
                                "models": int(result.summary["n_models"])}
    if progress:
        progress("done", len(targets), len(targets))
    improvement = pd.DataFrame(columns)
    order = improvement.max(axis=1).sort_values(ascending=False).index
    return TransferabilityMap(improvement.loc[order], pd.DataFrame(best).loc[order], pd.Series(scratch), details)


def example_targets(names: list[str], rows: int | None = 100, seed: int = 0) -> list[Target]:
    """Bundled example datasets as targets, each subsampled to ``rows`` (seeded).

    Rows with the same structure are averaged first (as ``screen`` does with uploads), so
    no structure sits in a training and a test fold at once.
    """
    from core import datasets
    from core.datasets import aggregate_duplicates

    out = []
    for name in names:
        spec = datasets.get(name)
        table = aggregate_duplicates(datasets.load(spec)[["structure", "target"]])
        if rows and len(table) > rows:
            table = table.sample(rows, random_state=seed)
        out.append(Target(table["structure"].tolist(), table["target"].to_numpy(dtype=float), spec.domain,
                          name=name, unit=spec.unit))
    return out


