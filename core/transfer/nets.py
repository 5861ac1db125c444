"""Neural-network regressors for small targets: fine-tuning a pretrained net, and the
same shape trained from scratch (the baseline that shows what pretraining adds).

Both are scikit-learn regressors over descriptor matrices.  They standardise the target,
hold out 20% of the training rows (seeded) for early stopping, and train with the
batched trainer of :mod:`core.pretrain.stacked` on the GPU when there is one.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin

from core.columns import constant_columns
from core.compute.device import resolve_device
from core.nets import NetArrays, StackedMLP
from core.pretrain.stacked import train_stack

MODES = ("last", "all")


def _split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(2, int(round(0.2 * n)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _fit_head(stack: StackedMLP, X: torch.Tensor, y: torch.Tensor, penalty: float = 1e-2) -> None:
    """Least-squares (ridge) output layer on the last hidden activations: a good start."""
    with torch.no_grad():
        H = stack.hidden_layers(X)[-1][0].double()  # (n, W)
        mean = H.mean(dim=0)
        Hc = H - mean
        A = Hc.T @ Hc + penalty * len(H) * torch.eye(H.shape[1], dtype=H.dtype, device=H.device)
        w = torch.linalg.solve(A, Hc.T @ (y.double() - y.double().mean()))
        stack.out_weight[0, 0, : len(w)] = w.float()
        stack.out_bias[0, 0, 0] = float(y.double().mean() - mean @ w)


class _NetRegressor(RegressorMixin, BaseEstimator):
    def _train(self, stack: StackedMLP, X, y, lr: float):
        device = resolve_device(self.device)
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y, dtype=np.float64)
        self.y_mean_, self.y_scale_ = float(y.mean()), float(y.std() or 1.0)
        ys = torch.tensor((y - self.y_mean_) / self.y_scale_, dtype=torch.float32, device=device)
        Xt = torch.from_numpy(X).to(device)
        tr, va = _split(len(y), self.seed)
        stack = stack.to(device)
        if getattr(self, "mode", "all") == "last" or self.init_head:
            _fit_head(stack, Xt[tr], ys[tr])
        result = train_stack(stack, Xt[tr], ys[tr][None], Xt[va], ys[va][None], [lr], max_epochs=self.max_epochs,
                             batch_size=32, patience=self.patience, weight_decay=1e-4, seed=self.seed)
        self.epochs_ = int(result.epochs_run)
        self.stack_ = stack.eval()
        return self

    def predict(self, X) -> np.ndarray:
        Xt = torch.from_numpy(np.asarray(X, dtype=np.float32)).to(next(self.stack_.parameters()).device)
        with torch.no_grad():
            out = self.stack_(Xt)[0].cpu().numpy().astype(np.float64)
        return out * self.y_scale_ + self.y_mean_


class FineTunedNet(_NetRegressor):
    """Continue training a pretrained net on the target.

    Parameters
    ----------
    net : NetArrays
        The pretrained net; its input subset and scalers are kept.
    mode : {"last", "all"}
        ``last`` retrains the last hidden layer and the output (earlier layers frozen);
        ``all`` retrains the whole net at a small learning rate.
    lr : float, optional
        Learning rate (default 1e-3 for ``last``, 1e-4 for ``all``).
    max_epochs, patience : int
        Early stopping on 20% of the training rows.
    """

    init_head = True

    def __init__(self, net: NetArrays | None = None, mode: str = "last", lr: float | None = None,
                 max_epochs: int = 300, patience: int = 30, seed: int = 0, device: str = "auto"):
        self.net = net
        self.mode = mode
        self.lr = lr
        self.max_epochs = max_epochs
        self.patience = patience
        self.seed = seed
        self.device = device

    def fit(self, X, y):
        if self.mode not in MODES:
            raise ValueError(f"mode must be 'last' or 'all', not {self.mode!r}")
        stack = StackedMLP.from_arrays([self.net])
        if self.mode == "last":
            for layer in range(stack.depth - 1):
                stack.weights[layer].requires_grad_(False)
                stack.biases[layer].requires_grad_(False)
        lr = self.lr if self.lr is not None else (1e-3 if self.mode == "last" else 1e-4)
        return self._train(stack, X, y, lr)


class ScratchNet(_NetRegressor):
    """A net with the same shape as a pretrained one, trained from random weights.

    Parameters
    ----------
    like : NetArrays
        Net whose input subset, widths and activation are copied (not its weights).
    """

    init_head = False

    def __init__(self, like: NetArrays | None = None, lr: float = 1e-3, max_epochs: int = 300, patience: int = 30,
                 seed: int = 0, device: str = "auto"):
        self.like = like
        self.lr = lr
        self.max_epochs = max_epochs
        self.patience = patience
        self.seed = seed
        self.device = device

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float32)
        subset = np.asarray(self.like.input_index)
        inputs = X[:, subset]
        mean, std = inputs.mean(axis=0), inputs.std(axis=0)
        scale = np.where(constant_columns(inputs, std), 1.0, std)  # (nearly) constant columns keep scale 1
        stack = StackedMLP([subset], [tuple(w.shape[1] for w in self.like.weights)], [self.like.activation], [0.0],
                           [mean], [scale], seed=self.seed)
        return self._train(stack, X, y, self.lr)
