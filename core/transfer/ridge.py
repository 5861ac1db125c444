"""Cross-validated ridge regression for thousands of models at once, in closed form.

For a model m with (standardised) features Z, ridge with an unpenalised intercept is a
linear smoother: its fitted values are ``H y`` with

    H = 11^T / n + K_c (K_c + lambda I)^{-1},   K_c = C Z Z^T C,   C = I - 11^T / n.

Refitting on the rows outside a test block V and predicting V gives, exactly (a block
form of the Sherman-Morrison-Woodbury identity for penalised least squares),

    y_V - yhat_V^(-V) = (I - H_VV)^{-1} (y_V - (H y)_V).

So one eigendecomposition of K_c per model yields the out-of-fold predictions of every
penalty and every fold, with no Python loop over models: Gram matrices, the
eigendecompositions and the small per-fold solves are batched tensor operations.  Only Gram matrices are needed, so
blocks of features combine by adding their Grams.

The result equals scikit-learn's ``Ridge(alpha, fit_intercept=True)`` refitted on each
training fold (tests check this to 1e-6 in float64).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from core.compute.threads import one_torch_thread
from core.transfer.scoring import repetitions

#: Penalties relative to the mean eigenvalue of each model's centred Gram matrix.
DEFAULT_PENALTIES = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)


def centred_gram(Z: torch.Tensor) -> torch.Tensor:
    """C Z Z^T C for a batch of feature matrices Z (M, n, d) -> (M, n, n)."""
    Zc = Z - Z.mean(dim=1, keepdim=True)
    return Zc @ Zc.transpose(1, 2)


def standardise(Z: torch.Tensor) -> torch.Tensor:
    """Columns to zero mean and unit variance over the rows; constant columns become 0."""
    Zc = Z - Z.mean(dim=1, keepdim=True)
    std = (Zc * Zc).mean(dim=1, keepdim=True).sqrt_()  # three times faster than torch.std here
    gain = torch.where(std > 0, 1.0 / torch.where(std > 0, std, torch.ones_like(std)), torch.zeros_like(std))
    return Zc.mul_(gain)


def absolute_penalties(K: torch.Tensor, relative: Sequence[float]) -> torch.Tensor:
    """(M, L) penalties: relative values times trace(K)/n (scale-free across models)."""
    n = K.shape[-1]
    scale = torch.diagonal(K, dim1=1, dim2=2).sum(dim=1) / n
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    return scale[:, None] * torch.as_tensor(relative, dtype=K.dtype, device=K.device)[None, :]


@dataclass
class RidgeCV:
    """Out-of-fold predictions of every model and penalty.

    Attributes
    ----------
    oof : tensor (M, L, R, n)
        Out-of-fold predictions for each model, penalty and repetition of the CV scheme;
        NaN on rows that no test fold of the repetition covers.
    penalties : tensor (M, L)
        Absolute penalties used.
    """

    oof: torch.Tensor
    penalties: torch.Tensor


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


def spectrum(Zc: torch.Tensor | None = None, K: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues S (M, r) and eigenvectors U (M, n, r) of the centred Gram matrix.

    From features ``Zc`` (M, n, W) with W < n this decomposes the small W x W matrix
    Zc^T Zc = V S V^T and sets U = Zc V S^(-1/2) (directions of zero variance get zero
    columns); otherwise it decomposes K (M, n, n) directly.
    """
    if Zc is not None and Zc.shape[2] < Zc.shape[1]:
        S, V = batched_eigh(Zc.transpose(1, 2) @ Zc)
        S = S.clamp_min(0.0)
        keep = S > S.amax(dim=1, keepdim=True) * 1e-10
        root = torch.where(keep, S.sqrt(), torch.ones_like(S))
        U = (Zc @ V) / root[:, None, :] * keep[:, None, :]
        return torch.where(keep, S, torch.zeros_like(S)), U
    if K is None:
        K = Zc @ Zc.transpose(1, 2)
    S, U = batched_eigh(K)
    return S.clamp_min(0.0), U


