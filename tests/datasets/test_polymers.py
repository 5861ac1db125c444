"""Polymer repeat units from reaction rules, Bicerano estimates, and the MRI example.

The table tests read the cached generation (minutes to build cold, about a second warm).
"""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem

from core import datasets
from core.datasets import group_contribution, polymer_units
from core.datasets.spec import Role
from core.domains import Domain, parse_repeat_unit
from core.polymerize import (
    RULES,
    condensation_class,
    cyclic_key,
    polymerize,
    prepare_monomer,
    single_monomer_units,
)


def canon(smiles: str) -> str:
    return Chem.MolToSmiles(Chem.MolFromSmiles(smiles))


PS = "*CC(*)c1ccccc1"
PMMA = "*CC(*)(C)C(=O)OC"
PET = "*OCCOC(=O)c1ccc(cc1)C(*)=O"
NYLON66 = "*NCCCCCCNC(=O)CCCCC(*)=O"


# --- reaction rules -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "rule, monomers, unit",
    [
        ("vinyl", ["C=Cc1ccccc1"], PS),  # styrene -> polystyrene
        ("vinyl", ["C=CCl"], "*CC(*)Cl"),  # vinyl chloride -> PVC
        ("vinyl", ["C=C(C)C"], "*CC(*)(C)C"),  # isobutylene, 1,1-disubstituted
        ("methacrylate", ["C=C(C)C(=O)OC"], PMMA),  # methyl methacrylate -> PMMA
        ("acrylate", ["C=CC(=O)OC"], "*CC(*)C(=O)OC"),  # methyl acrylate
        ("lactone_rop", ["O=C1CCCCCO1"], "*CCCCCC(=O)O*"),  # caprolactone -> PCL
        ("lactone_rop", ["CC1OC(=O)C(C)OC1=O"], "*OC(C)C(=O)OC(C)C(*)=O"),  # lactide -> PLA
        ("lactam_rop", ["O=C1CCCCCN1"], "*NCCCCCC(*)=O"),  # caprolactam -> nylon-6
        ("cyclic_ether_rop", ["C1CO1"], "*CCO*"),  # ethylene oxide -> PEO
        ("cyclic_ether_rop", ["C1COC1"], "*CCCO*"),  # oxetane
        ("cyclic_ether_rop", ["C1OCOCO1"], "*OCOCOC*"),  # trioxane -> polyoxymethylene
        ("polyester", ["OC(=O)c1ccc(cc1)C(O)=O", "OCCO"], PET),  # terephthalic acid + EG
        ("polyamide", ["OC(=O)CCCCC(O)=O", "NCCCCCCN"], NYLON66),  # adipic acid + HMDA
    ],
)
def test_rule_gives_known_repeat_unit(rule, monomers, unit):
    made = polymerize(rule, *monomers)
    parse_repeat_unit(made)
    assert made == Chem.MolToSmiles(Chem.MolFromSmiles(made))
    assert cyclic_key(made) == cyclic_key(unit)  # the same polymer, in whatever frame


def test_cyclic_key_ignores_frame_and_direction():
    assert cyclic_key("*OCCCCCC(*)=O") == cyclic_key("*CCCCCC(=O)O*") == cyclic_key("*C(=O)CCCCCO*")
    assert cyclic_key("*CC(C)O*") == cyclic_key("*OCC(C)*")
    assert cyclic_key("*CCO*") != cyclic_key("*CCCO*")


@pytest.mark.parametrize(
    "rule, monomer",
    [
        ("vinyl", "C=CC=C"),  # diene: would cross-link or 1,4-add
        ("vinyl", "C=CO"),  # enol (vinyl alcohol is not a monomer)
        ("vinyl", "CC=CC"),  # no CH2= end
        ("lactone_rop", "O=C1CCC(=O)O1"),  # anhydride, not a lactone
        ("lactone_rop", "O=c1cccco1"),  # aromatic pyranone
        ("lactam_rop", "O=C1CCC(=O)N1"),  # imide
        ("cyclic_ether_rop", "C1CCOCC1"),  # tetrahydropyran does not ring-open
        ("cyclic_ether_rop", "OCC1CO1"),  # glycidol: the OH would branch the chain
    ],
)
def test_rule_rejects_unsuitable_monomer(rule, monomer):
    assert polymerize(rule, monomer) is None


