from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domains import Domain
from core.errors import InputError
from core.features.base import Featurizer
from core.tables import read_lines, read_table
from core.validation import detect, validate

from tests.crystals import CIF, zip_bytes


def _table(text: str) -> pd.DataFrame:
    return read_table(text.encode(), "t.csv")


def test_detects_molecules_and_first_numeric_target_skipping_ids():
    det = detect(_table("id,smiles,logS,name\n1,CCO,-0.5,ethanol\n2,c1ccccc1,-1.6,benzene\n"))
    assert (det.structure, det.domain, det.targets) == ("smiles", Domain.MOLECULE, ["logS"])


def test_detects_polymers_formulas_and_cif():
    assert detect(_table("ru,Tg\n*CC(*)c1ccccc1,373\n*CC*,195\n")).domain is Domain.POLYMER
    assert detect(_table("material,gap\nFe2O3,2.1\nNaCl,8.5\nGaAs,1.4\n")).domain is Domain.INORGANIC
    zipped = read_table(zip_bytes({"NaCl.cif": CIF, "t.csv": "f,y\nNaCl,1\n"}), "z.zip")
    det = detect(zipped)
    assert det.cif and det.domain is Domain.INORGANIC and det.targets == ["y"]


def test_formula_column_name_breaks_smiles_tie():
    # "CO" and "CCO" are both valid SMILES and valid formulas: the header decides
    assert detect(_table("formula,y\nCO,1\nCCO,2\n")).domain is Domain.INORGANIC
    assert detect(_table("smiles,y\nCO,1\nCCO,2\n")).domain is Domain.MOLECULE


def test_overrides_and_their_errors():
    table = _table("a,b,c\nCCO,1,2\nCCC,3,4\n")
    det = detect(table, structure="a", targets=["c"], domain="polymer")
    assert det.targets == ["c"] and det.domain is Domain.POLYMER
    with pytest.raises(InputError, match="no column 'zz'; the table has: a, b, c"):
        detect(table, structure="zz")
    with pytest.raises(InputError, match="no column 'q'"):
        detect(table, targets="q")


def test_no_structures_and_no_target():
    with pytest.raises(InputError, match="no structures found"):
        detect(_table("x,y\n1,2\n3,4\n"))
    with pytest.raises(InputError, match="no numeric target column"):
        detect(_table("smiles,name\nCCO,ethanol\n"))


def test_row_report_names_line_value_and_reason():
    text = "smiles,y\nCCO,1\nC1CC,2\nCCN,abc\nCCC,\n"
    report = validate(_table(text))
    messages = [i.message() for i in report.issues]
    assert messages == [
        "line 3, smiles = 'C1CC': not a valid SMILES (RDKit could not parse it)",
        "line 4, y = 'abc': target is not a number",
        "line 5, y = '': target is missing",
    ]
    assert report.valid["structure"].tolist() == ["CCO"]
    assert report.n_rows == 4 and report.n_valid == 1
    assert list(report.issues_frame().columns) == ["line", "column", "value", "reason"]


def test_polymer_and_formula_errors():
    report = validate(_table("ru,y\n*CC*,1\nCC*,2\n*C(*)C*,3\n"), structure="ru", domain="polymer")
    assert [i.reason for i in report.issues] == [
        "a polymer repeat unit needs exactly two * ends, found 1",
        "a polymer repeat unit needs exactly two * ends, found 3",
    ]
    report = validate(_table("formula,y\nFe2O3,1\nQq2,2\nNa Cl!,3\nNaCl,4\n"), structure="formula")
    assert "unknown element Qq" in report.issues[0].reason
    assert "not a chemical formula" in report.issues[1].reason


def test_duplicates_report_average_first():
    text = "smiles,y\nOCC,1\nCCO,3\nCCC,5\n"
    report = validate(_table(text))
    assert report.duplicate_groups == [[2, 3]] and report.n_valid == 3
    averaged = validate(_table(text), duplicates="average")
    assert averaged.n_valid == 2
    assert averaged.valid.set_index("structure").loc["OCC", "y"] == pytest.approx(2.0)
    first = validate(_table(text), duplicates="first")
    assert first.valid["y"].tolist() == [1.0, 5.0]


