"""Nets read from disk when a screen needs them, not all at once.

A library of 100,000 nets does not fit in memory as arrays, and a screen does not need it
to: stage 1 reads one stack of nets, scores it and moves on; stage 2 and ``predict`` read
the few nets they refit.  :class:`NetStore` is a read-only mapping ``model id -> net``
that knows every net's file, checksum and shape from the catalog, reads a net on first
use and keeps the most recently used ones, up to a number of bytes (a net on 2,048 Morgan
bits weighs about 0.5 MB, one on 58 composition features a few kB).  :class:`TwinStore` is the same for
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

#: Bytes of nets kept in memory per store (the starter library's nets all fit; a big library
#: cycles through it).  A bound in bytes, not nets: 4,096 nets on Morgan bits are 2 GB.
CACHE_BYTES = 64 << 20


class _Cached(Mapping):
    def __init__(self, shapes: dict[str, NetShape], cache_bytes: int):
        self.shapes = shapes
        self._cache: OrderedDict[str, NetArrays] = OrderedDict()
        self._limit = cache_bytes
        self._bytes = 0
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
            if model_id not in self._cache:
                self._cache[model_id] = net
                self._bytes += net.nbytes
            while self._bytes > self._limit and len(self._cache) > 1:
                self._bytes -= self._cache.popitem(last=False)[1].nbytes
        return net

    @property
    def cached_bytes(self) -> int:
        """Bytes of the nets held in memory now."""
        return self._bytes

    def _make(self, model_id: str) -> NetArrays:  # pragma: no cover - abstract
        raise NotImplementedError

    def take(self, ids: Iterable[str]) -> tuple[dict[str, NetArrays], dict[str, str]]:
        """Read ``ids`` once: the nets that could be read (held by the caller, whatever the
        cache keeps) and ``{id: reason}`` of those that could not."""
        nets, errors = {}, {}
        for model_id in ids:
            try:
                nets[model_id] = self[model_id]
            except LibraryError as exc:
                errors[model_id] = str(exc)
        return nets, errors

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
    cache_bytes : int
        Most bytes of nets held in memory (least recently used leave first).
    """

    def __init__(self, files: dict[str, tuple[Path, str]], shapes: dict[str, NetShape],
                 cache_bytes: int = CACHE_BYTES):
        super().__init__(dict(shapes), cache_bytes)
        self.files = files

    def _make(self, model_id: str) -> NetArrays:
        path, checksum = self.files[model_id]
        return read_model(path, checksum, model_id)


class TwinStore(_Cached):
    """The random-weight twins of the nets of ``base``, made (seeded) on first use."""

    def __init__(self, base: Mapping[str, NetArrays], seed: int = 0, cache_bytes: int = CACHE_BYTES):
        super().__init__(dict(getattr(base, "shapes", None) or {i: NetShape.of(n) for i, n in base.items()}),
                         cache_bytes)
        self.base = base
        self.seed = seed

    def _make(self, model_id: str) -> NetArrays:
        return random_twin(self.base[model_id], model_id, self.seed)