def test_most_specific_addition_rule_is_recorded():
    assert single_monomer_units(prepare_monomer("C=C(C)C(=O)OC")) == [("methacrylate", canon(PMMA))]
    assert [r for r, _ in single_monomer_units(prepare_monomer("C=CC(=O)OCCCC"))] == ["acrylate"]
    # glycidyl methacrylate: a vinyl group and an epoxide give two polymers
    rules = [r for r, _ in single_monomer_units(prepare_monomer("C=C(C)C(=O)OCC1CO1"))]
    assert rules == ["methacrylate", "cyclic_ether_rop"]


@pytest.mark.parametrize(
    "smiles, kind",
    [("OC(=O)CCCCC(O)=O", "diacid"), ("OCCO", "diol"), ("Oc1ccc(O)cc1", "diol"),
     ("NCCCCCCN", "diamine"), ("OCC(O)=O", None), ("NCCO", None), ("OC(O)CC", None), ("OC1CC1O", None)],
)
def test_condensation_class(smiles, kind):
    assert condensation_class(prepare_monomer(smiles)) == kind


def test_prepare_monomer_rejects_salts_metals_and_charges():
    for smiles in ("CC(=O)[O-].[Na+]", "C[Sn](C)C", "C[N+](C)(C)C", "[13CH2]=C", "not smiles"):
        assert prepare_monomer(smiles) is None
    assert prepare_monomer("C/C=C/C(=O)O") is not None  # stereo is removed, not rejected
    assert "/" not in Chem.MolToSmiles(prepare_monomer("C/C=C/C(=O)O"))


def test_polymerize_checks_monomer_count():
    with pytest.raises(ValueError, match="joins two monomers"):
        polymerize("polyester", "OCCO")
    with pytest.raises(ValueError, match="takes one monomer"):
        polymerize("vinyl", "C=C", "C=CC")


# --- generated units ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def units():
    table = polymer_units.units_table()
    return table.assign(key=table["structure"].map(cyclic_key))


def test_generated_units_are_valid_distinct_and_plenty(units):
    assert units["structure"].is_unique
    assert not units["key"].duplicated().any()  # no polymer twice in another frame
    assert len(units) >= 2000
    for smiles in units["structure"]:
        parse_repeat_unit(smiles)
    assert set(units["rule"]) == set(RULES)
    assert units["rule"].value_counts().min() >= 50


def test_units_record_their_monomers(units):
    pairs = units["rule"].isin(["polyester", "polyamide"])
    assert units.loc[pairs, "monomers"].str.count(r"\.").eq(1).all()
    assert not units.loc[~pairs, "monomers"].str.contains(".", regex=False).any()
    assert units["source"].str.contains("qm9").any() and units["source"].str.contains("chemicals").any()
    known = set(units["key"])
    for unit in (PS, PMMA, PET, NYLON66, "*CCO*", "*NCCCCCC(*)=O", "*CCCCCC(=O)O*"):
        assert cyclic_key(unit) in known, unit


# --- the package's input ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "unit, text",
    [
        (PS, "[*:1]CC(c1ccccc1)[*:2]"),
        (PMMA, "[*:1]CC(C)(C(=O)OC)[*:2]"),
        (PET, "[*:1]OCCOC(=O)c1ccc(cc1)C(=O)[*:2]"),
        ("*CC1(O*)CCCCC1", "[*:1]CC1(CCCCC1)O[*:2]"),  # ring on the backbone moved before the tail
    ],
)
def test_package_smiles_puts_head_first_and_tail_last(unit, text):
    assert group_contribution.package_smiles(unit) == text