def test_formula_duplicates_use_reduced_formula():
    report = validate(_table("formula,y\nFe2O3,1\nFe4O6,2\n"))
    assert report.duplicate_groups == [[2, 3]]


def test_cif_rows_become_formulas():
    table = read_table(zip_bytes({"NaCl.cif": CIF, "bad.cif": "data_x\n_cell_length_a 1\n", "t.csv": "f,y\nNaCl,1\nbad,2\n"}),
                       "z.zip")
    report = validate(table)
    assert report.valid["structure"].tolist() == ["NaCl"]
    assert "cif" in report.valid.columns
    assert report.issues and report.issues[0].column == "cif"


def test_cif_file_names_resolve_against_base_dir(tmp_path):
    (tmp_path / "a.cif").write_text(CIF)
    table = _table("file,y\na.cif,1\nmissing.cif,2\n")
    report = validate(table, base_dir=tmp_path)
    assert report.valid["structure"].tolist() == ["NaCl"]
    assert report.issues[0].reason == "CIF file missing.cif not found"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_never_crash(data):
    try:
        table = read_table(data, "fuzz.csv")
        validate(table)
    except InputError:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=30), min_size=1, max_size=8), st.lists(st.text(max_size=8), min_size=1, max_size=8))
def test_random_strings_never_crash(structures, targets):
    n = min(len(structures), len(targets))
    table = pd.DataFrame({"s": structures[:n], "y": targets[:n]})
    for domain in (None, "molecule", "polymer", "inorganic"):
        try:
            validate(table, domain=domain)
        except InputError:
            pass


# --- featurizers as judges, polymer conventions, units, line numbers ------------------------

DATA = Path(__file__).parent / "data"


class NoChlorine(Featurizer):
    """A featurizer for the tests that cannot read chlorine compounds."""

    name = "nochlorine"

    def _columns(self):
        return ["n"]

    def _featurize_one(self, text):
        if "Cl" in text:
            raise ValueError("cannot handle chlorine")
        return np.array([1.0])


def test_rows_a_featurizer_cannot_read_are_reported_with_line_value_and_reason():
    table = _table("smiles,y\nCCO,1\nCCCl,2\nCCN,3\nClCCl,4\n")
    report = validate(table, featurizers=[NoChlorine().fit(), "morgan"])
    assert [i.message() for i in report.issues] == [
        "line 3, smiles = 'CCCl': cannot handle chlorine (nochlorine cannot read it)",
        "line 5, smiles = 'ClCCl': cannot handle chlorine (nochlorine cannot read it)",
    ]
    assert report.valid["line"].tolist() == [2, 4]
    assert report.featurizers == ["nochlorine", "morgan(n_bits=2048, polymer_ends=trimer, radius=2)"]


def test_the_domains_default_featurizers_judge_by_default():
    report = validate(_table("formula,y\nNaCl,1\nAm2O3,2\nKBr,3\n"))
    assert [(i.line, i.reason) for i in report.issues] == [
        (3, "has no elemental features for Am (available: H to Pu) (composition, element_fraction cannot read it)")]
    assert report.featurizers == ["composition(stats=classic)", "element_fraction"]
    unchecked = validate(_table("formula,y\nNaCl,1\nAm2O3,2\nKBr,3\n"), featurizers=None)
    assert unchecked.n_valid == 3 and unchecked.featurizers == []


def test_a_column_mixing_starred_and_unstarred_units_is_named_with_counts():
    table = read_table(DATA / "mixed_polymer_ends.csv")
    report = validate(table)
    assert report.detection.domain is Domain.POLYMER and report.n_valid == 20
    assert report.notes == [
        "The structure column mixes two ways of writing polymer repeat units: 20 rows mark the two ends with * and "
        "20 do not (e.g. 'C(S1)=CC=C1'). With explicit ends, the 20 without * are left out; choose implicit ends to "
        "read them as repeat units whose first and last heavy atoms are the ends."]
    assert {i.line for i in report.issues} == set(range(22, 42))
    assert report.issues[0].reason.startswith("has no * ends")


