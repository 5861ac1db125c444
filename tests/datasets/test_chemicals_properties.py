"""Tests for the datasets read from the ``chemicals`` package (core/datasets/chemicals_properties.py)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from core import datasets
from core.datasets import chemicals_identifiers as identifiers
from core.datasets import chemicals_tables as tables_module
from core.datasets.spec import Role
from core.domains import Domain

SPECS = [spec for spec in datasets.list_datasets() if spec.package == "chemicals"]
NAMES = [spec.name for spec in SPECS]

#: Predicted or non-commercial files named in DATA.md that must never be read.
FORBIDDEN = (
    "joback_predictions",
    "wilson_jasperson_",
    "fedors_",
    "omega_Psat_Tc_predictions",
    "psi4_dipoles",
    "Travis_Kessler_Combustdb_predictions",
    "Florian_Liming_RON_MON_ANN",
    "common_chemistry_data",
)

#: Physically plausible range of every dataset, in its documented unit (independent of
#: the loader's own bounds, so a unit slip shows up here).
RANGES = {
    "chemicals_tm": (50, 1000),
    "chemicals_tb": (70, 1000),
    "chemicals_tc": (120, 1500),
    "chemicals_pc": (5.0, 8.0),  # log10(Pa): 1 bar to 1000 bar
    "chemicals_vc": (50, 10_000),
    "chemicals_vc_per_mass": (0.3, 10),
    "chemicals_omega": (-0.5, 3),
    "chemicals_hf_gas": (-10_000, 5000),
    "chemicals_hf_gas_per_atom": (-300, 400),
    "chemicals_s0_gas": (100, 5000),
    "chemicals_s0_gas_per_mass": (0.3, 15),
    "chemicals_density": (500, 5000),
    "chemicals_logp": (-8, 12),
    "chemicals_nd": (1.2, 2.0),
    "chemicals_hvap": (1, 500),
    "chemicals_hvap_per_mass": (0.01, 3),
    "chemicals_hfus": (0.1, 300),
    "chemicals_hfus_per_mass": (0.001, 3),
    "chemicals_hsub": (10, 500),
    "chemicals_hsub_per_mass": (0.05, 5),
    "chemicals_dipole": (0, 12),
    "chemicals_cp_liquid": (20, 2000),
    "chemicals_cp_liquid_per_mass": (0.3, 10),
    "chemicals_cp_gas": (20, 2000),
    "chemicals_cp_gas_per_mass": (0.1, 5),
    "chemicals_flash_point": (150, 800),
    "chemicals_cetane": (-20, 150),
    "chemicals_ron": (-20, 130),
    "chemicals_mon": (-20, 130),
}

BENZENE, ETHANOL, METHANE, ACETONE = "c1ccccc1", "CCO", "C", "CC(C)=O"
PHENANTHRENE = "c1ccc2c(c1)ccc1ccccc12"

#: (dataset, canonical SMILES, expected value, tolerance) from standard references.
KNOWN_VALUES = [
    ("chemicals_tb", BENZENE, 353.2, 0.3),
    ("chemicals_tm", ETHANOL, 159.0, 1.0),
    ("chemicals_tm", BENZENE, 278.7, 0.5),
    ("chemicals_tc", METHANE, 190.56, 0.1),
    ("chemicals_pc", BENZENE, np.log10(4.89e6), 0.01),
    ("chemicals_vc", ETHANOL, 168.0, 6.0),
    ("chemicals_omega", ACETONE, 0.307, 0.01),
    ("chemicals_hf_gas", METHANE, -74.6, 0.5),
    ("chemicals_hf_gas", BENZENE, 82.9, 1.0),
    ("chemicals_s0_gas", BENZENE, 269.2, 0.5),
    ("chemicals_density", ETHANOL, 789.3, 1.0),
    ("chemicals_logp", ETHANOL, -0.31, 0.05),
    ("chemicals_nd", BENZENE, 1.5011, 0.001),
    ("chemicals_hvap", ETHANOL, 42.3, 0.3),
    ("chemicals_hfus", BENZENE, 9.87, 0.1),
    ("chemicals_dipole", ACETONE, 2.88, 0.05),
    ("chemicals_cp_liquid", BENZENE, 136.0, 1.0),
    ("chemicals_cp_gas", BENZENE, 82.4, 1.0),
    ("chemicals_flash_point", ETHANOL, 285.2, 1.0),
    ("chemicals_cp_liquid_per_mass", BENZENE, 136.0 / 78.114, 0.02),
    ("chemicals_hf_gas_per_atom", METHANE, -74.6 / 5, 0.1),
    ("chemicals_ron", "CCCCCCC", 0.0, 0.01),  # reference fuels, by definition
    ("chemicals_ron", "CC(C)CC(C)(C)C", 100.0, 0.01),
    ("chemicals_mon", "CC(C)CC(C)(C)C", 100.0, 0.01),
    ("chemicals_cetane", "CCCCCCCCCCCCCCCC", 100.0, 0.01),
    # IUPAC lists 0.869 K (a slip for 869 K): dropped, so the next source gives it.
    ("chemicals_tc", PHENANTHRENE, 870.0, 10.0),
]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """Every chemicals dataset built afresh by its loader (not read from the table cache)."""
    return {spec.name: spec.loader() for spec in SPECS}


def _yaws_percent(note: str) -> int:
    match = re.search(r"(\d+)% of rows from the Yaws collection", note)
    assert match, note
    return int(match.group(1))


# ---------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------


def test_registers_enough_measured_molecule_datasets():
    sources = [s for s in SPECS if s.role == Role.SOURCE]
    examples = [s for s in SPECS if s.role == Role.EXAMPLE]
    assert len(sources) >= 8 and len(examples) >= 2
    for spec in SPECS:
        assert spec.domain == Domain.MOLECULE and spec.measured and not spec.estimate
        assert "Caleb Bell" in spec.citation and "github.com/CalebBell/chemicals" in spec.citation
        assert spec.licence == "MIT (chemicals); see per-file source"
        assert spec.unit and spec.property and spec.note
    assert {"chemicals_cetane", "chemicals_ron"} <= {s.name for s in examples}


def test_every_dataset_has_a_plausible_range_in_this_test():
    assert set(NAMES) == set(RANGES)


@pytest.mark.parametrize("fragment", FORBIDDEN)
def test_no_predicted_or_noncommercial_file_is_used(fragment):
    assert fragment in tables_module.EXCLUDED
    for spec in SPECS:
        assert not any(fragment in path for path in spec.files), (spec.name, fragment)
    assert not any(fragment in path for path, _ in tables_module.TABLES.values())


def test_files_exist_and_include_the_identifier_tables():
    for spec in SPECS:
        assert set(identifiers.IDENTIFIER_FILES) <= set(spec.files)
        assert len(datasets.source_paths(spec)) == len(spec.files)


# ---------------------------------------------------------------------------------
# Loaded tables (real data)
# ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_loads_expected_rows_with_finite_plausible_targets(tables, name):
    spec, table = datasets.get(name), tables[name]
    assert len(table) == spec.expected_rows
    target = table["target"].to_numpy(dtype=float)
    assert np.isfinite(target).all()
    low, high = RANGES[name]
    assert target.min() >= low and target.max() <= high, (target.min(), target.max())
    assert {"structure", "target", "name", "cas", "source"} <= set(table.columns)
    assert table["structure"].is_unique
    assert not table["structure"].str.contains(".", regex=False).any()
    assert table["cas"].str.fullmatch(r"[1-9]\d{1,6}-\d{2}-\d").all()


@pytest.mark.slow
@pytest.mark.parametrize("name, smiles, expected, tol", KNOWN_VALUES)
def test_known_values(tables, name, smiles, expected, tol):
    table = tables[name].set_index("structure")
    assert smiles in table.index, f"{smiles} missing from {name}"
    assert table.loc[smiles, "target"] == pytest.approx(expected, abs=tol)


@pytest.mark.slow
def test_structures_are_canonical_organic_molecules(tables):
    from rdkit import Chem

    sample = pd.concat(tables.values())["structure"].drop_duplicates().sample(800, random_state=0)
    for smiles in sample:
        mol = Chem.MolFromSmiles(smiles)
        assert Chem.MolToSmiles(mol) == smiles
        assert any(atom.GetAtomicNum() == 6 for atom in mol.GetAtoms()), smiles
        assert Chem.GetFormalCharge(mol) == 0, smiles


@pytest.mark.slow
def test_water_and_inorganics_are_excluded(tables):
    ids = identifiers.identifier_table().set_index("cas")
    assert ids.loc["7732-18-5", "status"] == "no_carbon"  # water
    assert ids.loc["7647-14-5", "status"] != "ok"  # sodium chloride
    assert ids.loc["64-17-5", "status"] == "ok"
    for name, table in tables.items():
        assert "O" not in set(table["structure"]), name
        assert "7732-18-5" not in set(table["cas"]), name


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_yaws_flag_where_yaws_rows_are_used(tables, name):
    spec, table = datasets.get(name), tables[name]
    yaws_used = any("Yaws" in path for path in spec.files)
    assert ("yaws" in table.columns) == yaws_used
    if not yaws_used:
        assert "Yaws" not in spec.note and "Yaws" not in spec.citation
        return
    assert table["yaws"].dtype == bool
    assert table.loc[table["source"].str.startswith("Yaws"), "yaws"].all()
    share = 100 * table["yaws"].mean()
    assert abs(share - _yaws_percent(spec.note)) <= 0.5 + 1e-9
    assert 0 < share < 100


@pytest.mark.slow
def test_intensive_variants_divide_by_the_molar_mass(tables):
    from rdkit import Chem
    from rdkit.Chem import Descriptors

    pairs = [(name, name.removesuffix("_per_mass")) for name in NAMES if name.endswith("_per_mass")]
    assert len(pairs) >= 5
    for variant, base in pairs:
        merged = tables[variant].merge(tables[base], on="structure", suffixes=("", "_base"))
        assert len(merged) == len(tables[base])
        rows = merged.sample(50, random_state=0)
        mass = rows["structure"].map(lambda s: Descriptors.MolWt(Chem.MolFromSmiles(s)))
        np.testing.assert_allclose(rows["target"] * mass, rows["target_base"], rtol=1e-6)
        assert not datasets.get(variant).extensive and datasets.get(base).extensive


@pytest.mark.slow
def test_registry_load_uses_the_same_loader():
    table = datasets.load("chemicals_ron")
    assert len(table) == datasets.get("chemicals_ron").expected_rows
    assert table["target"].dtype == float