def test_polystyrene_and_pmma_estimates():
    assert group_contribution.estimate(PS)["tg"] == pytest.approx(385.0, abs=0.5)
    # written with its tail end read right; "[*:1]CC(C)([*:2])C(=O)OC" is misread (301 K)
    assert group_contribution.estimate(PMMA)["tg"] == pytest.approx(366.3, abs=0.5)


# --- registered datasets ------------------------------------------------------------------

def _polymer_sources():
    return datasets.list_datasets(Domain.POLYMER, Role.SOURCE)


def test_at_least_eight_estimate_sources_are_labelled():
    specs = _polymer_sources()
    assert len(specs) >= 8
    for spec in specs:
        assert spec.estimate and not spec.measured
        assert "estimate" in spec.note.lower() and "estimate" in spec.property.lower()
        assert spec.package == "polymer_property_prediction"
        assert all(path.exists() for path in datasets.source_paths(spec))


@pytest.mark.parametrize("name", [spec.name for spec in _polymer_sources()])
def test_source_loads_with_expected_rows(name):
    spec = datasets.get(name)
    table = datasets.load(name)
    assert len(table) == spec.expected_rows
    assert {"structure", "target", "rule", "monomers"} <= set(table.columns)
    assert np.isfinite(table["target"]).all()
    assert table["structure"].is_unique
    for smiles in table["structure"].iloc[::97]:
        parse_repeat_unit(smiles)


def test_polystyrene_tg_in_table():
    table = datasets.load("polymer_tg").set_index("structure")
    assert table.loc[canon(PS), "target"] == pytest.approx(385.0, abs=0.5)


def test_moduli_only_for_glassy_units():
    tg = datasets.load("polymer_tg").set_index("structure")["target"]
    for name in group_contribution.GLASSY_ONLY:
        structures = datasets.load(f"polymer_{name}")
        assert (tg.reindex(structures["structure"]) > group_contribution.TEMPERATURE_K).all()


def test_mri_example_keeps_composition():
    spec = datasets.get("polymer_mri_snr")
    assert spec.role == Role.EXAMPLE and spec.measured and not spec.estimate
    table = datasets.load("polymer_mri_snr")
    assert len(table) == spec.expected_rows == 418
    ratios = table[[f"ratio_{i}" for i in range(1, 7)]].to_numpy()
    assert np.allclose(ratios.sum(axis=1), 1.0)
    assert table["structure"].nunique() <= 6
    majority = table[[f"smiles_{i}" for i in range(1, 7)]].to_numpy()[np.arange(len(table)), ratios.argmax(axis=1)]
    assert (table["structure"] == majority).all()
    for smiles in set(table["structure"]):
        parse_repeat_unit(smiles)
    assert table["target"].between(0, 1).all()


@pytest.mark.parametrize("ends", ["trimer", "methyl", "hydrogen"])
def test_every_bundled_repeat_unit_is_read_in_every_polymer_ends_mode(ends):
    from core.features import failed_rows, make_featurizer

    names = ["polymer_density", "polymer_tg", "polymer_mri_snr", "polymer_tg_common"]
    units = sorted({u for name in names for u in datasets.load(name)["structure"]})
    assert len(units) > 5000
    assert failed_rows(units, [make_featurizer("morgan", {"polymer_ends": ends})]) == {}


def test_kapton_written_as_in_public_sets_and_its_frames_are_one_polymer():
    kapton = "*c1ccc(Oc2ccc(-n3c(=O)c4cc5c(=O)n(*)c(=O)c5cc4c3=O)cc2)cc1"
    other_frame = "*n1c(=O)c2cc3c(=O)n(-c4ccc(Oc5ccc(*)cc5)cc4)c(=O)c3cc2c1=O"
    assert cyclic_key(kapton) == cyclic_key(other_frame)
