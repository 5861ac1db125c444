"""The medium preset: every registered source, over 2,000 models, nets on element embeddings."""

from collections import Counter
from pathlib import Path

from core import datasets
from core.domains import Domain
from core.features import make_featurizer
from core.pretrain.builder import BuildConfig, model_id, plan_tasks
from core.pretrain.presets import PRESETS, plan


def medium_tasks():
    return plan_tasks(BuildConfig(out=Path("unused"), preset="medium"))


def test_medium_covers_every_source_with_over_2000_models():
    tasks = medium_tasks()
    sources = {s.name for s in datasets.list_datasets(role="source")}
    assert len(sources) >= 85 and {t.source_name for t in tasks} == sources
    ids = [i for t in tasks for i in t.model_ids]
    assert len(ids) >= 2000 and len(set(ids)) == len(ids)
    assert PRESETS["medium"].sources is None and PRESETS["medium"].max_rows == 10_000


def test_medium_trains_nets_on_the_element_embeddings():
    descriptors = Counter(d for t in medium_tasks() for d in t.descriptors)
    embeddings = {dict(p)["embedding"] for (name, p) in descriptors if name == "element_embedding"}
    assert embeddings == {"mat2vec", "megnet16", "skipatom", "mace_mp0", "chgnet", "sevennet", "orb_v2",
                          "matscibert", "crystallm", "magpie"}  # random_200 is screened, not pretrained on
    n_inorganic = len(datasets.list_datasets(domain="inorganic", role="source"))
    assert sum(n for (name, _), n in descriptors.items() if name == "element_embedding") == 22 * n_inorganic
    for name, params in descriptors:  # every descriptor of the preset can be built
        make_featurizer(name, dict(params))


def test_embedding_stacks_keep_similar_widths():
    for stack in PRESETS["medium"].stacks[Domain.INORGANIC]:
        widths = [len(make_featurizer(n, dict(p)).get_feature_names_out()) for n, p in stack]
        assert max(widths) <= 4 * min(widths), widths


def test_plan_is_deterministic_so_a_killed_build_resumes():
    first, again = medium_tasks(), medium_tasks()
    assert [t.model_ids for t in first] == [t.model_ids for t in again]
    assert model_id("mp_gap", plan("element_embedding", embedding="mat2vec", stats="mean"), 0, 7) == \
        "mp_gap-mat2vec-s0-07"
    assert model_id("mp_gap", plan("composition", stats="full"), 0, 3) == "mp_gap-composition_full-s0-03"
