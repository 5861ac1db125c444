"""Chemprop D-MPNN fingerprints of the ADMET-AI models, computed from their checkpoints.

The reference values below were computed by unmodified chemprop 2.3.1 itself
(``load_model(path).fingerprint(batch.bmg)`` over ``SimpleMoleculeMolGraphFeaturizer()``
datapoints of ``MoleculeDatapoint.from_smi``), in a separate environment with RDKit
2026.03.6 and torch 2.13, where chemprop's cuik_molmaker import works: its sum over the
300 values and its first non-zero values.  22 molecules (ions, single atoms, stereo
centres, cis/trans bonds, Si, B, P, I) agreed to 1.2e-7 for all ten checkpoints.
"""

import importlib.metadata as metadata

import numpy as np
import pytest

from core.errors import DataUnavailableError, InputError
from core.features import make_featurizer
from core.features.chemprop_fp import ChempropFingerprint, checkpoint_path
from core.features.dmpnn import ATOM_WIDTH, BOND_WIDTH, read_encoder

#: (task_set, model, smiles): (sum of the fingerprint, [(index, value) of its first non-zero entries])
CHEMPROP_REFERENCE = {
    ("regression", 0, "CC(=O)Oc1ccccc1C(=O)O"): (5.6448273, [(0, 0.0068174), (1, 0.0266202), (2, 0.017761)]),
    ("regression", 0, "C[C@H](N)C(=O)O"): (4.8953415, [(0, 0.0582606), (1, 0.0345638), (4, 0.001944)]),
    ("regression", 0, "[Na+].[Cl-]"): (1.7923126, [(0, 0.0240646), (2, 0.0017677), (3, 0.0037437)]),
    ("regression", 0, "C"): (0.8227006, [(0, 3.82e-05), (6, 0.0074193), (7, 0.0068001)]),
    ("classification", 2, "CC(=O)Oc1ccccc1C(=O)O"): (19.2576319, [(0, 0.0353845), (1, 0.0601544), (2, 0.001192)]),
    ("classification", 2, "C[C@H](N)C(=O)O"): (16.3659906, [(1, 0.0269562), (6, 0.0314313), (7, 0.2446605)]),
    ("classification", 2, "[Na+].[Cl-]"): (3.6254918, [(0, 0.0100877), (1, 0.0050804), (2, 0.0265051)]),
    ("classification", 2, "C"): (0.8470129, [(0, 0.007938), (1, 0.0056119), (3, 0.0086148)]),
}


@pytest.mark.parametrize("task_set,model", [("regression", 0), ("classification", 2)])
def test_fingerprints_equal_chemprops_own(task_set, model):
    smiles = [s for (t, m, s) in CHEMPROP_REFERENCE if (t, m) == (task_set, model)]
    X = make_featurizer("chemprop_admet", {"task_set": task_set, "model": model}).transform(smiles)
    for row, s in zip(X, smiles):
        total, entries = CHEMPROP_REFERENCE[(task_set, model, s)]
        assert row.sum() == pytest.approx(total, abs=2e-6)
        assert [j for j in np.nonzero(row)[0][:3]] == [j for j, _ in entries]
        assert np.allclose([row[j] for j, _ in entries], [v for _, v in entries], atol=1e-7)


@pytest.mark.parametrize("task_set", ["regression", "classification"])
def test_every_checkpoint_loads_offline_with_the_documented_width(task_set):
    for model in range(5):
        enc = read_encoder(checkpoint_path(task_set, model))
        assert enc.width == 300 and enc.depth == 3 and enc.norm == 100
        assert enc.W_i.shape == (300, ATOM_WIDTH + BOND_WIDTH)
    assert len(enc.tasks) == (10 if task_set == "regression" else 31)


def test_same_numbers_twice_and_batch_independent():
    f = make_featurizer("chemprop_admet")
    smiles = ["CCO", "c1ccccc1O", "CC(C)(C)c1ccc(O)cc1"]
    X = f.transform(smiles)
    assert X.shape == (3, 300) == (3, f.n_features_out_)
    assert np.array_equal(X, f.transform(smiles))
    assert np.allclose(X[1], f.transform(["c1ccccc1O"])[0], atol=1e-6)


def test_members_of_the_ensemble_differ():
    a = make_featurizer("chemprop_admet", {"model": 0}).transform(["CCO"])
    b = make_featurizer("chemprop_admet", {"model": 1}).transform(["CCO"])
    c = make_featurizer("chemprop_admet", {"task_set": "classification", "model": 0}).transform(["CCO"])
    assert not np.allclose(a, b) and not np.allclose(a, c)


def test_polymers_per_repeat_unit_and_each_end_rule_changes_the_numbers():
    unit = "*CC(*)c1ccccc1"
    trimer = make_featurizer("chemprop_admet").transform([unit])
    methyl = make_featurizer("chemprop_admet", {"polymer_ends": "methyl"}).transform([unit])
    hydrogen = make_featurizer("chemprop_admet", {"polymer_ends": "hydrogen"}).transform([unit])
    assert trimer.shape == (1, 300) and not np.allclose(trimer, methyl) and not np.allclose(methyl, hydrogen)
    # the middle copy of a trimer, not the whole trimer: about one styrene's worth of read-out
    styrene = make_featurizer("chemprop_admet").transform(["CCc1ccccc1"])
    assert trimer.sum() == pytest.approx(styrene.sum(), rel=0.3)


def test_bad_structures_are_named_and_spare_the_others():
    f = make_featurizer("chemprop_admet")
    X, failed = f.transform_report(["CCO", "not a smiles", "c1ccccc1"])
    assert list(failed) == [1] and "not a valid SMILES" in failed[1]
    assert np.allclose(X[[0, 2]], f.transform(["CCO", "c1ccccc1"]), atol=1e-6)
    with pytest.raises(InputError, match="model must be an integer from 0 to 4"):
        make_featurizer("chemprop_admet", {"model": 5})
    with pytest.raises(InputError, match="task_set must be one of"):
        make_featurizer("chemprop_admet", {"task_set": "multiclass"})


def test_missing_package_fails_clearly_and_other_featurizers_still_work(monkeypatch):
    real = metadata.distribution

    def missing(name):
        if name in ("admet-ai", "admet_ai"):
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    with pytest.raises(DataUnavailableError, match="'admet-ai' is not installed"):
        ChempropFingerprint().transform(["CCO"])
    assert make_featurizer("maccs").transform(["CCO"]).shape == (1, 167)
