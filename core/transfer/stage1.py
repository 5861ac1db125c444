"""Stage 1: every candidate model scored by cross-validated ridge, exactly and batched.

For each descriptor the target is featurized once; nets are stacked by depth and run
together; their frozen features are scored fold by fold by
:func:`core.transfer.ridge.fold_ridge`, which computes exactly what refitting
:class:`core.transfer.refit.LinearFeatureRidge` on each training fold would predict.
Three kinds of candidate come out of one pass:

``ridge``       ridge on a model's frozen features
``ridge+raw``   ridge on frozen features together with the raw descriptor (each block
                scaled to unit trace, so the 2048 raw bits do not drown the net's units)
scratch ridge   ridge on the raw descriptor alone: the closed-form scratch baseline

Random-weight twins of the nets (:mod:`core.transfer.controls`) go through the same
pass as a control.  A *scope* is a subset of the rows with its own CV splits: the full
data, or the training part of an outer fold of the nested estimate.  All scopes are
scored from the same forward passes.
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
from core.transfer.candidate import Candidate, Family
from core.transfer.candidates import CandidatePool
from core.transfer.frozen import frozen_features, stack_chunks
from core.transfer.ridge import DEFAULT_PENALTIES, RowSums, ScaledFold, fold_ridge, scale_fold
from core.transfer.scoring import repetitions

#: Work arrays of one batch of models stay under this many bytes (keeps memory bounded
#: for thousands of rows, and caches warm for a few dozen).
BATCH_BYTES = 48 << 20
#: The raw descriptor's Gram matrix of every fold is kept for the next batches of nets when
#: all of them take at most this many bytes (else formed again for each batch).
RAW_GRAM_BYTES = 256 << 20


@dataclass
class Scope:
    """Rows (indices into the target) and CV splits relative to those rows."""

    name: str
    rows: np.ndarray
    splits: list[tuple[np.ndarray, np.ndarray]]


@dataclass
class ScopeScores:
    """Stage-1 results of one scope, one entry per candidate."""

    candidates: list[Candidate] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)  # relative penalty chosen
    fold_mae: list[np.ndarray] = field(default_factory=list)
    oof: list[np.ndarray] = field(default_factory=list)  # (R, n_scope) at the chosen penalty

    def extend(self, other: "ScopeScores") -> None:
        """Append another chunk's scores."""
        for name in ("candidates", "penalty", "fold_mae", "oof"):
            getattr(self, name).extend(getattr(other, name))

    def mean_mae(self) -> np.ndarray:
        return np.array([f.mean() for f in self.fold_mae])


@dataclass
class _Fold:
    rep: int
    train: torch.Tensor
    test: torch.Tensor
    rows: np.ndarray  # the training rows among all of the target's
    raw: ScaledFold | None = None  # the raw descriptor scaled on this fold (shared by every model)
    raw_gram: torch.Tensor | None = None  # its Z^T Z, formed when a feature-form fit first needs it


def _folds(splits, rows: np.ndarray, device) -> list[_Fold]:
    out, rep, seen = [], 0, np.zeros(len(rows), dtype=bool)
    for train, test in splits:
        if seen[test].any():
            rep, seen = rep + 1, np.zeros(len(rows), dtype=bool)
        seen[test] = True
        out.append(_Fold(rep, torch.as_tensor(np.asarray(train), device=device),
                         torch.as_tensor(np.asarray(test), device=device), rows[np.asarray(train)]))
    return out


#: The feature blocks of each kind of candidate: the net's frozen features ``z`` and the raw descriptor.
FROZEN, FROZEN_RAW, RAW = ("z",), ("z", "raw"), ("raw",)


