"""Hypothesis: two * put on random atoms of real molecules (where valence allows) give a
repeat unit that validation accepts and every featurizer reads in every polymer_ends mode."""

from functools import lru_cache

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator

from core import datasets
from core.domains import parse_repeat_unit
from core.features import default_featurizers, failed_rows
from core.features.molecule import MorganCounts
from core.features.polymer import oligomer
from core.validation import validate


@lru_cache(maxsize=1)
def molecules() -> tuple[str, ...]:
    """Molecules of three bundled sets (FreeSolv, aqueous solubility, logBB), 150 of each."""
    out = []
    for name in ("freesolv", "aqueous_solubility", "logbb"):
        table = datasets.load(name)
        out += table["structure"].drop_duplicates().sample(150, random_state=0).tolist()
    return tuple(out)


@lru_cache(maxsize=1)
def featurizers():
    return [f for ends in ("trimer", "methyl", "hydrogen") for f in default_featurizers("polymer", ends)]


def put_ends(smiles: str, first: int, second: int) -> str | None:
    """``smiles`` with a * on atoms ``first`` and ``second`` (mod the atom count), each
    taking a hydrogen's place, or None where the atoms have no hydrogen to give."""
    mol = Chem.MolFromSmiles(smiles)
    n = mol.GetNumAtoms()
    a, b = first % n, second % n
    need = {a: 2} if a == b else {a: 1, b: 1}
    if any(mol.GetAtomWithIdx(i).GetTotalNumHs() < k for i, k in need.items()):
        return None
    rw = Chem.RWMol(mol)
    Chem.Kekulize(rw, clearAromaticFlags=True)
    for idx in (a, b):
        atom = rw.GetAtomWithIdx(idx)
        atom.SetNumExplicitHs(max(0, atom.GetNumExplicitHs() - 1))
        rw.AddBond(idx, rw.AddAtom(Chem.Atom(0)), Chem.BondType.SINGLE)
    out = rw.GetMol()
    try:
        Chem.SanitizeMol(out)
    except Exception:  # noqa: BLE001 - the valence did not allow it after all
        return None
    return Chem.MolToSmiles(out)


units = st.builds(put_ends, st.sampled_from(range(450)).map(lambda i: molecules()[i]),
                  st.integers(0, 200), st.integers(0, 200))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units)
def test_random_ends_on_real_molecules_always_featurize(unit):
    assume(unit is not None)
    parse_repeat_unit(unit)  # a valid repeat unit ...
    assert failed_rows([unit], featurizers()) == {}  # ... that every featurizer reads in every mode


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units)
def test_random_units_keep_the_infinite_chain_environments(unit):
    assume(unit is not None)
    mol, middle = oligomer(parse_repeat_unit(unit), 11)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    long_chain = np.minimum(gen.GetCountFingerprintAsNumPy(mol, fromAtoms=list(middle)), 255)
    assert np.array_equal(MorganCounts().fit().transform([unit])[0], long_chain)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(units, min_size=3, max_size=12))
def test_validation_keeps_every_random_unit(found):
    found = [u for u in found if u is not None]
    assume(found)
    report = validate(pd.DataFrame({"unit": found, "y": np.arange(len(found), dtype=float)}), structure="unit",
                      domain="polymer", featurizers=featurizers())
    assert report.issues == [] and report.n_valid == len(found)
