"""One bad structure never costs the others: transform_report, check and failed_rows."""

import numpy as np
import pytest

from core.errors import InputError
from core.features import (DEFAULT_FEATURIZERS, FeaturizationError, as_featurizers, default_featurizers, failed_rows,
                           make_featurizer)
from core.features.base import Featurizer, failure_reason


class Picky(Featurizer):
    """A featurizer for the tests: reads anything but structures with chlorine."""

    name = "picky"

    def _columns(self):
        return ["length"]

    def _featurize_one(self, text):
        if "Cl" in text:
            raise ValueError("has chlorine")
        return np.array([len(text)], dtype=float)


def test_transform_report_zero_fills_the_failed_rows_and_keeps_the_others():
    X, failed = make_featurizer("morgan").transform_report(["CCO", "C1CC", "c1ccccc1", "*C(*)(*)C"])
    assert set(failed) == {1, 3}
    assert failed[1] == "not a valid SMILES (RDKit could not parse it)"
    assert failed[3] == "a polymer repeat unit needs exactly two * ends, found 3"
    assert X[1].sum() == 0 and X[3].sum() == 0 and X[0].sum() > 0 and X[2].sum() > 0
    np.testing.assert_array_equal(X[[0, 2]], make_featurizer("morgan").transform(["CCO", "c1ccccc1"]))


def test_transform_raises_naming_the_structure_and_its_index_not_a_row_number():
    with pytest.raises(FeaturizationError) as info:
        make_featurizer("maccs").transform(["CCO", "CCN", "C1CC", "not"])
    err = info.value
    assert isinstance(err, InputError) and (err.index, err.value) == (2, "C1CC")
    assert str(err) == "maccs cannot read 'C1CC': not a valid SMILES (RDKit could not parse it) (1 more structure fail too)"
    assert err.failures == {2: err.reason, 3: err.reason}


def test_batch_featurizers_find_each_bad_row():
    comp = make_featurizer("composition")
    values = ["NaCl", "Fe2O3", "Og2", "GaAs", "Xx", "SiO2", "MgO"]
    X, failed = comp.transform_report(values)
    assert failed == {2: "has no elemental features for Og (available: H to Pu)", 4: "unknown element Xx"}
    good = [0, 1, 3, 5, 6]
    np.testing.assert_allclose(X[good], comp.transform([values[i] for i in good]))
    assert comp.check(values) == failed


def test_check_equals_the_failures_of_transform_report():
    values = ["CCO", "*n1ccc(*)c1", "C1CC", "*CC", "[Na+].[Cl-]"]
    for kind in ("morgan", "maccs", "rdkit2d"):
        f = make_featurizer(kind)
        assert f.check(values) == f.transform_report(values)[1] == {2: f.check(["C1CC"])[0], 3: f.check(["*CC"])[0]}


def test_failed_rows_merges_the_featurizers_reasons():
    failed = failed_rows(["CCO", "CCl", "C1CC"], [Picky().fit(), "morgan"])
    assert failed == {1: "has chlorine (picky cannot read it)",
                      2: "not a valid SMILES (RDKit could not parse it) (morgan cannot read it)"}
    everything = failed_rows(["C1CC"], default_featurizers("molecule"))
    assert everything == {0: "not a valid SMILES (RDKit could not parse it) (morgan, maccs, rdkit2d cannot read it)"}


def test_featurizers_from_names_specs_and_polymer_ends():
    built = as_featurizers(["morgan", {"name": "maccs", "params": {"polymer_ends": "hydrogen"}}, "composition"],
                           polymer_ends="methyl")
    assert [f.label() for f in built] == ["morgan(n_bits=2048, polymer_ends=methyl, radius=2)",
                                          "maccs(polymer_ends=hydrogen)", "composition(stats=classic)"]
    assert [f.name for f in default_featurizers("inorganic")] == list(DEFAULT_FEATURIZERS["inorganic"])


def test_failure_reason_drops_row_numbers_and_repeated_values():
    assert failure_reason(InputError("row 3: 'Xx' has no elemental features for Xx")) == \
        "has no elemental features for Xx"
    assert failure_reason(ValueError("")) == "ValueError"


@pytest.mark.parametrize("kind", ["morgan", "composition"])
def test_an_empty_list_gives_an_empty_matrix(kind):
    f = make_featurizer(kind)
    X, failed = f.transform_report([])
    assert X.shape == (0, len(f.get_feature_names_out())) and failed == {} and f.check([]) == {}