class _ScopeData:
    """A scope's targets, folds and scaled raw descriptor, prepared once per descriptor.

    ``raw_sums`` are the raw descriptor's row sums over all of the target's rows (shared by
    the scopes), from which each fold's raw Gram matrix comes when a feature-form fit needs it.
    """

    def __init__(self, scope: Scope, raw: torch.Tensor, y: np.ndarray, penalties, dtype, raw_sums: RowSums,
                 keep_raw_gram: bool = True):
        device = raw.device
        self.keep_raw_gram = keep_raw_gram
        self.scope = scope
        self.n = len(scope.rows)
        self.y = torch.as_tensor(y[scope.rows], dtype=dtype, device=device)
        self.rel = torch.as_tensor(penalties, dtype=dtype, device=device)
        self.folds = _folds(scope.splits, np.asarray(scope.rows), device)
        self.reps = len(repetitions(scope.splits, self.n))
        self.raw_sums = raw_sums.subset(scope.rows)
        raw_s = raw.index_select(1, torch.as_tensor(scope.rows, device=device))
        for f in self.folds:
            f.raw = scale_fold(raw_s, f.train, f.test)

    def record(self, out: ScopeScores, kinds: list[tuple[list[Candidate], tuple[str, ...]]],
               Z: torch.Tensor | None = None, z_sums: RowSums | None = None) -> None:
        """Score each kind of candidate: ``(candidates, block names)`` (see :data:`FROZEN_RAW`);
        ``Z`` (M, n_scope, W) is scaled once per fold, ``z_sums`` holds its row sums (and the
        raw descriptor's) over all of the target's rows."""
        L = len(self.rel)
        oofs = [torch.full((len(c), L, self.reps, self.n), float("nan"), dtype=self.y.dtype, device=self.y.device)
                for c, _ in kinds]
        scope_sums = z_sums.subset(self.scope.rows) if z_sums is not None else None
        for f in self.folds:
            scaled = {"raw": f.raw, "z": scale_fold(Z, f.train, f.test) if Z is not None else None}
            cross = self._cross(f, scaled, scope_sums.subset(f.rows) if scope_sums is not None else None)
            for (candidates, names), oof in zip(kinds, oofs):
                pred = fold_ridge([scaled[k] for k in names], self.y[f.train], self.rel,
                                  lambda i, j, names=names: cross(names[i], names[j]))
                oof[:, :, f.rep, f.test] = pred.expand(len(candidates), -1, -1)
        for (candidates, _), oof in zip(kinds, oofs):
            errors = torch.stack([(oof[:, :, f.rep, f.test] - self.y[f.test]).abs().mean(dim=-1)
                                  for f in self.folds], dim=-1)  # (M, L, F)
            best = errors.mean(dim=2).argmin(dim=1)
            idx = torch.arange(len(candidates), device=oof.device)
            out.candidates.extend(candidates)
            out.penalty.extend(float(self.rel[b]) for b in best.tolist())
            out.fold_mae.extend(errors[idx, best].cpu().numpy())
            out.oof.extend(oof[idx, best].cpu().numpy())

    def _cross(self, f: _Fold, scaled: dict[str, ScaledFold], fold_sums: RowSums | None):
        """``cross(a, b)``: Z_a^T Z_b of the fold's scaled training blocks by name, each formed
        once whichever kinds of candidate read it."""
        done: dict[tuple[str, str], torch.Tensor] = {}

        def cross(a: str, b: str) -> torch.Tensor:
            if (a, b) == ("raw", "raw"):
                gram = f.raw_gram
                if gram is None:
                    gram = self.raw_sums.subset(f.rows).scaled("raw", "raw", f.raw, f.raw)
                    if self.keep_raw_gram:  # for the next batches of nets (when small enough to keep)
                        f.raw_gram = gram
                return gram
            if (a, b) not in done:
                done[a, b] = (fold_sums.scaled(a, b, scaled[a], scaled[b]) if fold_sums is not None
                              else scaled[a].train.transpose(1, 2) @ scaled[b].train)
            return done[a, b]

        return cross


