"""screen, predict, transferability and runs as a user runs them."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core import datasets

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--top", "2", "--nested-top", "1", "--ensemble", "2"]


def run(*args):
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True, text=True)


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    table = datasets.load("freesolv").sample(30, random_state=0)
    path = tmp_path_factory.mktemp("data") / "solv.csv"
    table[["structure", "target"]].rename(columns={"structure": "smiles", "target": "dG"}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def screened(tiny_library, data_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "run"
    proc = run("screen", "--data", data_file, "--library", tiny_library, "--out", out, "--json", *FAST)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), out


def test_screen_json_and_run_folder(screened):
    doc, out = screened
    assert doc["run"] == str(out) and (out / "ranking.csv").exists()
    assert doc["summary"]["verdict"] and doc["summary"]["nested_mae"] > 0
    assert doc["ranking"][0]["rank"] == 1 and "improvement_pct" in doc["ranking"][0]
    assert doc["summary"]["best"]["candidate"] == doc["ranking"][0]["candidate"]


def test_predict_from_the_run(screened, tmp_path):
    _, out = screened
    new = tmp_path / "new.csv"
    new.write_text("smiles\nCCO\nC1CC\nc1ccccc1Cl\n")
    csv_out = tmp_path / "pred.csv"
    proc = run("predict", "--run", out, "--data", new, "--json", "--out", csv_out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [p["structure"] for p in doc["predictions"]] == ["CCO", "c1ccccc1Cl"]
    assert "skipped line 3" in proc.stderr
    assert len(pd.read_csv(csv_out)) == 2


def test_transferability_json(tiny_library):
    proc = run("transferability", "--targets", "freesolv", "steels_yield", "--rows", "30", "--library", tiny_library,
               "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc["improvement_pct"]) == {"freesolv", "steels_yield"}


def test_runs_list(screened):
    _, out = screened
    proc = run("runs", "--dir", out.parent, "--json")
    assert json.loads(proc.stdout)["runs"][0]["run"] == out.name


@pytest.mark.parametrize("args, message", [
    (["screen", "--example", "freesolv", "--rows", "7"], "at least 8 valid rows"),
    (["screen", "--example", "freesolv", "--rows", "9"], "needs at least 10 rows"),
    (["screen", "--example", "freesolv", "--cv", "three"], "--cv takes a number of folds"),
    (["screen", "--example", "freesolv", "--filter", "xyzzy"], "no library model matching 'xyzzy'"),
    (["screen", "--example", "nope"], "unknown dataset 'nope'"),
    (["predict", "--run", "/no/run", "--data", "/no/file.csv"], "is not a run folder"),
    (["transferability"], "give --targets"),
])
def test_bad_input_exits_2(tiny_library, args, message):
    proc = run(*args, *(["--library", tiny_library] if args[0] != "predict" else []))
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
