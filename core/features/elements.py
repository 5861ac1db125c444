"""Elemental feature table: XenonPy's 58 features for 94 elements (H to Pu).

Read from the elementembeddings package (MIT), which ships XenonPy's table as
``elementembeddings/data/element_representations/xenonpy_element_features.csv``.
Reference: C. Liu et al. / XenonPy (Yamada et al., ACS Cent. Sci. 5, 1717 (2019)).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from core.paths import package_file

PACKAGE = "elementembeddings"
FILE = "elementembeddings/data/element_representations/xenonpy_element_features.csv"


@lru_cache(maxsize=1)
def element_table() -> pd.DataFrame:
    """58 features x 94 elements, indexed by element symbol, float64, no missing values."""
    table = pd.read_csv(package_file(PACKAGE, FILE), index_col="element")
    table = table.astype("float64")
    if table.isna().any().any():  # the shipped table is complete; keep the contract explicit
        table = table.fillna(table.mean())
    return table


def feature_names() -> list[str]:
    """The 58 elemental feature names in table order."""
    return list(element_table().columns)
