"""Shared cleaning of formula tables: element checks and duplicate handling."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

_SYMBOL = re.compile(r"[A-Z][a-z]?")


@lru_cache(maxsize=1)
def featurizable_elements() -> frozenset[str]:
    """Elements with XenonPy features (H to Pu): formulas with others cannot be described."""
    from core.features.elements import element_table

    return frozenset(element_table().index)


def keep_featurizable(table: pd.DataFrame) -> pd.DataFrame:
    """Rows whose formula uses only featurizable elements and has at least one symbol."""
    known = featurizable_elements()
    ok = [bool(s) and set(s) <= known for s in (_SYMBOL.findall(str(f)) for f in table["structure"])]
    return table[np.array(ok, dtype=bool)]


def clean_formula_table(
    table: pd.DataFrame, *, lower: float | None = None, upper: float | None = None
) -> pd.DataFrame:
    """Drop unfeaturizable formulas and out-of-range targets, average duplicates."""
    from core.datasets import aggregate_duplicates

    table = table.dropna(subset=["structure", "target"])
    table = table.assign(structure=table["structure"].astype(str).str.strip())
    if lower is not None:
        table = table[table["target"] >= lower]
    if upper is not None:
        table = table[table["target"] <= upper]
    return aggregate_duplicates(keep_featurizable(table))
