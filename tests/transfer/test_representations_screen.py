"""Pretrained representations (Chemprop, element embeddings) go through the screen like the nets."""

import numpy as np
import pytest

from core.library import Library, copy_library
from core.library.representations import entry_specs
from core.transfer.predict import predict
from core.transfer.screen import screen

from tests.transfer.conftest import example_target, fast_config

WANTED = {"chemprop-admet-reg-m0", "embedding-mat2vec", "embedding-random_200"}


@pytest.fixture(scope="module")
def with_representations(tiny_library, tmp_path_factory):
    path = tmp_path_factory.mktemp("reps") / "tiny"
    copy_library(tiny_library, path)
    lib = Library(path)
    added, skipped = lib.add_representations([s for s in entry_specs() if s.id in WANTED])
    assert added == 3 and not skipped
    return [lib]


def test_a_molecule_screen_scores_a_representation_and_keeps_it_honest(with_representations):
    target = example_target("logbb", 30, seed=1)  # logBB: not among the training sets the check can see
    result = screen(target, with_representations, fast_config())
    rows = result.ranking[result.ranking["model_id"] == "chemprop-admet-reg-m0"]
    assert set(rows["kind"]) >= {"representation"} and (rows["family"] == "transfer").all()
    assert rows["property"].iloc[0].startswith("Chemprop D-MPNN fingerprint")
    assert not result.ranking["model_id"].isin(["embedding-mat2vec", "embedding-random_200"]).any()  # inorganic
    # no scratch baseline runs on a representation's features
    scratch = result.ranking[result.ranking["family"] == "scratch"]
    assert not scratch["descriptor_key"].str.startswith("chemprop").any()
    out = predict(result, ["CCO", "c1ccccc1O"], candidate=rows["candidate"].iloc[0])
    assert np.isfinite(out.table["prediction"]).all()


def test_an_inorganic_screen_has_the_embeddings_and_their_random_control(with_representations):
    result = screen(example_target("steels_yield", 30), with_representations, fast_config())
    ranking = result.ranking.set_index("candidate")
    assert ranking.loc["embedding-mat2vec|ridge", "family"] == "transfer"
    assert ranking.loc["random|embedding-random_200|ridge", "family"] == "random"
    for proc in result.procedures.values():
        assert "random|embedding-random_200|ridge" not in proc.members


def test_training_overlap_is_warned_about_or_excluded(with_representations):
    target = example_target("freesolv", 30)  # every FreeSolv molecule is in ADMET-AI's training data
    messages = []
    warned = screen(target, with_representations, fast_config(nested=False), log=messages.append)
    assert any("are in its training data" in note for note in warned.summary["overlap"])
    assert "chemprop-admet-reg-m0" in set(warned.ranking["model_id"])
    excluded = screen(target, with_representations, fast_config(nested=False, overlap="exclude"))
    assert "chemprop-admet-reg-m0" not in set(excluded.ranking["model_id"])
    plain = screen(target, with_representations, fast_config(nested=False, representations=False))
    assert not plain.ranking["kind"].eq("representation").any()


def test_nets_on_a_representations_descriptor_are_refitted_as_nets():
    """The starter library's nets on element-embedding statistics read the very descriptor
    that the element-embedding representations are: stage 2 must still refit them as nets."""
    from pathlib import Path

    starter = Library(Path(__file__).resolve().parents[2] / "assets" / "library")
    nets = starter.models(source="aflow_bulk_modulus", columns=["id", "descriptor"])
    on_embeddings = set(nets.loc[nets["descriptor"] == "element_embedding", "id"])
    assert on_embeddings, "the starter library has nets on element embeddings"
    chosen = tuple(sorted(on_embeddings)) + ("embedding-megnet16",)  # same featurizer and settings as ...-megnet16-s0-07
    result = screen(example_target("steels_yield", 30), [starter],
                    fast_config(model_ids=chosen, top=len(chosen), nested=False, controls=False))
    refits = result.ranking[(result.ranking["stage"] == 2) & (result.ranking["family"] == "transfer")]
    assert on_embeddings <= set(refits["model_id"]) and "embedding-megnet16" in set(refits["model_id"])
    assert np.isfinite(refits["cv_mae"]).all()
    # a representation's features are pretrained: no scratch candidate (stage 1 or 2) reads them
    megnet = result.ranking.loc[result.ranking["model_id"] == "embedding-megnet16", "descriptor_key"].iloc[0]
    scratch = result.ranking[result.ranking["family"] == "scratch"]
    assert megnet not in set(scratch["descriptor_key"]) and "element_fraction{}" in set(scratch["descriptor_key"])
