"""Cross-validated ridge regression for thousands of models at once, fold by fold, exactly.

Every stage-1 candidate is the estimator :class:`core.transfer.refit.LinearFeatureRidge`
that ``predict`` refits: on each training fold, each block of features (frozen features,
raw descriptor) is standardised on the training rows (constant columns to zero, see
:mod:`core.transfer.scaling`), the test rows are standardised with those statistics and
clipped to the widened training range, blocks are weighted to unit total variance when
there are several, and ridge with an unpenalised intercept is fitted with a penalty
relative to the training rows' mean eigenvalue.  This module computes those out-of-fold
predictions for a batch of models, every penalty and every fold with batched tensor
operations (no Python loop over models), and picks the cheaper of two exact forms per
fold:

``kernel``   n_train < width: the n_train x n_train Gram matrix (dual ridge); blocks
             combine by adding their Gram matrices.
``feature``  width <= n_train: the width x width matrix Z^T Z (primal ridge), O(n W^2)
             per fold: cost grows linearly with the rows.  The products come from
             :class:`RowSums`: sums over all rows, minus the rows a scope or fold leaves
             out, then centred and scaled algebraically, so the 5 folds of a scope cost
             about 2 passes over its rows instead of 4, and the nested scopes reuse the
             full scope's sums.

Each penalty is one batched Cholesky solve; a block every model shares (the raw
descriptor) enters its products once, not once per model, and each product of two
blocks is formed once per fold, whichever candidates read it.

Both equal scikit-learn's ``Ridge(alpha, fit_intercept=True)`` fitted on the training
fold's scaled features (tests check both forms, on both sides of the switch, to 1e-6 in
float64).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from core.columns import CONSTANT_RTOL
from core.compute.threads import one_torch_thread
from core.transfer.config import DEFAULT_PENALTIES  # noqa: F401  (re-exported: stage 1 reads it here)
from core.transfer.scaling import CLIP_MARGIN
from core.transfer.scoring import repetitions


def batched_eigh(K: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigendecomposition of many small symmetric matrices.

    On the CPU, LAPACK's threaded path for a batch of small matrices can stall for
    seconds when another process holds a core (measured: 180 s instead of 0.5 s for 500
    matrices of 100 x 100 on a 2-core machine); one thread is fast and predictable.
    """
    if K.device.type != "cpu":
        return torch.linalg.eigh(K)
    with one_torch_thread():
        return torch.linalg.eigh(K)


@dataclass
class ScaledFold:
    """One block of features standardised on a training fold.

    Attributes
    ----------
    train, test : tensor (M, n_train, W), (M, n_test, W)
        Scaled training rows and scaled, clipped test rows (M may be 1 for a block that
        every model shares, such as the raw descriptor).
    sumsq : tensor (M,)
        Sum of squares of the scaled training rows (the trace of their Gram matrix).
    mean, gain : tensor (M, 1, W)
        The training rows' column means and the factors that scale them (0 for a
        constant column): ``train = (X_train - mean) * gain``.
    """

    train: torch.Tensor
    test: torch.Tensor
    sumsq: torch.Tensor
    mean: torch.Tensor
    gain: torch.Tensor


def scale_fold(X: torch.Tensor, train: torch.Tensor, test: torch.Tensor) -> ScaledFold:
    """Standardise ``X`` (M, n, W) on the rows ``train`` the way
    :class:`~core.transfer.scaling.BoundedScaler` does, and apply it to ``test``."""
    Xtr = X.index_select(1, train)
    mean = Xtr.mean(dim=1, keepdim=True)
    centred = Xtr - mean
    std = (centred * centred).mean(dim=1, keepdim=True).sqrt_()
    constant = std <= CONSTANT_RTOL * Xtr.abs().amax(dim=1, keepdim=True)
    gain = torch.where(constant, torch.zeros_like(std), 1.0 / torch.where(constant, torch.ones_like(std), std))
    ztr = centred.mul_(gain)
    zte = (X.index_select(1, test) - mean).mul_(gain)
    lo = ztr.amin(dim=1, keepdim=True).clamp_max_(0.0)
    hi = ztr.amax(dim=1, keepdim=True).clamp_min_(0.0)
    width = CLIP_MARGIN * (hi - lo)
    zte = torch.maximum(torch.minimum(zte, hi + width), lo - width)
    return ScaledFold(ztr, zte, (ztr * ztr).sum(dim=(1, 2)), mean, gain)