def _batches(ids: list[str], nets: dict, n: int, layers: int) -> list[list[str]]:
    """Split a stack into batches whose feature arrays fit :data:`BATCH_BYTES`."""
    width = max(sum(w.shape[1] for w in nets[i].weights[-layers:]) for i in ids)
    size = max(1, int(BATCH_BYTES // max(1, 8 * 4 * n * width)))
    return [ids[lo : lo + size] for lo in range(0, len(ids), size)]


def _raw_tensor(X: np.ndarray, device, dtype) -> torch.Tensor:
    return torch.from_numpy(np.asarray(X, dtype=np.float64)).to(device=device, dtype=dtype)[None]


def score_chunk(nets: dict, ids: list[str], key: str, label: str, X: np.ndarray, y: np.ndarray,
                scopes: list[Scope], *, layers: int = 1, combos: bool = True, penalties=DEFAULT_PENALTIES,
                device="cpu", dtype=torch.float64, family: Family = Family.TRANSFER) -> dict[str, ScopeScores]:
    """Stage-1 scores of one stack of nets (one descriptor) in every scope (call it with
    :func:`~core.compute.threads.one_torch_thread` for results that do not depend on where it runs)."""
    out = {s.name: ScopeScores() for s in scopes}
    raw = _raw_tensor(X, device, dtype)
    raw_sums = RowSums({"raw": raw})
    folds = sum(len(s.splits) for s in scopes)
    keep = folds * raw.shape[2] ** 2 * raw.element_size() <= RAW_GRAM_BYTES
    data = [_ScopeData(s, raw, y, penalties, dtype, raw_sums, keep) for s in scopes]
    for batch in _batches(ids, nets, len(y), layers):
        Z = frozen_features(nets, batch, X, layers=layers, device=device).to(dtype)
        z_sums = raw_sums.adding("z", Z)
        for d in data:
            Zs = Z.index_select(1, torch.as_tensor(d.scope.rows, device=Z.device))
            kinds = [([Candidate(family, "ridge", key, label, i) for i in batch], FROZEN)]
            if combos:
                kinds.append(([Candidate(family, "ridge+raw", key, label, i) for i in batch], FROZEN_RAW))
            d.record(out[d.scope.name], kinds, Zs, z_sums)
    return out


def score_raw(key: str, label: str, X: np.ndarray, y: np.ndarray, scopes: list[Scope], *,
              penalties=DEFAULT_PENALTIES, device="cpu", dtype=torch.float64,
              candidate: Candidate | None = None) -> dict[str, ScopeScores]:
    """Ridge on a descriptor as it is in every scope: the closed-form scratch baseline, or
    (``candidate``) a pretrained representation, whose descriptor is its frozen feature."""
    out = {s.name: ScopeScores() for s in scopes}
    raw = _raw_tensor(X, device, dtype)
    raw_sums = RowSums({"raw": raw})
    candidate = candidate or Candidate(Family.SCRATCH, "ridge", key, label)
    for s in scopes:
        _ScopeData(s, raw, y, penalties, dtype, raw_sums).record(out[s.name], [([candidate], RAW)])
    return out


def score_chunk_remote(paths: dict[str, str], ids: list[str], key: str, label: str, X: np.ndarray, y: np.ndarray,
                       scopes: list[Scope], options: dict, control_seed: int | None = None) -> dict[str, ScopeScores]:
    """:func:`score_chunk` on a worker: the nets are read from the libraries at ``paths``
    (and turned into their random twins when ``control_seed`` is given)."""
    from core.library import Library
    from core.transfer.controls import random_twins

    nets = {}
    for path in sorted(set(paths.values())):
        with Library(path) as lib:
            loaded, errors = lib.load_many([i for i in ids if paths[i] == path])
        if errors:
            raise RuntimeError("; ".join(errors.values()))
        nets.update(loaded)
    family = Family.TRANSFER
    if control_seed is not None:
        nets, family = random_twins(nets, control_seed), Family.RANDOM
    with one_torch_thread():
        return score_chunk(nets, ids, key, label, X, y, scopes, family=family, **options)


@dataclass
class _Task:
    """One stack of nets in some scopes, or (``ids`` empty) the ridge on one descriptor as it
    is: a closed-form scratch baseline, or a pretrained representation (``candidate``)."""

    key: str
    ids: list[str]
    family: Family
    scopes: list[Scope]
    candidate: Candidate | None = None

    @property
    def size(self) -> int:
        """Units of progress: models (1 for a descriptor) times scopes."""
        return max(1, len(self.ids)) * len(self.scopes)


def run_stage1(pool: CandidatePool, descriptors: dict[str, np.ndarray], y: np.ndarray, scopes: list[Scope], *,
               layers: int = 1, combos: bool = True, penalties=DEFAULT_PENALTIES, device="cpu",
               dtype=torch.float64, controls: dict[str, dict] | None = None, control_seed: int = 0,
               control_scopes: tuple[str, ...] = ("full",), progress: Callable[[int, int], None] | None = None,
               cancel: Callable[[], bool] | None = None, executor=None) -> dict[str, ScopeScores]:
    """Score every model of the pool (and the raw-descriptor baselines) in every scope.

    Parameters
    ----------
    controls : dict, optional
        Random twins of the pool's nets by descriptor (:func:`core.transfer.controls.random_twins`),
        scored in the scopes named in ``control_scopes`` only.
    executor : optional
        E.g. a Dask cluster's: stacks are scored as parallel tasks that read their nets
        from the libraries; results are merged in the same order, so the numbers equal an
        in-process run.
    """
    out = {s.name: ScopeScores() for s in scopes}
    options = dict(layers=layers, combos=combos, penalties=penalties, device=str(device), dtype=dtype)
    control_set = [s for s in scopes if s.name in control_scopes]
    closed = _closed_form_tasks(pool, scopes, control_set)
    tasks = [_Task(key, ids, Family.TRANSFER, scopes) for key, nets in pool.nets.items() for ids in stack_chunks(nets)]
    if controls:
        tasks += [_Task(key, ids, Family.RANDOM, control_set) for key, nets in controls.items()
                  for ids in stack_chunks(nets)]
    total, done = sum(t.size for t in closed + tasks), 0
    if progress:
        progress(0, total)  # the stage starts now (its clock and time left count from here)
    with ExitStack() as stack:
        stack.enter_context(one_torch_thread())  # the same numbers wherever a task runs
        if executor is None:  # everything side by side on the cores
            threads = stack.enter_context(ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)))
            results = threads.map(lambda t: _score_task(t, pool, controls, descriptors, y, options), closed + tasks)
        else:  # the nets on the cluster (sent first), the descriptors' ridges here meanwhile
            futures = _submit(executor, pool, tasks, descriptors, y, options, control_seed)
            stack.callback(lambda: [f.cancel() for f in futures if not f.done()])
            local = (_score_task(t, pool, controls, descriptors, y, options) for t in closed)
            remote = (({}, r) for r in _collect(futures))
            results = (r for part in (local, remote) for r in part)
        unreadable: dict[str, str] = {}
        for task, (bad, scores) in zip(closed + tasks, results):
            if cancel is not None and cancel():
                raise CancelledError("screen cancelled")
            unreadable.update(bad)
            for s in task.scopes:
                out[s.name].extend(scores[s.name])
            done += task.size
            if progress:
                progress(done, total)
    if unreadable:
        _forget(pool, controls, unreadable)
    return out


