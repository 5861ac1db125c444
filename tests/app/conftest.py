"""Fixtures of the AppTest suite: the app on the tiny library, a saved run, upload helpers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_state import Key
from core.domains import Domain

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")

#: 24 molecules from FreeSolv with their measured hydration free energies (kcal/mol).
MOLECULES = [("CNC", -4.29), ("CCCOC=O", -2.48), ("CC(C)OC(C)C", -0.53), ("CC#N", -3.88), ("CC(Cl)(Cl)Cl", -0.19),
             ("CCO", -5.0), ("c1ccccc1", -0.9), ("Oc1ccccc1", -6.6), ("CC(=O)C", -3.8), ("CCCCCC", 2.48),
             ("CCCCO", -4.72), ("ClC(Cl)Cl", -1.08), ("c1ccncc1", -4.69), ("CC(=O)O", -6.69), ("CCN", -4.5),
             ("COC", -1.91), ("CCCC", 2.1), ("c1ccc(Cl)cc1", -1.12), ("CCOC(=O)C", -2.94), ("CS(C)=O", -10.0),
             ("Cc1ccccc1", -0.9), ("CCCCCCO", -4.4), ("OCCO", -9.3), ("NC(=O)C", -9.71)]


def csv_bytes(rows, header=("smiles", "dG", "name")) -> bytes:
    lines = [",".join(header)] + [f"{s},{v},mol{i}" for i, (s, v) in enumerate(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def app_env(tiny_library, tmp_path, monkeypatch):
    """Point the app at the tiny library and at empty runs and user-library folders."""
    monkeypatch.setenv("MDL_LIBRARY", str(tiny_library))
    monkeypatch.setenv("MDL_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("MDL_USER_LIBRARIES", str(tmp_path / "user_libraries"))
    return tmp_path


@pytest.fixture
def app(app_env):
    """A fresh app session (AppTest) that has run once (on Home)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def wait_for_jobs(at: AppTest, timeout: float = 120.0) -> AppTest:
    """Rerun the app until this session has no running job (and once more to show the result)."""
    from views._widgets import job_registry

    owner = at.session_state[Key.OWNER]
    end = time.monotonic() + timeout
    while job_registry().running(owner):
        if time.monotonic() > end:
            raise AssertionError("background job did not finish in time")
        time.sleep(0.3)
    at.run()  # note: a page switched to by the script lasts for this run only (AppTest keeps its own page)
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def small_dataset(rows=MOLECULES):
    """A molecule dataset of ``rows`` (SMILES, value) as the Data page would make it."""
    import numpy as np
    import pandas as pd

    from core.workspace import Dataset

    valid = pd.DataFrame({"structure": [s for s, _ in rows], "dG": [v for _, v in rows],
                          "line": np.arange(2, len(rows) + 2)})
    return Dataset("mols", Domain.MOLECULE, valid, "dG", "kcal/mol")


def with_dataset(app, dataset):
    """The Transfer page of ``app`` with ``dataset`` in the session."""
    from app_state import Page

    app.session_state[Key.DATASET] = dataset
    return open_page(app, Page.TRANSFER)
