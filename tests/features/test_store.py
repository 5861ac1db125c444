import numpy as np

from core.features import make_featurizer
from core.features.store import featurize_cached, store_dir


def test_store_matches_direct_transform_and_reuses_rows(tmp_cache):
    f = make_featurizer("maccs")
    first = featurize_cached(f, ["CCO", "CCN", "CCO"])
    assert np.array_equal(first, f.transform(["CCO", "CCN", "CCO"]).astype(np.float32))
    chunks = list(store_dir(f).glob("chunk-*.npy"))
    again = featurize_cached(f, ["CCN", "CCO"])
    assert np.array_equal(again, first[[1, 0]])
    assert list(store_dir(f).glob("chunk-*.npy")) == chunks  # nothing recomputed
    featurize_cached(f, ["CCC"])
    assert len(list(store_dir(f).glob("chunk-*.npy"))) == len(chunks) + 1


def test_different_parameters_use_different_stores(tmp_cache):
    a = make_featurizer("morgan", {"radius": 1, "n_bits": 64})
    b = make_featurizer("morgan", {"radius": 2, "n_bits": 64})
    assert store_dir(a) != store_dir(b)
    assert not np.array_equal(featurize_cached(a, ["CCCCO"]), featurize_cached(b, ["CCCCO"]))


def test_progress_is_reported(tmp_cache):
    seen = []
    featurize_cached(make_featurizer("maccs"), [f"C{'C' * i}O" for i in range(5)], progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (5, 5)