def cv_ridge(K: torch.Tensor | None, y: torch.Tensor, splits: Sequence[tuple[np.ndarray, np.ndarray]],
             relative: Sequence[float] = DEFAULT_PENALTIES, chunk_bytes: int = 48 << 20,
             Z: torch.Tensor | None = None) -> RidgeCV:
    """Out-of-fold ridge predictions of M feature sets on the same rows.

    Parameters
    ----------
    K : tensor (M, n, n) or None
        Centred Gram matrices (:func:`centred_gram`).
    y : tensor (n,)
        Targets.
    splits : list of (train, test) index arrays
        The CV folds; folds of one repetition must not overlap.
    relative : sequence of float
        Penalties relative to each model's mean eigenvalue.
    chunk_bytes : int
        Models are processed in chunks whose work arrays stay under this size, to keep
        memory bounded and caches warm.
    Z : tensor (M, n, W), optional
        Standardised features instead of K; when W < n the small W x W problem is
        decomposed instead of the n x n Gram matrix (same result, less work).
    """
    source = Z if Z is not None else K
    M, n = source.shape[0], source.shape[1]
    y = y.to(dtype=source.dtype, device=source.device)
    reps = repetitions(splits, n)
    L = len(relative)
    oof = torch.empty((M, L, len(reps), n), dtype=source.dtype, device=source.device)
    lam = torch.empty((M, L), dtype=source.dtype, device=source.device)
    step = max(1, int(chunk_bytes // ((L + 3) * n * n * source.element_size())))
    rel = torch.as_tensor(relative, dtype=source.dtype, device=source.device)
    if Z is not None:
        Z = Z - Z.mean(dim=1, keepdim=True)
        order, Z, widths = _active_first(Z)
    else:
        order = torch.arange(M, device=source.device)
    for lo in range(0, M, step):
        rows = order[lo : lo + step]
        if Z is not None:  # models sorted by active width: trim each chunk to its widest
            S, U = spectrum(Zc=Z[lo : lo + step, :, : max(1, int(widths[lo : lo + step].max()))])
        else:
            S, U = spectrum(K=K[lo : lo + step])
        scale = S.sum(dim=1) / n  # trace(K) / n
        lam[rows] = torch.where(scale > 0, scale, torch.ones_like(scale))[:, None] * rel[None, :]
        oof[rows] = _cv_chunk(S, U, y, lam[rows], reps)
    return RidgeCV(oof=oof, penalties=lam)


def _active_first(Zc: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Models ordered by their number of non-zero feature columns, each with those columns
    first.

    Stacked nets are padded to the widest net and dead or constant units are all zero;
    zero columns change neither the Gram matrix nor the fit, but they would set the size
    of every decomposition.  Returns the order of the models, their compacted features in
    that order and their active widths.
    """
    active = Zc.abs().amax(dim=1) > 0  # (M, W)
    widths = active.sum(dim=1)
    order = torch.sort(widths, stable=True).indices
    columns = torch.sort((~active[order]).to(torch.uint8), dim=1, stable=True).indices  # active ones first
    Zs = torch.gather(Zc[order], 2, columns[:, None, :].expand(-1, Zc.shape[1], -1))
    return order, Zs, widths[order]


def _cv_chunk(S: torch.Tensor, U: torch.Tensor, y: torch.Tensor, lam: torch.Tensor, reps) -> torch.Tensor:
    """One eigendecomposition per model serves every penalty and every fold.

    With K = U diag(S) U^T (U may have fewer than n columns),
    (K + lam I)^-1 = U diag(1/(S + lam) - 1/lam) U^T + I / lam.
    """
    M, n, _ = U.shape
    d = 1.0 / (S[:, None, :] + lam[:, :, None]) - 1.0 / lam[:, :, None]  # (M, L, r)
    # K (K + lam I)^-1 = I - lam (K + lam I)^-1, and K annihilates the constant vector, so
    # Hy = mean(y) + (I - lam A^-1)(y - mean(y)).
    yc = y - y.mean()
    proj = torch.einsum("mnk,n->mk", U, yc)  # U^T yc
    a_inv_y = torch.einsum("mnk,mlk->mln", U, d * proj[:, None, :]) + yc / lam[:, :, None]  # A^-1 yc
    fitted = y - lam[:, :, None] * a_inv_y
    # rows that no test fold covers (extrapolation mode scores only the top of the range) stay NaN
    oof = torch.full((M, lam.shape[1], len(reps), n), float("nan"), dtype=U.dtype, device=U.device)
    for r, folds in enumerate(reps):
        # every fold of the repetition at once: blocks padded to the largest fold
        v_max = max(len(f) for f in folds)
        idx = torch.zeros((len(folds), v_max), dtype=torch.long, device=U.device)
        mask = torch.zeros((len(folds), v_max), dtype=torch.bool, device=U.device)
        for f, test in enumerate(folds):
            idx[f, : len(test)] = torch.as_tensor(test, device=U.device)
            mask[f, : len(test)] = True
        U_v = U[:, idx] * mask[None, :, :, None]  # (M, F, v, r)
        F_, r_ = len(folds), U.shape[2]
        # (A^-1)_VV minus I/lam: per model and fold, one product (L v, r) x (r, v)
        scaled = (U_v[:, :, None] * d[:, None, :, None, :]).reshape(M * F_, -1, r_)
        block = torch.bmm(scaled, U_v.reshape(M * F_, v_max, r_).transpose(1, 2))
        block = block.view(M, F_, -1, v_max, v_max).transpose(1, 2)  # (M, L, F, v, v)
        eye = torch.eye(v_max, dtype=U.dtype, device=U.device)
        # I - H_VV = lam (A^-1)_VV - 11^T/n on the fold's rows; identity on the padding
        system = block.mul_(lam[:, :, None, None, None]).add_(eye - 1.0 / n)
        if not bool(mask.all()):
            system = torch.where((mask[:, :, None] & mask[:, None, :])[None, None], system, eye)
        resid = torch.where(mask, y[idx] - fitted[:, :, idx], torch.zeros((), dtype=U.dtype))[..., None]
        cv_resid = _spd_solve(system, resid)[..., 0]  # (M, L, F, v)
        flat = idx[mask]
        oof[:, :, r, flat] = (y[idx] - cv_resid)[:, :, mask]
    return oof


def _spd_solve(A: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Solve A x = b for symmetric positive definite A (I - H_VV of a ridge smoother)."""
    chol, info = torch.linalg.cholesky_ex(A)
    if bool((info == 0).all()):
        return torch.cholesky_solve(b, chol)
    return torch.linalg.solve(A, b)


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
