"""Nets read from disk when a screen needs them, not all at once.

A library of 100,000 nets does not fit in memory as arrays, and a screen does not need it
to: stage 1 reads one stack of nets, scores it and moves on; stage 2 and ``predict`` read
the few nets they refit.  :class:`NetStore` is a read-only mapping ``model id -> net``
that knows every net's file, checksum and shape from the catalog, reads a net on first
use and keeps the most recently used ones (bounded).  :class:`TwinStore` is the same for
the random-weight twins of a store's nets (:mod:`core.transfer.controls`), made on demand.
Both are safe to read from several threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from core.errors import LibraryError
from core.library.model import read_model
from core.nets import NetArrays
from core.transfer.controls import random_twin
from core.transfer.frozen import NetShape

#: Nets kept in memory per store (the starter library's nets all fit; a big library cycles).
CACHE_SIZE = 4096


class _Cached(Mapping):
    def __init__(self, shapes: dict[str, NetShape], cache_size: int):
        self.shapes = shapes
        self._cache: OrderedDict[str, NetArrays] = OrderedDict()
        self._size = cache_size
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[str]:
        return iter(self.shapes)

    def __len__(self) -> int:
        return len(self.shapes)

    def __contains__(self, model_id: object) -> bool:
        return model_id in self.shapes

    def __getitem__(self, model_id: str) -> NetArrays:
        with self._lock:
            if model_id in self._cache:
                self._cache.move_to_end(model_id)
                return self._cache[model_id]
        if model_id not in self.shapes:
            raise KeyError(model_id)
        net = self._make(model_id)
        with self._lock:
            self._cache[model_id] = net
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return net

    def _make(self, model_id: str) -> NetArrays:  # pragma: no cover - abstract
        raise NotImplementedError

    def check(self, ids: Iterable[str]) -> dict[str, str]:
        """Read ``ids`` (warming the cache); ``{id: reason}`` of those that cannot be read."""
        errors = {}
        for model_id in ids:
            try:
                self[model_id]
            except LibraryError as exc:
                errors[model_id] = str(exc)
        return errors

    def without(self, ids: Iterable[str]) -> None:
        """Forget ``ids`` (nets that turned out unreadable)."""
        for model_id in list(ids):
            self.shapes.pop(model_id, None)


class NetStore(_Cached):
    """Nets of one descriptor, read from their weights files on first use.

    Parameters
    ----------
    files : dict
        ``model id -> (weights path, checksum)``.
    shapes : dict
        ``model id -> NetShape`` (from the catalog: no file is read to plan the stacks).
    cache_size : int
    """

    def __init__(self, files: dict[str, tuple[Path, str]], shapes: dict[str, NetShape],
                 cache_size: int = CACHE_SIZE):
        super().__init__(dict(shapes), cache_size)
        self.files = files

    def _make(self, model_id: str) -> NetArrays:
        path, checksum = self.files[model_id]
        return read_model(path, checksum, model_id)

    @classmethod
    def of(cls, nets: Mapping[str, NetArrays]) -> "NetStore":
        """A store holding nets already in memory (tests, benchmarks)."""
        store = cls({}, {i: NetShape.of(n) for i, n in nets.items()}, cache_size=max(len(nets), 1))
        store._cache.update(nets)
        return store


class TwinStore(_Cached):
    """The random-weight twins of the nets of ``base``, made (seeded) on first use."""

    def __init__(self, base: Mapping[str, NetArrays], seed: int = 0, cache_size: int = CACHE_SIZE):
        super().__init__(dict(getattr(base, "shapes", None) or {i: NetShape.of(n) for i, n in base.items()}),
                         cache_size)
        self.base = base
        self.seed = seed

    def _make(self, model_id: str) -> NetArrays:
        return random_twin(self.base[model_id], model_id, self.seed)
