"""Tests for CAS -> structure resolution (core/datasets/chemicals_identifiers.py)."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets import chemicals_identifiers as ids
from core.paths import package_file


@pytest.mark.parametrize(
    "value, expected",
    [
        ("  589-34-4", "589-34-4"),
        (100005, "100-00-5"),
        ("50-00-0", "50-00-0"),
        ("100005", "100-00-5"),
        (100005.0, "100-00-5"),
        (np.int64(7732185), "7732-18-5"),
        ("7732-18-5\t", "7732-18-5"),
        ("0050-00-0", "50-00-0"),
        (2222298668, "2222298-66-8"),
    ],
)
def test_normalize_cas_accepts_every_form(value, expected):
    assert ids.normalize_cas(value) == expected


@pytest.mark.parametrize("value", [None, "", "abc", "50-0-0", "1234", 1234, 100005.5, float("nan"), True])
def test_normalize_cas_rejects_non_cas(value):
    assert ids.normalize_cas(value) is None


def test_formula_key_compares_element_counts():
    assert ids.formula_key("C2H6O") == ids.formula_key("H6OC2") == "C2 H6 O1"
    assert ids.formula_key("CD4") == ids.formula_key("CH4")
    assert ids.formula_key("H2CO (g)") == ids.formula_key("CH2O")
    assert ids.formula_key("(CH3)3N (g)") == ids.formula_key("C3H9N")
    assert ids.formula_key("CH3C(O)CH3") == ids.formula_key("C3H6O")
    assert ids.formula_key("[CN]-") == ids.formula_key("CN")
    assert ids.formula_key("(CH3") is None and ids.formula_key("CH3)") is None
    assert ids.formula_key("HMgO") != ids.formula_key("C23H28O13")
    assert ids.formula_key(None) is None


def test_the_reader_gives_each_lines_cid_cas_smiles_and_name():
    table = ids.read_identifiers(package_file("chemicals", ids.PUBCHEM_SMALL))
    assert list(table.columns) == ["cid", "cas", "smiles", "name"]
    first = table.iloc[0]  # CID 4: 1-amino-2-propanol, its common name preferred to the IUPAC one
    assert (first["cid"], first["cas"], first["smiles"], first["name"]) == (4, "78-96-6", "CC(CN)O",
                                                                              "1-amino-2-propanol")
    assert table["cas"].notna().mean() > 0.99 and table["smiles"].notna().all()


def test_the_reader_leaves_cas_out_of_lines_too_short_to_be_an_entry(tmp_path):
    path = tmp_path / "ids.tsv"
    whole = "\t".join(["7", "64-17-5", "C2H6O", "46.07", "CCO", "InChI=x", "KEY", "ethanol"])
    path.write_text(whole + "\n" + "\t".join(["8", "67-56-1", "CH4O", "32.04", "CO"]) + "\n" + "x\t\n")
    table = ids.read_identifiers(path)
    assert table["cas"].tolist() == ["64-17-5", None, None]
    assert table["smiles"].tolist() == ["CCO", "CO", None]
    assert table["name"].tolist() == ["ethanol", None, None]
    assert table["cid"].iloc[:2].tolist() == [7, 8] and np.isnan(table["cid"].iloc[2])
