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