def _closed_form_tasks(pool: CandidatePool, scopes, control_set) -> list[_Task]:
    """The ridges that need no net: the scratch baseline on every raw descriptor and every
    pretrained representation (its control in ``control_set`` only)."""
    tasks = [_Task(key, [], Family.SCRATCH, scopes) for key in pool.raw_keys]
    for key, rep in pool.representations.items():  # pretrained representations: ridge on their features
        family = Family.RANDOM if rep.role == "control" else Family.TRANSFER
        tasks.append(_Task(key, [], family, control_set if family is Family.RANDOM else scopes,
                           Candidate(family, "ridge", key, pool.label(key), rep.id, "representation")))
    return tasks


def _score_task(t: _Task, pool: CandidatePool, controls, descriptors, y, options) -> tuple[dict, dict]:
    """Scores of one stack of nets (or one descriptor's ridge) in this process, and the nets
    whose weights could not be read."""
    if not t.ids:
        raw_options = {k: v for k, v in options.items() if k in ("penalties", "device", "dtype")}
        return {}, score_raw(t.key, pool.label(t.key), descriptors[t.key], y, t.scopes, candidate=t.candidate,
                             **raw_options)
    nets = (controls or {}).get(t.key) if t.family is Family.RANDOM else pool.nets[t.key]
    bad = nets.check(t.ids) if hasattr(nets, "check") else {}  # reads the stack's weights
    ids = [i for i in t.ids if i not in bad]
    if not ids:
        return bad, {s.name: ScopeScores() for s in t.scopes}
    return bad, score_chunk(nets, ids, t.key, pool.label(t.key), descriptors[t.key], y, t.scopes,
                            family=t.family, **options)


def _forget(pool: CandidatePool, controls, unreadable: dict[str, str]) -> None:
    """Drop nets whose weights could not be read from the pool (with the reason in ``pool.skipped``)."""
    pool.skipped.update(unreadable)
    for store in list(pool.nets.values()) + list((controls or {}).values()):
        if hasattr(store, "without"):
            store.without(unreadable)
    pool.catalog = pool.catalog[~pool.catalog["id"].isin(list(unreadable))].reset_index(drop=True)


def _submit(executor, pool, tasks, descriptors, y, options, control_seed) -> list:
    library = dict(zip(pool.catalog["id"], pool.catalog["library"]))
    return [executor.submit(score_chunk_remote, {i: library[i] for i in t.ids}, t.ids, t.key, pool.label(t.key),
                            descriptors[t.key], y, t.scopes, options,
                            control_seed if t.family is Family.RANDOM else None) for t in tasks]


def _collect(futures):
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
