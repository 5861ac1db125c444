"""Stage 1: every candidate model scored by closed-form cross-validated ridge, batched.

For each descriptor the target is featurized once; nets are stacked by depth and run
together; their frozen features become centred Gram matrices, and
:func:`core.transfer.ridge.cv_ridge` gives out-of-fold predictions for every penalty and
fold at once.  Three kinds of candidate come out of one pass:

``frozen``      ridge on a model's frozen features
``frozen+raw``  ridge on frozen features together with the raw descriptor (each block
                scaled to unit trace, so the 2048 raw bits do not drown the net's units)
``raw``         ridge on the raw descriptor alone: the closed-form scratch baseline

A *scope* is a subset of the rows with its own CV splits: the full data, or the training
part of an outer fold of the nested estimate.  All scopes are scored from the same
forward passes.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from core.compute.threads import one_torch_thread
from core.errors import CancelledError
from core.transfer.candidates import CandidatePool
from core.transfer.frozen import frozen_features, stack_chunks
from core.transfer.ridge import DEFAULT_PENALTIES, centred_gram, cv_ridge, fold_errors, standardise


@dataclass
class Scope:
    """Rows (indices into the target) and CV splits relative to those rows."""

    name: str
    rows: np.ndarray
    splits: list[tuple[np.ndarray, np.ndarray]]


@dataclass
class ScopeScores:
    """Stage-1 results of one scope, one entry per candidate."""

    ids: list[str] = field(default_factory=list)  # candidate ids, e.g. "<model>|ridge"
    model: list[str | None] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    descriptor: list[str] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)  # relative penalty chosen
    fold_mae: list[np.ndarray] = field(default_factory=list)
    oof: list[np.ndarray] = field(default_factory=list)  # (R, n_scope) at the chosen penalty

    def extend(self, other: "ScopeScores") -> None:
        """Append another chunk's scores."""
        for name in ("ids", "model", "kind", "descriptor", "penalty", "fold_mae", "oof"):
            getattr(self, name).extend(getattr(other, name))

    def mean_mae(self) -> np.ndarray:
        return np.array([f.mean() for f in self.fold_mae])


KIND_SUFFIX = {"frozen": "ridge", "frozen+raw": "ridge+raw"}


def _scope_features(Z: torch.Tensor, scope: Scope, dtype) -> torch.Tensor:
    rows = torch.as_tensor(scope.rows, device=Z.device)
    return standardise(Z.index_select(1, rows).to(dtype))


def _scope_tensors(Z: torch.Tensor, scope: Scope, dtype) -> torch.Tensor:
    return centred_gram(_scope_features(Z, scope, dtype))


def _unit_trace(K: torch.Tensor) -> torch.Tensor:
    tr = torch.diagonal(K, dim1=1, dim2=2).sum(dim=1)
    return K / torch.where(tr > 0, tr, torch.ones_like(tr))[:, None, None]


def _record(scores: ScopeScores, K: torch.Tensor | None, y: torch.Tensor, scope: Scope, ids, models, kind, desc,
            penalties, Z: torch.Tensor | None = None) -> None:
    result = cv_ridge(K, y, scope.splits, penalties, Z=Z)
    errors = fold_errors(result.oof, y, scope.splits)  # (M, L, F)
    best = errors.mean(dim=2).argmin(dim=1)  # (M,)
    rows = torch.arange(len(ids), device=result.oof.device)
    fold_mae = errors[rows, best].cpu().numpy()
    oof = result.oof[rows, best].cpu().numpy()
    best = best.cpu().numpy()
    scores.ids.extend(ids)
    scores.model.extend(models)
    scores.kind.extend([kind] * len(ids))
    scores.descriptor.extend([desc] * len(ids))
    scores.penalty.extend(float(penalties[b]) for b in best)
    scores.fold_mae.extend(fold_mae)
    scores.oof.extend(oof)


