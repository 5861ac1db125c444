"""Golden-number regression of the ranking pipeline on a fixed seed.

If a change of the numbers is intended, regenerate with
``.venv/bin/python scripts/regenerate_golden.py`` and review the diff.

Tolerance: relative 1e-4.  The ridge algebra is float64 and exact, but the frozen features
are float32 activations whose sums another BLAS (or CPU) orders differently, about 1e-7
relative, which the smallest ridge penalties amplify; 1e-4 is far above that and far
below any change of the method.
"""

import json
from pathlib import Path

import pytest

from tests.transfer.golden_case import golden_numbers

GOLDEN = json.loads((Path(__file__).parent / "golden.json").read_text())
REL = 1e-4


def test_ranking_matches_golden_numbers(libraries):
    now = golden_numbers(libraries)
    assert [r["candidate"] for r in now["top"]] == [r["candidate"] for r in GOLDEN["top"]]
    for got, want in zip(now["top"], GOLDEN["top"]):
        assert got["cv_mae"] == pytest.approx(want["cv_mae"], rel=REL)
    assert now["best_scratch_cv_mae"] == pytest.approx(GOLDEN["best_scratch_cv_mae"], rel=REL)
    for name, want in GOLDEN["procedures"].items():
        assert now["procedures"][name]["members"] == want["members"]
        assert now["procedures"][name]["nested_mae"] == pytest.approx(want["nested_mae"], rel=REL)
    assert now["transfer_helps"] == GOLDEN["transfer_helps"]
    assert now["interval_halfwidth"] == pytest.approx(GOLDEN["interval_halfwidth"], rel=REL)
