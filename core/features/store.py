"""A persistent, append-only store of featurized structures, one per featurizer setting.

Datasets overlap (all QM9 properties share their molecules; the OQMD sets share their
formulas), so features are cached per structure rather than per dataset: a store maps
each structure string to its row in one of several chunk files.  New structures are
computed (in parallel when there are many) and written as a new chunk; nothing is ever
rewritten, so an interrupted run loses at most the chunk it was writing.
"""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from core.cache import key_of
from core.features.base import Featurizer
from core.paths import cache_dir

_BLOCK = 1000
_LOCK = threading.Lock()


def store_dir(featurizer: Featurizer) -> Path:
    """Folder of the store for this featurizer's exact settings."""
    from core import __version__

    key = key_of({"spec": featurizer.spec(), "code": featurizer.__class__.__module__, "v": __version__})
    path = cache_dir() / "feature_store" / f"{featurizer.name}-{key}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _index(folder: Path) -> dict[str, tuple[str, int]]:
    index: dict[str, tuple[str, int]] = {}
    for part in sorted(folder.glob("chunk-*.parquet")):
        chunk = part.with_suffix(".npy")
        if not chunk.exists():
            continue
        names = pd.read_parquet(part)["structure"].tolist()
        for row, name in enumerate(names):
            index.setdefault(name, (chunk.name, row))
    return index


def _compute(featurizer: Featurizer, values: list[str], n_jobs: int,
             progress: Callable[[int, int], None] | None) -> np.ndarray:
    blocks = [values[i:i + _BLOCK] for i in range(0, len(values), _BLOCK)]
    done, out = 0, []
    if n_jobs > 1 and len(blocks) > 1:
        from joblib import Parallel, delayed

        runner = Parallel(n_jobs=n_jobs, return_as="generator")
        results = runner(delayed(featurizer.transform)(b) for b in blocks)
    else:
        results = (featurizer.transform(b) for b in blocks)
    for block, result in zip(blocks, results):
        out.append(result)
        done += len(block)
        if progress:
            progress(done, len(values))
    return np.vstack(out) if out else np.zeros((0, len(featurizer.get_feature_names_out())))


def featurize_cached(
    featurizer: Featurizer,
    structures: Sequence[str],
    *,
    n_jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Feature matrix (float32) of ``structures``, computing only those not stored yet.

    Parameters
    ----------
    featurizer : Featurizer
        A fitted featurizer; its :meth:`~Featurizer.spec` selects the store.
    structures : sequence of str
        Structure strings; duplicates are fine.
    n_jobs : int, optional
        Worker processes for new structures (default: all cores when there are more
        than two thousand).
    progress : callable, optional
        Called as ``progress(done, total)`` while new structures are computed.
    """
    structures = [str(s) for s in structures]
    folder = store_dir(featurizer)
    with _LOCK:
        index = _index(folder)
    missing = list(dict.fromkeys(s for s in structures if s not in index))
    if missing:
        jobs = n_jobs if n_jobs is not None else (os.cpu_count() or 1) if len(missing) > 2000 else 1
        values = _compute(featurizer, missing, jobs, progress)
        name = f"chunk-{uuid.uuid4().hex[:12]}"
        np.save(folder / f".{name}.tmp.npy", values.astype(featurizer.store_dtype))
        pd.DataFrame({"structure": missing}).to_parquet(folder / f".{name}.tmp.parquet", index=False)
        os.replace(folder / f".{name}.tmp.npy", folder / f"{name}.npy")
        os.replace(folder / f".{name}.tmp.parquet", folder / f"{name}.parquet")
        with _LOCK:
            index = _index(folder)
    return _gather(folder, index, structures, len(featurizer.get_feature_names_out()))


def _gather(folder: Path, index: dict, structures: list[str], width: int) -> np.ndarray:
    out = np.empty((len(structures), width), dtype=np.float32)
    by_chunk: dict[str, tuple[list[int], list[int]]] = {}
    for i, s in enumerate(structures):
        chunk, row = index[s]
        dest, src = by_chunk.setdefault(chunk, ([], []))
        dest.append(i)
        src.append(row)
    for chunk, (dest, src) in by_chunk.items():
        data = np.load(folder / chunk, mmap_mode="r")
        out[np.array(dest)] = data[np.array(src)]
    return out
