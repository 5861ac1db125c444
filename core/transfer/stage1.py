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
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from core.compute.memory import release_free_memory
from core.compute.threads import one_torch_thread
from core.errors import CancelledError
from core.transfer.candidate import Candidate, Family
from core.transfer.candidates import CandidatePool
from core.transfer.frozen import frozen_features, shapes_of, stack_chunks
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
    oof: list[np.ndarray | None] = field(default_factory=list)  # (R, n_scope) at the chosen penalty, or None

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
                 keep_raw_gram: bool = True, keep_oof: bool = True):
        device = raw.device
        self.keep_raw_gram = keep_raw_gram
        self.keep_oof = keep_oof
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
            out.oof.extend(oof[idx, best].cpu().numpy() if self.keep_oof else [None] * len(candidates))

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
                device="cpu", dtype=torch.float64, family: Family = Family.TRANSFER,
                oof_scopes: tuple[str, ...] | None = None) -> dict[str, ScopeScores]:
    """Stage-1 scores of one stack of nets (one descriptor) in every scope (call it with
    :func:`~core.compute.threads.one_torch_thread` for results that do not depend on where it runs);
    out-of-fold predictions are kept in the scopes named in ``oof_scopes`` (default: all)."""
    out = {s.name: ScopeScores() for s in scopes}
    raw = _raw_tensor(X, device, dtype)
    raw_sums = RowSums({"raw": raw})
    folds = sum(len(s.splits) for s in scopes)
    keep = folds * raw.shape[2] ** 2 * raw.element_size() <= RAW_GRAM_BYTES
    data = [_ScopeData(s, raw, y, penalties, dtype, raw_sums, keep, _keeps(oof_scopes, s)) for s in scopes]
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
              candidate: Candidate | None = None, oof_scopes: tuple[str, ...] | None = None) -> dict[str, ScopeScores]:
    """Ridge on a descriptor as it is in every scope: the closed-form scratch baseline, or
    (``candidate``) a pretrained representation, whose descriptor is its frozen feature."""
    out = {s.name: ScopeScores() for s in scopes}
    raw = _raw_tensor(X, device, dtype)
    raw_sums = RowSums({"raw": raw})
    candidate = candidate or Candidate(Family.SCRATCH, "ridge", key, label)
    for s in scopes:
        _ScopeData(s, raw, y, penalties, dtype, raw_sums, keep_oof=_keeps(oof_scopes, s)).record(
            out[s.name], [([candidate], RAW)])
    return out


def _keeps(oof_scopes: tuple[str, ...] | None, scope: Scope) -> bool:
    return oof_scopes is None or scope.name in oof_scopes


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
        """Candidates' models (1 for a descriptor) times scopes."""
        return max(1, len(self.ids)) * len(self.scopes)

    def cost(self, widths: list[int], penalties: int) -> float:
        """Rough flops of the task: :func:`ridge_cost` of each candidate kind (feature
        ``widths``) on each fold of each scope, times the models."""
        folds = [len(train) for s in self.scopes for train, _ in s.splits]
        return max(1, len(self.ids)) * sum(ridge_cost(w, n, penalties) for w in widths for n in folds)


#: Seconds between two returns of freed memory to the system during stage 1.  After every stack
#: of a big library (seconds each) it kept a 100,000-model screen at 2.8 GB; after each of the
#: hundred small tasks of a starter-library screen the calls waited on the allocator's locks
#: while the other thread worked (0.2 of 2 s), so small tasks share one.
RELEASE_EVERY_S = 1.0

#: Matrix size at which batched linear algebra runs at half its large-matrix speed, for
#: :func:`ridge_cost` (measured on this project's 2-core machine: Cholesky factorisations of
#: 80 x 80 matrices in batches at 6.5 GFLOP/s, of one 3,072 x 3,072 matrix at 26 GFLOP/s).
HALF_SPEED_SIZE = 250


