"""Composition descriptors from the element embeddings that ElementEmbeddings ships."""

import importlib.metadata as metadata

import numpy as np
import pytest

from core.errors import DataUnavailableError, InputError
from core.features import FEATURIZERS, make_featurizer
from core.features.embeddings import EMBEDDINGS, ElementEmbeddingDescriptors, embedding_path, embedding_table

FORMULAS = ["NaCl", "Fe2O3", "LiFePO4"]


@pytest.mark.parametrize("key", list(EMBEDDINGS))
def test_every_table_loads_offline_with_its_documented_width(key):
    table = embedding_table(key)
    assert table.shape[1] == EMBEDDINGS[key].width
    assert {"O", "Fe", "Na", "Cl"} <= set(table.index) and np.isfinite(table.to_numpy()).all()
    f = make_featurizer("element_embedding", {"embedding": key})
    X = f.transform(FORMULAS)
    assert X.shape == (3, 4 * EMBEDDINGS[key].width) == (3, f.n_features_out_)
    assert np.array_equal(X, f.transform(FORMULAS))  # the same numbers twice


def test_statistics_follow_their_definitions():
    table = embedding_table("megnet16")
    X = make_featurizer("element_embedding", {"embedding": "megnet16"}).transform(["Fe2O3"])[0].reshape(4, -1)
    fe, o = table.loc["Fe"].to_numpy(), table.loc["O"].to_numpy()
    mean = 0.4 * fe + 0.6 * o
    assert np.allclose(X[0], mean)
    assert np.allclose(X[1], 0.4 * (fe - mean) ** 2 + 0.6 * (o - mean) ** 2)
    assert np.allclose(X[2], np.maximum(fe, o)) and np.allclose(X[3], np.minimum(fe, o))


def test_mean_only_and_the_option_changes_the_output():
    classic = make_featurizer("element_embedding", {"embedding": "mat2vec"}).transform(FORMULAS)
    mean = make_featurizer("element_embedding", {"embedding": "mat2vec", "stats": "mean"}).transform(FORMULAS)
    assert mean.shape == (3, 200) and np.allclose(mean, classic[:, :200])
    other = make_featurizer("element_embedding", {"embedding": "skipatom", "stats": "mean"}).transform(FORMULAS)
    assert not np.allclose(mean, other)


def test_intensive_in_the_amounts():
    f = make_featurizer("element_embedding", {"embedding": "orb_v2"})
    assert np.allclose(f.transform(["Fe2O3"]), f.transform(["Fe4O6"]))


def test_an_element_without_a_vector_names_it_and_spares_the_other_rows():
    f = make_featurizer("element_embedding", {"embedding": "skipatom"})  # SkipAtom has no He, Ne, Ar
    X, failed = f.transform_report(["NaCl", "ArF2", "Fe2O3"])
    assert list(failed) == [1] and "skipatom vector: Ar" in failed[1]
    assert np.allclose(X[[0, 2]], f.transform(["NaCl", "Fe2O3"]))


def test_bad_parameters_are_refused():
    with pytest.raises(InputError, match="embedding must be one of"):
        make_featurizer("element_embedding", {"embedding": "word2vec"})
    with pytest.raises(InputError, match="stats must be"):
        make_featurizer("element_embedding", {"stats": "median"})


def test_roles_transfer_descriptor_control():
    roles = {k: t.role for k, t in EMBEDDINGS.items()}
    assert roles.pop("random_200") == "control"
    assert roles.pop("magpie") == roles.pop("oliynyk") == "descriptor"
    assert set(roles.values()) == {"transfer"} and len(roles) == 9
    assert FEATURIZERS["element_embedding"] is ElementEmbeddingDescriptors


def test_missing_package_fails_clearly_and_other_featurizers_still_work(monkeypatch):
    real = metadata.distribution

    def missing(name):
        if name == "elementembeddings":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    with pytest.raises(DataUnavailableError, match="'elementembeddings' is not installed"):
        embedding_path("mat2vec")
    with pytest.raises(DataUnavailableError, match="elementembeddings"):
        ElementEmbeddingDescriptors(embedding="mat2vec").transform(["NaCl"])
    assert make_featurizer("morgan").transform(["CCO"]).shape == (1, 2048)
