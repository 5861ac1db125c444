"""On-disk cache for parsed tables and feature matrices, keyed by content hashes.

Source files are hashed by content (BLAKE2b); the hash of a file is remembered against
its size and modification time so that a second load does not read it again.  A cache
entry's key also holds the loader's own version string, so changing a loader or a
featurizer invalidates what it wrote before.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from core.paths import cache_dir

_LOCK = threading.Lock()


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def file_digest(path: str | Path) -> str:
    """Content hash of a file, memoised on (size, mtime) in the cache directory."""
    path = Path(path).resolve()
    stat = path.stat()
    memo_path = cache_dir() / "digests.json"
    key = str(path)
    with _LOCK:
        try:
            memo = json.loads(memo_path.read_text())
        except (OSError, ValueError):
            memo = {}
        hit = memo.get(key)
        if hit and hit["size"] == stat.st_size and hit["mtime_ns"] == stat.st_mtime_ns:
            return hit["digest"]
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    digest = h.hexdigest()
    with _LOCK:
        try:
            memo = json.loads(memo_path.read_text())
        except (OSError, ValueError):
            memo = {}
        memo[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "digest": digest}
        _atomic_write_bytes(memo_path, json.dumps(memo).encode())
    return digest


def key_of(parts: Any) -> str:
    """A short stable hash of any JSON-serialisable description."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.blake2b(blob, digest_size=10).hexdigest()


def _entry(kind: str, name: str, key: str, suffix: str) -> Path:
    folder = cache_dir() / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{key}{suffix}"


def _drop_stale(kind: str, name: str, keep: Path) -> None:
    for old in (cache_dir() / kind).glob(f"{name}-*"):
        if old.name.split(".")[0] != keep.name.split(".")[0]:
            old.unlink(missing_ok=True)


def cached_table(name: str, key_parts: Any, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Return the table cached under ``name`` and ``key_parts``, building it when absent.

    Parameters
    ----------
    name : str
        Readable prefix of the cache file (the dataset name).
    key_parts : Any
        JSON-serialisable description of everything the table depends on (file digests,
        loader version).  A different key rebuilds the table and drops the old file.
    build : callable
        Builds the table when it is not cached.
    """
    path = _entry("tables", name, key_of(key_parts), ".parquet")
    if path.exists():
        try:
            return pd.read_parquet(path)
        except Exception:  # a truncated cache file is rebuilt, never trusted
            path.unlink(missing_ok=True)
    table = build()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    table.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    _drop_stale("tables", name, path)
    return table


def cached_array(
    name: str, key_parts: Any, build: Callable[[], tuple[np.ndarray, list[str]]]
) -> tuple[np.ndarray, list[str]]:
    """Like :func:`cached_table` for a float matrix and its column names."""
    key = key_of(key_parts)
    path = _entry("features", name, key, ".npy")
    cols_path = path.with_suffix(".json")
    if path.exists() and cols_path.exists():
        try:
            return np.load(path, mmap_mode=None), json.loads(cols_path.read_text())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
    values, columns = build()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npy")
    np.save(tmp, values)
    os.replace(tmp, path)
    _atomic_write_bytes(cols_path, json.dumps(list(columns)).encode())
    for old in (cache_dir() / "features").glob(f"{name}-*"):
        if not old.name.startswith(f"{name}-{key}"):
            old.unlink(missing_ok=True)
    return values, list(columns)
