"""Tests for reading and merging the property tables (core/datasets/chemicals_tables.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from core.datasets import chemicals_properties as props
from core.datasets import chemicals_tables as tables


def _fake_sources(monkeypatch, values: dict[str, dict[str, float]]):
    """Patch read_source so each label yields the given {cas: value} table."""

    def fake(source):
        data = values[source.label]
        return pd.DataFrame({"cas": list(data), "value": list(data.values())})

    monkeypatch.setattr(tables, "read_source", fake)


def test_merge_takes_first_plausible_value_and_drops_disputed(monkeypatch):
    _fake_sources(monkeypatch, {
        "CRC organics": {"1-00-0": 300.0, "2-00-0": 0.5, "3-00-0": 300.0},
        "NIST WebBook": {"1-00-0": 310.0, "2-00-0": 400.0, "3-00-0": 390.0, "4-00-0": 250.0},
        "Yaws Tb": {"1-00-0": 900.0, "4-00-0": 100.0, "5-00-0": 200.0},
    })
    sources = [tables.Source(label, "Tb") for label in ("CRC organics", "NIST WebBook", "Yaws Tb")]
    merged = tables.merge_sources(sources, bounds=(1, 1000), tolerance=25).set_index("cas")
    # priority order wins; a disagreeing Yaws value (900) does not count as a dispute
    assert merged.loc["1-00-0", "value"] == 300.0 and merged.loc["1-00-0", "source"] == "CRC organics"
    # an impossible first value (0.5 K) is replaced by the next source
    assert merged.loc["2-00-0", "value"] == 400.0
    # 300 vs 390 from another measured source: disputed, dropped
    assert "3-00-0" not in merged.index
    assert merged.loc["4-00-0", "source"] == "NIST WebBook" and not merged.loc["4-00-0", "yaws"]
    assert merged.loc["5-00-0", "yaws"] and merged.loc["5-00-0", "value"] == 200.0


@pytest.mark.slow
def test_priority_order_is_respected_on_real_data():
    prop = next(p for p in props.PROPERTIES if p.name == "chemicals_tb")
    merged = tables.merge_sources(prop.sources, prop.bounds, prop.tolerance).set_index("cas")
    present = {}
    for source in prop.sources:
        part = tables.read_source(source)
        part = part.loc[part["value"].between(*prop.bounds)]
        for cas in part["cas"]:
            present.setdefault(cas, source.label)
    chosen = merged["source"]
    assert (chosen == chosen.index.map(present)).all()


@pytest.mark.slow
def test_formula_column_catches_cas_clashes():
    # JANAF gives CAS 12141-11-6 to MgOH; PubChem gives it to a glucoside.
    janaf = tables.Source("JANAF", "Hfg", formula="formula")
    assert "12141-11-6" not in set(tables.read_source(janaf)["cas"])
    assert "12141-11-6" in set(tables.read_source(tables.Source("JANAF", "Hfg"))["cas"])
    assert "74-82-8" in set(tables.read_source(janaf)["cas"])  # methane, CH4 both ways
