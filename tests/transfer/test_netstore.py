"""Nets read from disk on demand, in bounded memory."""

from core.domains import Domain
from core.transfer.candidates import load_pool, select_models
from core.transfer.netstore import NetStore, TwinStore


def _largest_store(libraries) -> NetStore:
    pool = load_pool(libraries, select_models(libraries, Domain.MOLECULE, representations=False))
    return max(pool.nets.values(), key=len)


def test_the_cache_holds_a_number_of_bytes_not_of_nets(libraries):
    full = _largest_store(libraries)
    ids = sorted(full)
    sizes = {i: full[i].nbytes for i in ids}
    limit = sum(sizes.values()) // 3
    store = NetStore(full.files, full.shapes, cache_bytes=limit)
    for i in ids:
        assert store[i].nbytes == sizes[i]
        assert store.cached_bytes <= limit or len(store._cache) == 1
    assert 0 < store.cached_bytes <= limit
    assert len(store._cache) < len(ids)  # the oldest left


def test_a_stack_taken_at_once_is_whole_even_when_the_cache_cannot_hold_it(libraries):
    full = _largest_store(libraries)
    ids = sorted(full)
    store = NetStore(full.files, full.shapes, cache_bytes=1)
    nets, errors = store.take(ids)
    assert errors == {} and list(nets) == ids
    assert all(nets[i].nbytes == full[i].nbytes for i in ids)
    assert len(store._cache) == 1  # the store itself kept only the last
    twins, errors = TwinStore(store, seed=3, cache_bytes=1).take(ids[:2])
    assert errors == {} and set(twins) == set(ids[:2])


def test_an_unreadable_net_is_reported_and_the_others_still_come(libraries, tmp_path):
    full = _largest_store(libraries)
    ids = sorted(full)
    files = dict(full.files)
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a weights file")
    files[ids[0]] = (broken, files[ids[0]][1])
    nets, errors = NetStore(files, full.shapes).take(ids)
    assert set(errors) == {ids[0]} and set(nets) == set(ids[1:])