def score_chunk(nets: dict, ids: list[str], key: str, X: np.ndarray, y: np.ndarray, scopes: list[Scope], *,
                layers: int = 1, combos: bool = True, penalties=DEFAULT_PENALTIES, device="cpu",
                dtype=torch.float64) -> dict[str, ScopeScores]:
    """Stage-1 scores of one stack of nets (one descriptor) in every scope (call it with
    :func:`~core.compute.threads.one_torch_thread` for results that do not depend on where it runs)."""
    out = {s.name: ScopeScores() for s in scopes}
    Z = frozen_features(nets, ids, X, layers=layers, device=device)
    raw = torch.from_numpy(X).to(device)[None] if combos else None
    for s in scopes:
        y_s = torch.as_tensor(y[s.rows], dtype=dtype, device=device)
        Zs = _scope_features(Z, s, dtype)
        _record(out[s.name], None, y_s, s, [f"{i}|ridge" for i in ids], ids, "frozen", key, penalties, Z=Zs)
        if combos:
            Kc = _unit_trace(centred_gram(Zs)) + _unit_trace(_scope_tensors(raw, s, dtype))
            _record(out[s.name], Kc, y_s, s, [f"{i}|ridge+raw" for i in ids], ids, "frozen+raw", key, penalties)
    return out


def score_chunk_remote(paths: dict[str, str], ids: list[str], key: str, X: np.ndarray, y: np.ndarray,
                       scopes: list[Scope], options: dict) -> dict[str, ScopeScores]:
    """:func:`score_chunk` on a worker: the nets are read from the libraries at ``paths``."""
    from core.library import Library

    nets = {}
    for path in sorted(set(paths.values())):
        with Library(path) as lib:
            loaded, errors = lib.load_many([i for i in ids if paths[i] == path])
        if errors:
            raise RuntimeError("; ".join(errors.values()))
        nets.update(loaded)
    with one_torch_thread():
        return score_chunk(nets, ids, key, X, y, scopes, **options)


def run_stage1(pool: CandidatePool, descriptors: dict[str, np.ndarray], y: np.ndarray, scopes: list[Scope], *,
               layers: int = 1, combos: bool = True, penalties=DEFAULT_PENALTIES, device="cpu",
               dtype=torch.float64, progress: Callable[[int, int], None] | None = None,
               cancel: Callable[[], bool] | None = None, executor=None) -> dict[str, ScopeScores]:
    """Score every model of the pool (and the raw-descriptor baselines) in every scope.

    With an ``executor`` (e.g. a Dask cluster's), stacks are scored as parallel tasks that
    read their nets from the libraries; results are merged in the same order, so the
    numbers equal an in-process run.
    """
    out = {s.name: ScopeScores() for s in scopes}
    for key in pool.nets:  # the closed-form scratch baselines, one per descriptor
        raw = torch.from_numpy(descriptors[key]).to(device)[None]
        for s in scopes:
            y_s = torch.as_tensor(y[s.rows], dtype=dtype, device=device)
            _record(out[s.name], _scope_tensors(raw, s, dtype), y_s, s, [f"scratch|ridge|{pool.label(key)}"],
                    [None], "raw", key, penalties)
    chunks = [(key, ids) for key, nets in pool.nets.items() for ids in stack_chunks(nets)]
    options = dict(layers=layers, combos=combos, penalties=penalties, device=str(device), dtype=dtype)
    total, done = pool.n_models, 0
    with ExitStack() as stack:
        if executor is None:  # chunks side by side on the cores, one torch thread each
            stack.enter_context(one_torch_thread())
            threads = stack.enter_context(ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)))
            results = threads.map(lambda c: score_chunk(pool.nets[c[0]], c[1], c[0], descriptors[c[0]], y, scopes,
                                                        **options), chunks)
        else:
            results = _remote(executor, pool, chunks, descriptors, y, scopes, options, cancel)
        for (key, ids), scores in zip(chunks, results):
            if cancel is not None and cancel():
                raise CancelledError("screen cancelled")
            for s in scopes:
                out[s.name].extend(scores[s.name])
            done += len(ids)
            if progress:
                progress(done, total)
    return out


def _remote(executor, pool, chunks, descriptors, y, scopes, options, cancel):
    library = dict(zip(pool.catalog["id"], pool.catalog["library"]))
    futures = [executor.submit(score_chunk_remote, {i: library[i] for i in ids}, ids, key, descriptors[key], y,
                               scopes, options) for key, ids in chunks]
    try:
        for fut in futures:
            yield fut.result()
    except Exception as exc:
        from core.compute.dask_backend import ComputeError, is_cluster_failure

        for fut in futures:
            fut.cancel()
        if is_cluster_failure(exc):
            raise ComputeError(f"the cluster failed a stage-1 task ({type(exc).__name__}: {exc}); the screen "
                               f"stopped and nothing was saved") from None
        raise