def ridge_cost(width: int, n_train: int, penalties: int) -> float:
    """Rough cost of one candidate's ridge on one fold, in flops at full speed: the product of
    its features (Z Z^T, ``n^2 w``, in the kernel form; Z^T Z, ``n w^2``, in the feature form,
    halved: the row sums form each fold's from the rows it leaves out) and one Cholesky
    factorisation of the r x r system per penalty (r = min(w, n)), slowed by
    ``(r + HALF_SPEED_SIZE) / r`` (small matrices run far below the machine's peak).

    Fitted on the timed stage-1 tasks of 1,000 and 4,000 band-gap rows (starter library):
    summed over the tasks, the absolute differences between each task's share of this cost
    and its share of the time were 0.14 and 0.13 (0 is exact, 2 is as wrong as can be).
    """
    r = max(1, min(width, n_train))
    product = n_train * n_train * width if width > n_train else n_train * width * width / 2
    return (product + penalties * r**3 / 3) * (r + HALF_SPEED_SIZE) / r


def progress_units(tasks: list[_Task], costs: list[float]) -> list[int]:
    """Units of progress per task: the tasks' candidates-times-scopes in all, shared out by
    cost, so that the fraction done is the fraction of the work done (a wide representation
    on thousands of rows costs as much as hundreds of nets) while the total still reads as
    candidates times scopes.  Every task gets at least one unit; the sum is exact."""
    total, whole = sum(t.size for t in tasks), sum(costs) or 1.0
    units, before, running = [], 0, 0.0
    for k, cost in enumerate(costs):
        running += cost
        mark = min(total - (len(costs) - 1 - k), max(before + 1, round(total * running / whole)))
        units.append(mark - before)
        before = mark
    return units


def run_stage1(pool: CandidatePool, descriptors: dict[str, np.ndarray], y: np.ndarray, scopes: list[Scope], *,
               layers: int = 1, combos: bool = True, penalties=DEFAULT_PENALTIES, device="cpu",
               dtype=torch.float64, controls: dict[str, dict] | None = None, control_seed: int = 0,
               control_scopes: tuple[str, ...] = ("full",), oof_scopes: tuple[str, ...] | None = None,
               progress: Callable[[int, int], None] | None = None,
               cancel: Callable[[], bool] | None = None, executor=None) -> dict[str, ScopeScores]:
    """Score every model of the pool (and the raw-descriptor baselines) in every scope.

    Parameters
    ----------
    controls : dict, optional
        Random twins of the pool's nets by descriptor (:func:`core.transfer.controls.random_twins`),
        scored in the scopes named in ``control_scopes`` only.
    oof_scopes : tuple of str, optional
        Scopes whose out-of-fold predictions are kept (default: all; elsewhere ``oof`` holds
        None).  The nested scopes need only the scores: 100,000 models' predictions in five
        of them would be most of a screen's memory.
    executor : optional
        E.g. a Dask cluster's: stacks are scored as parallel tasks that read their nets
        from the libraries; results are merged in the same order, so the numbers equal an
        in-process run.
    """
    out = {s.name: ScopeScores() for s in scopes}
    options = dict(layers=layers, combos=combos, penalties=penalties, device=str(device), dtype=dtype,
                   oof_scopes=oof_scopes)
    control_set = [s for s in scopes if s.name in control_scopes]
    closed = [t for t in _closed_form_tasks(pool, scopes, control_set) if t.scopes]
    tasks = [_Task(key, ids, Family.TRANSFER, scopes) for key, nets in pool.nets.items() for ids in stack_chunks(nets)]
    if controls and control_set:
        tasks += [_Task(key, ids, Family.RANDOM, control_set) for key, nets in controls.items()
                  for ids in stack_chunks(nets)]
    shapes: dict = {}  # per store, read once
    units = progress_units(closed + tasks, [_cost(t, pool, descriptors, options, shapes) for t in closed + tasks])
    total, done = sum(units), 0
    if progress:
        progress(0, total)  # the stage starts now (its clock and time left count from here)
    everything = closed + tasks
    with ExitStack() as stack:
        stack.enter_context(one_torch_thread())  # the same numbers wherever a task runs
        if executor is None:  # everything side by side on the cores, counted as each task ends
            threads = stack.enter_context(ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)))
            running = [threads.submit(_score_task, t, pool, controls, descriptors, y, options) for t in everything]
            stack.callback(lambda: [f.cancel() for f in running])
            index = {f: k for k, f in enumerate(running)}
            finished = ((index[f], f.result()) for f in as_completed(running))
        else:  # the nets on the cluster (sent first), the descriptors' ridges here meanwhile
            futures = _submit(executor, pool, tasks, descriptors, y, options, control_seed)
            stack.callback(lambda: [f.cancel() for f in futures if not f.done()])
            local = (_score_task(t, pool, controls, descriptors, y, options) for t in closed)
            remote = (({}, r) for r in _collect(futures))
            finished = enumerate(r for part in (local, remote) for r in part)
        results: list = [None] * len(everything)
        released = time.perf_counter()
        for k, result in finished:
            if cancel is not None and cancel():
                raise CancelledError("screen cancelled")
            results[k] = result
            done += units[k]
            if time.perf_counter() - released >= RELEASE_EVERY_S:  # keep the peak of a big library down
                release_free_memory()
                released = time.perf_counter()
            if progress:
                progress(done, total)
    release_free_memory()  # what the last tasks freed
    unreadable: dict[str, str] = {}
    for task, (bad, scores) in zip(everything, results):  # merged in task order: the same wherever they ran
        unreadable.update(bad)
        for s in task.scopes:
            out[s.name].extend(scores[s.name])
    if unreadable:
        _forget(pool, controls, unreadable)
    return out


