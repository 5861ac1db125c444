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

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from core.errors import CancelledError
from core.transfer.candidates import CandidatePool
from core.transfer.frozen import frozen_features_batched
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

    def mean_mae(self) -> np.ndarray:
        return np.array([f.mean() for f in self.fold_mae])


KIND_SUFFIX = {"frozen": "ridge", "frozen+raw": "ridge+raw"}


def _scope_tensors(Z: torch.Tensor, scope: Scope, dtype) -> torch.Tensor:
    rows = torch.as_tensor(scope.rows, device=Z.device)
    return centred_gram(standardise(Z.index_select(1, rows).to(dtype)))


def _unit_trace(K: torch.Tensor) -> torch.Tensor:
    tr = torch.diagonal(K, dim1=1, dim2=2).sum(dim=1)
    return K / torch.where(tr > 0, tr, torch.ones_like(tr))[:, None, None]


def _record(scores: ScopeScores, K: torch.Tensor, y: torch.Tensor, scope: Scope, ids, models, kind, desc,
            penalties) -> None:
    result = cv_ridge(K, y, scope.splits, penalties)
    errors = fold_errors(result.oof, y, scope.splits)  # (M, L, F)
    best = errors.mean(dim=2).argmin(dim=1)  # (M,)
    rows = torch.arange(K.shape[0], device=K.device)
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


def run_stage1(pool: CandidatePool, descriptors: dict[str, np.ndarray], y: np.ndarray, scopes: list[Scope], *,
               layers: int = 1, combos: bool = True, penalties=DEFAULT_PENALTIES, device="cpu",
               dtype=torch.float64, progress: Callable[[int, int], None] | None = None,
               cancel: Callable[[], bool] | None = None) -> dict[str, ScopeScores]:
    """Score every model of the pool (and the raw-descriptor baselines) in every scope."""
    out = {s.name: ScopeScores() for s in scopes}
    y_t = {s.name: torch.as_tensor(y[s.rows], dtype=dtype, device=device) for s in scopes}
    total, done = pool.n_models, 0
    for key, nets in pool.nets.items():
        X = descriptors[key]
        raw = torch.from_numpy(X).to(device)[None]
        raw_K = {s.name: _scope_tensors(raw, s, dtype) for s in scopes}
        for s in scopes:
            _record(out[s.name], raw_K[s.name], y_t[s.name], s, [f"scratch|ridge|{pool.label(key)}"], [None], "raw",
                    key, penalties)
        for ids, Z in frozen_features_batched(nets, X, layers=layers, device=device):
            if cancel is not None and cancel():
                raise CancelledError("screen cancelled")
            for s in scopes:
                K = _scope_tensors(Z, s, dtype)
                _record(out[s.name], K, y_t[s.name], s, [f"{i}|ridge" for i in ids], ids, "frozen", key, penalties)
                if combos:
                    Kc = _unit_trace(K) + _unit_trace(raw_K[s.name])
                    _record(out[s.name], Kc, y_t[s.name], s, [f"{i}|ridge+raw" for i in ids], ids, "frozen+raw",
                            key, penalties)
            done += len(ids)
            if progress:
                progress(done, total)
    return out
