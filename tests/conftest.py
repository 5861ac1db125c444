"""Shared fixtures.  Tests run against the real installed data packages and libraries."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("MDL_RUNS", str(ROOT / ".cache" / "test-runs"))


@pytest.fixture
def tmp_cache(tmp_path, monkeypatch):
    """An empty cache directory for tests that check caching itself."""
    monkeypatch.setenv("MDL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def csv_file(tmp_path):
    """Write text to a CSV file and return its path."""

    def write(text: str, name: str = "table.csv") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


TINY_SOURCES = ("qm9_cv_per_mass", "chemicals_tb", "mp_gap", "aflow_bulk_modulus")


@pytest.fixture(scope="session")
def tiny_library(tmp_path_factory):
    """A real library built in seconds: the tiny preset on four sources (two domains)."""
    from core.pretrain.builder import BuildConfig, build_library

    out = tmp_path_factory.mktemp("libs") / "tiny"
    summary = build_library(BuildConfig(out=out, preset="tiny", sources=TINY_SOURCES), progress=lambda line: None)
    assert summary.trained_models == 8 and not summary.failures
    return out


@pytest.fixture(scope="session")
def libraries(tiny_library):
    """The tiny library, opened, as the list the transfer engine takes."""
    from core.library import Library

    return [Library(tiny_library)]


@pytest.fixture(scope="session")
def saved_run(tiny_library, tmp_path_factory):
    """A real screen of 24 molecules on the tiny library, saved as a run folder."""
    import numpy as np

    from core.domains import Domain
    from core.library import Library
    from core.transfer.runs import save_run
    from core.transfer.screen import ScreenConfig, Target, screen
    from tests.app.conftest import MOLECULES

    target = Target([s for s, _ in MOLECULES], np.array([v for _, v in MOLECULES]), Domain.MOLECULE,
                    name="dG", unit="kcal/mol")
    config = ScreenConfig(top=2, nested_top=1, rf_trees=20, ensemble=2, nested_folds=3)
    result = screen(target, [Library(tiny_library)], config)
    base = tmp_path_factory.mktemp("saved-runs")
    return save_run(result, base / "run-dG", [str(tiny_library)])