def _closed_form_tasks(pool: CandidatePool, scopes, control_set) -> list[_Task]:
    """The ridges that need no net: the scratch baseline on every raw descriptor and every
    pretrained representation (its control in ``control_set`` only), one task per scope: a
    3,072-wide representation on thousands of rows is a third of stage 1, and in pieces it
    shares the cores with the nets and its progress shows as it goes."""
    tasks = [_Task(key, [], Family.SCRATCH, [s]) for key in pool.raw_keys for s in scopes]
    for key, rep in pool.representations.items():  # pretrained representations: ridge on their features
        family = Family.RANDOM if rep.role == "control" else Family.TRANSFER
        candidate = Candidate(family, "ridge", key, pool.label(key), rep.id, "representation")
        tasks.extend(_Task(key, [], family, [s], candidate) for s in (control_set if family is Family.RANDOM
                                                                       else scopes))
    return tasks


def _cost(t: _Task, pool: CandidatePool, descriptors, options, shapes: dict) -> float:
    """:meth:`_Task.cost` with the widths of the task's candidates: a descriptor's ridge on
    its own columns, a net's frozen features alone and beside the raw descriptor (``shapes``
    caches each store's net shapes)."""
    raw = int(descriptors[t.key].shape[1])
    if not t.ids:
        return t.cost([raw], len(options["penalties"]))
    if t.key not in shapes:  # a twin has its net's shape
        shapes[t.key] = shapes_of(pool.nets[t.key])
    frozen = int(np.mean([sum(shapes[t.key][i].hidden[-options["layers"]:]) for i in t.ids]))
    return t.cost([frozen, frozen + raw] if options["combos"] else [frozen], len(options["penalties"]))


def _score_task(t: _Task, pool: CandidatePool, controls, descriptors, y, options) -> tuple[dict, dict]:
    """Scores of one stack of nets (or one descriptor's ridge) in this process, and the nets
    whose weights could not be read."""
    if not t.ids:
        raw_options = {k: v for k, v in options.items() if k in ("penalties", "device", "dtype", "oof_scopes")}
        return {}, score_raw(t.key, pool.label(t.key), descriptors[t.key], y, t.scopes, candidate=t.candidate,
                             **raw_options)
    store = (controls or {}).get(t.key) if t.family is Family.RANDOM else pool.nets[t.key]
    # the stack's weights, read once and held for the task (a big library's store keeps only some)
    nets, bad = store.take(t.ids) if hasattr(store, "take") else (store, {})
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
