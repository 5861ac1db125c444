import numpy as np
import pytest

from core import datasets
from core.domains import Domain
from core.transfer.screen import ScreenConfig, Target


def example_target(name: str, rows: int, seed: int = 0) -> Target:
    spec = datasets.get(name)
    table = datasets.load(spec).sample(rows, random_state=seed)
    return Target(table["structure"].tolist(), table["target"].to_numpy(dtype=float), spec.domain, name, spec.unit)


@pytest.fixture(scope="session")
def mol_target():
    return example_target("freesolv", 40)


@pytest.fixture(scope="session")
def inorg_target():
    return example_target("steels_yield", 40)


FAST = dict(strategies=("rf",), baselines=("scratch_rf", "scratch_mean"), top=2, nested_top=1, rf_trees=20, ensemble=2)


def fast_config(**changes) -> ScreenConfig:
    return ScreenConfig(**{**FAST, **changes})


__all__ = ["Domain", "example_target", "fast_config", "np"]
