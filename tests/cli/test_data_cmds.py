"""The data commands, run as a user runs them: a subprocess of ``python -m core``."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args, check_rc=None):
    proc = subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True, text=True)
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr
    return proc


def test_help_lists_subcommands_and_each_has_help():
    out = run("--help", check_rc=0).stdout
    for command in ("datasets", "validate", "featurize"):
        assert command in out
        assert run(command, "--help", check_rc=0).stdout.startswith("usage:")


def test_datasets_json_is_one_document_on_stdout():
    proc = run("datasets", "--json", "--role", "example", check_rc=0)
    doc = json.loads(proc.stdout)
    names = {d["name"] for d in doc["datasets"]}
    assert {"freesolv", "steels_yield"} <= names
    assert all(d["role"] == "example" for d in doc["datasets"])


def test_datasets_show_head():
    proc = run("datasets", "show", "steels_yield", "--head", "3", "--json", check_rc=0)
    doc = json.loads(proc.stdout)
    assert doc["rows"] == 312 and len(doc["head"]) == 3
    text = run("datasets", "show", "freesolv", "--head", "2", check_rc=0)
    assert "hydration free energy" in text.stderr and len(text.stdout.strip().splitlines()) == 3


def test_datasets_prepare_loads_and_reports_each(tmp_path):
    proc = run("datasets", "prepare", "--domain", "inorganic", "--json", check_rc=0)
    doc = json.loads(proc.stdout)
    rows = {d["name"]: d["rows"] for d in doc["prepared"]}
    assert rows == {"expt_gap": 2154, "steels_yield": 312, "optical_refractive_index": 88,
                    "exp_formation_enthalpy": 2135}
    assert doc["failed"] == {} and "[4/4] exp_formation_enthalpy: 2,135 rows ready" in proc.stderr


def test_validate_reports_rows(csv_file):
    path = csv_file("smiles,y\nCCO,1\nC1CC,2\nCCN,x\n")
    doc = json.loads(run("validate", path, "--json", check_rc=0).stdout)
    assert doc["n_valid"] == 1 and doc["detection"]["domain"] == "molecule"
    assert [(i["line"], i["reason"]) for i in doc["issues"]] == [
        (3, "not a valid SMILES (RDKit could not parse it)"), (4, "target is not a number")]


def test_featurize_writes_descriptor_csv(csv_file, tmp_path):
    path = csv_file("formula,gap\nFe2O3,2.1\nNaCl,8.5\nXx,1\n")
    out = tmp_path / "f.csv"
    proc = run("featurize", path, "--structure", "formula", "--out", out, check_rc=0)
    assert "skipped line 4" in proc.stderr
    table = pd.read_csv(out)
    assert len(table) == 2 and table.shape[1] == 2 + 290
    assert table.loc[0, "ave:atomic_number"] == pytest.approx(15.2)


@pytest.mark.parametrize(
    "args, message",
    [
        (("validate", "/no/such.csv"), "error: no such file"),
        (("datasets", "show", "nope"), "error: unknown dataset 'nope'"),
        (("featurize", "{csv}", "--structure", "smiles", "--kind", "composition", "--out", "{out}"),
         "does not accept molecule structures"),
        (("featurize", "{csv}", "--structure", "smiles", "--param", "radius=9", "--out", "{out}"),
         "radius must be an integer from 0 to 6"),
        (("validate", "{csv}", "--structure", "nope"), "no column 'nope'"),
        (("datasets", "--bogus"), "unrecognized arguments: --bogus"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message, csv_file, tmp_path):
    path = csv_file("smiles,y\nCCO,1\n")
    args = [a.format(csv=path, out=tmp_path / "o.csv") for a in args]
    proc = run(*args)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.strip().splitlines() if line.startswith(("error", "internal"))]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in proc.stderr


DATA = ROOT / "tests" / "data"


def test_validate_names_a_mixed_convention_and_implicit_ends_keep_every_row():
    text = run("validate", DATA / "mixed_polymer_ends.csv", check_rc=0).stdout
    assert "rows             : 40 read, 20 valid, 20 with problems" in text
    assert "note: The structure column mixes two ways of writing polymer repeat units: 20 rows mark the two ends " \
           "with * and 20 do not" in text
    assert "  line 22, smiles = 'C(S1)=CC=C1': has no * ends" in text
    doc = json.loads(run("validate", DATA / "mixed_polymer_ends.csv", "--polymer-ends", "implicit", "--json",
                         check_rc=0).stdout)
    assert doc["n_valid"] == 40 and doc["issues"] == [] and doc["ends"] == "implicit"
    assert doc["duplicate_groups"] == [[8, 38], [21, 31]] and doc["units"] == {"Tg (K)": "K"}


def test_validate_reads_a_european_csv_and_its_unit():
    text = run("validate", DATA / "european_polymers.csv", check_rc=0).stdout
    assert "target column(s) : Tg (K) [K]" in text and "40 read, 40 valid, 0 with problems" in text
    assert "featurizers      : morgan(n_bits=2048, polymer_ends=trimer, radius=2), maccs(polymer_ends=trimer), " \
           "rdkit2d(polymer_ends=trimer) read every valid row" in text


def test_featurize_polymers_with_implicit_ends_names_skipped_lines(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("unit,Tg\n*CC(*)c1ccccc1,373\nC(S1)=CC=C1,333\nC1CC,1\n*n1ccc(*)c1,400\n")
    out = tmp_path / "f.csv"
    proc = run("featurize", path, "--domain", "polymer", "--polymer-ends", "implicit", "--kind", "maccs",
               "--out", out, check_rc=0)
    assert "skipped line 4, unit = 'C1CC': not a valid SMILES" in proc.stderr
    table = pd.read_csv(out)
    assert table["line"].tolist() == [2, 3, 5] and table["unit"].tolist()[1] == "*c1ccc(*)s1"


def test_a_picture_is_refused_with_a_sentence(tmp_path):
    path = tmp_path / "plot.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    proc = run("validate", path)
    assert proc.returncode == 2
    assert "error: plot.png is a PNG picture, not a table. Expected a table (CSV, TSV or Excel .xlsx)" in proc.stderr
