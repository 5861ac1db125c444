"""Golden-number regression of the ranking pipeline on a fixed seed.

If a change of the numbers is intended, regenerate with
``.venv/bin/python scripts/regenerate_golden.py`` and review the diff.
"""

import json
from pathlib import Path

import pytest

from tests.transfer.golden_case import golden_numbers

GOLDEN = json.loads((Path(__file__).parent / "golden.json").read_text())


def test_ranking_matches_golden_numbers(libraries):
    now = golden_numbers(libraries)
    assert [r["candidate"] for r in now["top"]] == [r["candidate"] for r in GOLDEN["top"]]
    for got, want in zip(now["top"], GOLDEN["top"]):
        assert got["cv_mae"] == pytest.approx(want["cv_mae"], rel=1e-5)
    assert now["best_scratch_cv_mae"] == pytest.approx(GOLDEN["best_scratch_cv_mae"], rel=1e-5)
    assert now["nested_mae"] == pytest.approx(GOLDEN["nested_mae"], rel=1e-5)
    assert now["transfer_helps"] == GOLDEN["transfer_helps"]