#: A fold's product from sums is trusted when, for both blocks, no column's mean square over
#: all rows exceeds this many times its variance on the training rows (the sums' rounding
#: error grows with that ratio); otherwise the product is formed from the scaled rows.
SUMS_RATIO_LIMIT = 1e4


class _Blocks:
    """The blocks of a :class:`RowSums` tree, shifted by their means over all rows (formed
    when first needed) with each column's sum of squares after the shift."""

    def __init__(self, blocks: dict[str, torch.Tensor]):
        self.raw = dict(blocks)
        self._shifted: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}

    def get(self, name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(shift (M, 1, W), shifted block (M, n, W), sum of squares (M, 1, W))."""
        if name not in self._shifted:
            X = self.raw[name]
            shift = X.mean(dim=1, keepdim=True)
            shifted = X - shift
            self._shifted[name] = (shift, shifted, (shifted * shifted).sum(dim=1, keepdim=True))
        return self._shifted[name]

    def adding(self, name: str, X: torch.Tensor) -> "_Blocks":
        out = _Blocks({**self.raw, name: X})
        out._shifted = {k: v for k, v in self._shifted.items() if k != name}
        return out


class RowSums:
    """Sums of products ``X_i^T X_j`` of feature blocks over a subset of the rows.

    The blocks are shifted once by their column means over all rows (which keeps the sums
    well conditioned); a subset's sums are its parent's minus the rows it leaves out when
    those are fewer than the rows it keeps.  A fold's training sums thus cost one test
    fold, not four, and an outer fold's scope gets its sums from the full scope's.  Sums
    are formed when first asked for and kept for the subsets below.

    Parameters
    ----------
    blocks : dict of str to tensor (M or 1, n, W)
        The unscaled feature blocks over all rows, by name.
    """

    def __init__(self, blocks: dict[str, torch.Tensor] | _Blocks):
        self._blocks = blocks if isinstance(blocks, _Blocks) else _Blocks(blocks)
        self.rows = np.arange(next(iter(self._blocks.raw.values())).shape[1])
        self.parent: RowSums | None = None
        self._sums: dict[tuple[str, str], torch.Tensor] = {}

    def adding(self, name: str, X: torch.Tensor) -> "RowSums":
        """A new tree over the same rows with block ``name`` added (the other blocks' shifted
        copies are shared, not made again)."""
        return RowSums(self._blocks.adding(name, X))

    def subset(self, rows: np.ndarray) -> "RowSums":
        """The sums over ``rows`` (indices into all rows; rows outside this subset, or
        repeated, are summed directly)."""
        child = object.__new__(RowSums)
        child._blocks, child._sums, child.rows, child.parent = self._blocks, {}, np.asarray(rows), self
        return child

    def _left_out(self) -> np.ndarray | None:
        """The parent's rows this subset leaves out (None: sum its rows directly)."""
        if self.parent is None:
            return None
        if len(np.unique(self.rows)) != len(self.rows) or not np.isin(self.rows, self.parent.rows).all():
            return None  # repeated rows or rows outside the parent: not a subset
        return np.setdiff1d(self.parent.rows, self.rows)

    def sum(self, i: str, j: str) -> torch.Tensor:
        """``(X_i - shift_i)^T (X_j - shift_j)`` over this subset's rows: (M, W_i, W_j)."""
        if (i, j) not in self._sums:
            left_out = self._left_out()
            if left_out is None or len(left_out) >= len(self.rows):
                self._sums[i, j] = self._product(i, j, self.rows)
            elif len(left_out) == 0:
                self._sums[i, j] = self.parent.sum(i, j)
            else:
                self._sums[i, j] = self.parent.sum(i, j) - self._product(i, j, left_out)
        return self._sums[i, j]

    def _product(self, i: str, j: str, rows: np.ndarray) -> torch.Tensor:
        Xi, Xj = self._blocks.get(i)[1], self._blocks.get(j)[1]
        index = torch.as_tensor(rows, device=Xi.device)
        Xi = Xi.index_select(1, index)
        Xj = Xi if i == j else Xj.index_select(1, index)
        return Xi.transpose(1, 2) @ Xj

    def scaled(self, i: str, j: str, bi: ScaledFold, bj: ScaledFold) -> torch.Tensor:
        """``Z_i^T Z_j`` of the blocks as ``bi`` and ``bj`` scaled this subset's rows
        (their training rows): the centring and scaling applied to the sums, or the product
        of the scaled rows where the sums would lose precision (:data:`SUMS_RATIO_LIMIT`)."""
        (shift_i, _, sq_i), (shift_j, _, sq_j) = self._blocks.get(i), self._blocks.get(j)
        n = len(self.rows)
        worst = (sq_i * bi.gain**2).amax(dim=(1, 2)) * (sq_j * bj.gain**2).amax(dim=(1, 2)) / n**2
        if bool((worst > SUMS_RATIO_LIMIT**2).any()):
            return bi.train.transpose(1, 2) @ bj.train
        a = (bi.mean - shift_i).transpose(1, 2)  # (M, W_i, 1)
        b = bj.mean - shift_j  # (M, 1, W_j)
        centred = self.sum(i, j) - n * (a @ b)
        return bi.gain.transpose(1, 2) * centred * bj.gain


#: ``cross(i, j)``: the product ``Z_i^T Z_j`` of a fold's scaled training blocks i <= j.
Cross = Callable[[int, int], torch.Tensor]


def _weights(blocks: Sequence[ScaledFold]) -> list[torch.Tensor]:
    """Per-block weights: 1 for a single block, else each block to unit trace."""
    if len(blocks) == 1:
        return [torch.ones_like(blocks[0].sumsq)]
    return [torch.where(b.sumsq > 0, b.sumsq.clamp_min(1e-300).rsqrt(), torch.zeros_like(b.sumsq)) for b in blocks]


def fold_ridge(blocks: Sequence[ScaledFold], y_train: torch.Tensor, relative: torch.Tensor,
               cross: Cross | None = None) -> torch.Tensor:
    """Ridge predictions (M, L, n_test) of the test rows for every penalty.

    Parameters
    ----------
    blocks : sequence of ScaledFold
        The feature blocks of one fold; their model dimensions broadcast (M or 1).
    y_train : tensor (n_train,)
    relative : tensor (L,)
        Penalties relative to trace(K) / n_train of each model's scaled training features.
    cross : callable, optional
        ``cross(i, j)`` gives ``Z_i^T Z_j`` of the scaled training blocks (e.g. from
        :meth:`RowSums.scaled`); by default the products of ``blocks[i].train``.  Only the
        feature form asks for it.
    """
    weights = _weights(blocks)
    n_train = y_train.shape[0]
    trace = sum(w * w * b.sumsq for w, b in zip(weights, blocks))
    scale = torch.where(trace > 0, trace / n_train, torch.ones_like(trace))
    lam = scale[:, None] * relative[None, :]  # (M, L)
    y_mean = y_train.mean()
    yc = y_train - y_mean
    width = sum(b.train.shape[2] for b in blocks)
    if width <= n_train:
        pred = _feature_form(blocks, weights, yc, lam, cross or _direct_cross(blocks))
    else:
        pred = _kernel_form(blocks, weights, yc, lam)
    return pred + y_mean


def _gram(blocks, weights, left: str, right: str) -> torch.Tensor:
    """Weighted sum over blocks of ``left`` x ``right``^T products (rows x rows): the blocks
    that every model shares (model dimension 1) are multiplied once, not once per model."""
    return sum((w * w)[:, None, None] * (getattr(b, left) @ getattr(b, right).transpose(1, 2))
               for w, b in zip(weights, blocks))


def _solve_each(G: torch.Tensor, rhs: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """``(G + lam_l I)^-1 rhs`` for every penalty: (M, L, r) from G (M, r, r), rhs (M, r).

    One Cholesky factorisation per model and penalty: fewer flops than one
    eigendecomposition serving every penalty, and batched LAPACK does it much faster.
    """
    A = G.clone()  # its diagonal is rewritten for each penalty (no identity matrix, no full-size sums)
    diagonal = A.diagonal(dim1=-2, dim2=-1)
    base = diagonal.clone()
    out = []
    for l in range(lam.shape[1]):
        diagonal.copy_(base + lam[:, l, None])
        chol, info = torch.linalg.cholesky_ex(A)
        if bool((info == 0).all()):
            out.append(torch.cholesky_solve(rhs[..., None], chol)[..., 0])
        else:  # numerically not positive definite (never with lam > 0 in exact arithmetic)
            out.append(torch.linalg.solve(A, rhs[..., None])[..., 0])
    return torch.stack(out, dim=1)


def _kernel_form(blocks, weights, yc, lam) -> torch.Tensor:
    M = max(max(b.train.shape[0] for b in blocks), lam.shape[0])
    K_train = _gram(blocks, weights, "train", "train").expand(M, -1, -1)
    K_test = _gram(blocks, weights, "test", "train").expand(M, -1, -1)
    dual = _solve_each(K_train, yc.expand(M, -1), lam)  # (M, L, n_train)
    return torch.einsum("mti,mli->mlt", K_test, dual)


def _direct_cross(blocks: Sequence[ScaledFold]) -> Cross:
    return lambda i, j: blocks[i].train.transpose(1, 2) @ blocks[j].train


def _feature_form(blocks, weights, yc, lam, cross: Cross) -> torch.Tensor:
    M = max(max(b.train.shape[0] for b in blocks), lam.shape[0])
    k = len(blocks)  # Z^T Z by blocks, each product once (a block every model shares: once for all)
    upper = {(i, j): (weights[i] * weights[j])[:, None, None] * cross(i, j) for i in range(k) for j in range(i, k)}
    G = torch.cat([torch.cat([(upper[i, j] if j >= i else upper[j, i].transpose(1, 2)).expand(M, -1, -1)
                              for j in range(k)], dim=2) for i in range(k)], dim=1)  # (M, W, W)
    rhs = torch.cat([(w[:, None] * torch.einsum("miw,i->mw", b.train, yc)).expand(M, -1)
                     for w, b in zip(weights, blocks)], dim=1)  # Z^T yc
    coef = _solve_each(G, rhs, lam)  # (M, L, W)
    Z_test = torch.cat([(w[:, None, None] * b.test).expand(M, -1, -1) for w, b in zip(weights, blocks)], dim=2)
    return torch.einsum("mtw,mlw->mlt", Z_test, coef)


def cv_ridge(blocks: Sequence[torch.Tensor], y: torch.Tensor, splits: Sequence[tuple[np.ndarray, np.ndarray]],
             relative: Sequence[float] = DEFAULT_PENALTIES) -> torch.Tensor:
    """Out-of-fold ridge predictions (M, L, R, n) for every model, penalty and repetition.

    Parameters
    ----------
    blocks : sequence of tensor (M or 1, n, W_b)
        Feature blocks (float64), e.g. ``[frozen]``, ``[frozen, raw]`` or ``[raw]``.
    y : tensor (n,)
    splits : list of (train, test) index arrays
        Folds of one repetition must not overlap.
    relative : sequence of float

    Rows that no test fold of a repetition covers (extrapolation) are NaN.
    """
    dtype, device = blocks[0].dtype, blocks[0].device
    n = blocks[0].shape[1]
    M = max(b.shape[0] for b in blocks)
    y = y.to(dtype=dtype, device=device)
    rel = torch.as_tensor(relative, dtype=dtype, device=device)
    reps = repetitions(splits, n)
    oof = torch.full((M, len(rel), len(reps), n), float("nan"), dtype=dtype, device=device)
    sums = RowSums({str(b): X for b, X in enumerate(blocks)})
    r, seen = 0, np.zeros(n, dtype=bool)
    for train, test in splits:
        if seen[test].any():
            r, seen = r + 1, np.zeros(n, dtype=bool)
        seen[test] = True
        tr = torch.as_tensor(np.asarray(train), device=device)
        te = torch.as_tensor(np.asarray(test), device=device)
        scaled = [scale_fold(b, tr, te) for b in blocks]
        fold = sums.subset(np.asarray(train))
        pred = fold_ridge(scaled, y[tr], rel, lambda i, j: fold.scaled(str(i), str(j), scaled[i], scaled[j]))
        oof[:, :, r, te] = pred.expand(M, -1, -1)
    return oof


def fold_errors(oof: torch.Tensor, y: torch.Tensor, splits) -> torch.Tensor:
    """Mean absolute error of each test fold: (M, L, n_folds)."""
    y = y.to(oof.dtype)
    n = oof.shape[-1]
    out = []
    for r, folds in enumerate(repetitions(splits, n)):
        for test in folds:
            t = torch.as_tensor(test, device=oof.device)
            out.append((oof[:, :, r, t] - y[t]).abs().mean(dim=-1))
    return torch.stack(out, dim=-1)