def test_implicit_ends_keep_every_row_and_find_the_same_polymer_written_twice():
    report = validate(read_table(DATA / "mixed_polymer_ends.csv"), ends="implicit")
    assert report.n_valid == 40 and report.issues == []
    assert "With implicit ends, the 20 without * were read as repeat units" in report.notes[0]
    structures = report.valid.set_index("line")["structure"]
    assert structures[22] == "*c1ccc(*)s1" and structures[20] == "[*]C(F)(F)C([*])(F)F"
    assert report.duplicate_groups == [[8, 38], [21, 31]]  # PVAc and PCL, each from the other end
    assert validate(read_table(DATA / "mixed_polymer_ends.csv"), ends="implicit", duplicates="average").n_valid == 38


def test_a_mixed_column_read_as_molecules_says_what_is_lost():
    report = validate(read_table(DATA / "mixed_polymer_ends.csv"), domain="molecule")
    assert report.n_valid == 20 and "As molecules, the rows with * ends are left out" in report.notes[0]


def test_placeholder_ends_become_stars_for_everything_downstream():
    report = validate(_table("unit,y\n[At]CC([At])c1ccccc1,1\n[*:1]CC([*:2])C,2\n*CC*,3\n"), domain="polymer")
    assert report.valid["structure"].tolist() == ["*CC(*)c1ccccc1", "[*:1]CC([*:2])C", "*CC*"]


def test_frames_and_stereo_are_one_structure():
    polymers = validate(_table("unit,y\n*OCCCCCC(*)=O,1\n*CCCCCC(=O)O*,2\n*CCO*,3\n"), domain="polymer")
    assert polymers.duplicate_groups == [[2, 3]]
    molecules = validate(_table("smiles,y\nC/C=C/C,1\nC/C=C\\C,2\nCCO,3\n"))
    assert molecules.duplicate_groups == [[2, 3]]


def test_units_are_read_from_the_header():
    report = validate(read_table(DATA / "european_polymers.csv"))
    assert report.n_valid == 40 and report.units == {"Tg (K)": "K"} and report.unit() == "K"
    assert report.valid["Tg (K)"].iloc[0] == pytest.approx(195.5)
    assert validate(_table("smiles,logS\nCCO,1\n")).unit() == ""


def test_typed_lines_are_numbered_as_in_the_box():
    report = validate(read_lines("CCO\n\nC1CC\nCCN"), structure="structure", targets=[], domain="molecule",
                      first_line=1)
    assert [(i.line, i.value) for i in report.issues] == [(3, "C1CC")]
    assert report.valid["line"].tolist() == [1, 4]


def test_report_dict_carries_notes_units_and_featurizers():
    doc = validate(read_table(DATA / "mixed_polymer_ends.csv"), ends="implicit").to_dict()
    assert doc["ends"] == "implicit" and doc["units"] == {"Tg (K)": "K"} and len(doc["notes"]) == 1
    assert [f.split("(")[0] for f in doc["featurizers_checked"]] == ["morgan", "maccs", "rdkit2d"]


def test_default_target_prefers_the_detected_then_a_numeric_column():
    from core.validation import Detection, default_target, detect

    table = pd.DataFrame({"smiles": ["CCO", "CCC", "CCN"], "name": ["a", "b", "c"], "id": [1, 2, 3],
                          "Tg (K)": [300.0, 310.0, 320.0]})
    found = detect(table)
    assert default_target(table, "smiles", found) == "Tg (K)"
    assert default_target(table, "smiles", None) == "Tg (K)"  # nothing detected: the first numeric column
    assert default_target(table, "Tg (K)", None) == "smiles"  # no numeric column left: the first other one
    assert default_target(table[["smiles"]], "smiles", None) is None
    table["density"] = [1.0, 1.1, 1.2]
    told = Detection("smiles", Domain.MOLECULE, ["density"])
    assert default_target(table, "smiles", told) == "density"  # the detected target before the first numeric one
