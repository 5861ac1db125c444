"""The batched trainer: every net of a :class:`~core.nets.StackedMLP` trained at once.

Each net has its own learning rate (:class:`BatchedAdam`), its own early stopping on the
validation rows and keeps the parameters of its best validation epoch; the nets share
only the batches.  Training rows may be :class:`~core.pretrain.sparse.SparseRows` for a
:class:`~core.pretrain.sparse.SparseStackedMLP`.  :func:`export` strips a trained net of
its padding, as the library stores it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from core.errors import CancelledError
from core.nets import NetArrays, StackedMLP
from core.pretrain.sparse import SparseRows


@dataclass(frozen=True)
class TrainSettings:
    """How :func:`train_stack` trains (see its parameters)."""

    max_epochs: int = 200
    batch_size: int = 256
    patience: int = 15
    weight_decay: float = 1e-5
    seed: int = 0


@dataclass
class TrainResult:
    """Outcome of :func:`train_stack` per net."""

    best_epoch: np.ndarray
    val_mae: np.ndarray  # standardised units
    epochs_run: int
    seconds: float


class BatchedAdam:
    """Adam with one learning rate per net.

    ``owners`` pairs each parameter with the net owning each of its leading rows
    (:meth:`StackedMLP.owners`); the learning rate of a row is its net's.
    """

    def __init__(self, owners, lr: torch.Tensor, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        owners = [(p, who) for p, who in owners if p.requires_grad]
        self.params = [p for p, _ in owners]
        self.rates = [lr[who].reshape(-1, *([1] * (p.dim() - 1))) for p, who in owners]
        self.betas, self.eps, self.wd = betas, eps, weight_decay
        self.state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in self.params]
        self.t = 0

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for p, rate, (m, v) in zip(self.params, self.rates, self.state):
            if p.grad is None:
                continue
            g = p.grad.add_(p, alpha=self.wd) if self.wd else p.grad  # grads are fresh each step
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            step = (v / c2).sqrt_().add_(self.eps)
            torch.div(m, step, out=step)
            p.addcmul_(step, rate, value=-1.0 / c1)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


def train_stack(
    stack: StackedMLP,
    X_train: torch.Tensor | SparseRows,
    y_train: torch.Tensor,
    X_val: torch.Tensor,
    y_val: torch.Tensor,
    lr: Sequence[float],
    *,
    max_epochs: int = 200,
    batch_size: int = 256,
    patience: int = 15,
    weight_decay: float = 1e-5,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train every net of the stack on standardised targets with early stopping.

    Each net keeps the parameters of its best validation epoch (MAE); training ends when
    every net has gone ``patience`` epochs without improving, or at ``max_epochs``.

    Parameters
    ----------
    stack : StackedMLP
        Trained in place.
    X_train : tensor (n, D) or SparseRows
        Training inputs; :class:`SparseRows` for a :class:`SparseStackedMLP`.
    y_train, y_val : tensor (M, n)
        Standardised targets: each net may have its own standardisation.
    X_val : tensor (n_val, D)
    lr : sequence of float
        Learning rate of each net.
    max_epochs, batch_size, patience, weight_decay, seed
        See :class:`TrainSettings`; ``seed`` draws the batches and the dropout masks.
    progress : callable, optional
        ``progress(epoch, max_epochs)`` after every epoch.
    cancel : callable, optional
        Returns True to stop (raises :class:`~core.errors.CancelledError`).
    """
    settings = TrainSettings(max_epochs, batch_size, patience, weight_decay, seed)
    with torch.random.fork_rng(devices=[X_val.device] if X_val.device.type == "cuda" else []):
        torch.manual_seed(int(seed))  # dropout masks come from the global generator: seed it, locally
        return _train(stack, _Batches(stack, X_train, y_train), (X_val.T.contiguous(), y_val), lr, settings,
                      progress, cancel)


class _Batches:
    """The training rows served in batches: dense (transposed once) or sparse rows joined
    with the stack's first-layer table."""

    def __init__(self, stack: StackedMLP, X, y: torch.Tensor):
        self.sparse = isinstance(X, SparseRows)
        self.rows = X.expand(stack) if self.sparse else None
        self.XT = None if self.sparse else X.T.contiguous()
        self.n = X.shape[0]
        self.y = y

    def loss(self, stack: StackedMLP, idx: torch.Tensor) -> torch.Tensor:
        """Sum over the nets of each net's mean squared error on rows ``idx``."""
        pred = stack.forward_sparse(self.rows.batch(idx), len(idx)) if self.sparse else \
            stack(self.XT[:, idx], transposed=True)
        return ((pred - self.y[:, idx]) ** 2).mean(dim=1).sum()


class _Best:
    """Each net's best validation MAE so far, the epoch it came in, and its parameters then."""

    def __init__(self, stack: StackedMLP, mae: torch.Tensor, epoch: torch.Tensor):
        self.mae, self.epoch = mae, epoch
        self.params = [p.detach().clone() for p in stack.parameters()]

    @torch.no_grad()
    def update(self, stack: StackedMLP, owners, val: tuple[torch.Tensor, torch.Tensor], epoch: int) -> None:
        """Score the stack on the validation rows; keep the parameters of the nets that improved."""
        stack.eval()
        XT_val, y_val = val
        mae = (stack(XT_val, transposed=True) - y_val).abs().mean(dim=1)
        better = mae < self.mae - 1e-6
        self.mae = torch.where(better, mae, self.mae)
        self.epoch = torch.where(better, torch.full_like(self.epoch, epoch), self.epoch)
        for keep, (p, who) in zip(self.params, owners):
            sel = better[who].reshape(-1, *([1] * (p.dim() - 1)))
            keep.copy_(torch.where(sel, p, keep))

    def patience_spent(self, epoch: int, patience: int) -> bool:
        """Whether every net has gone ``patience`` epochs without improving."""
        return bool(((epoch - self.epoch) >= patience).all())

    @torch.no_grad()
    def restore(self, stack: StackedMLP) -> None:
        """Put each net's best parameters back into the stack."""
        for keep, p in zip(self.params, stack.parameters()):
            p.copy_(keep)


def _train(stack: StackedMLP, batches: _Batches, val: tuple[torch.Tensor, torch.Tensor], lr: Sequence[float],
           settings: TrainSettings, progress, cancel) -> TrainResult:
    start = time.perf_counter()
    device = val[0].device
    owners = stack.owners()
    opt = BatchedAdam(owners, torch.tensor(list(lr), dtype=torch.float32, device=device),
                      weight_decay=settings.weight_decay)
    gen = torch.Generator(device="cpu").manual_seed(int(settings.seed))
    best = _Best(stack, torch.full((stack.n_models,), math.inf, device=device),
                 torch.zeros(stack.n_models, dtype=torch.long, device=device))
    epoch = 0
    for epoch in range(1, settings.max_epochs + 1):
        if cancel is not None and cancel():
            raise CancelledError("training cancelled")
        stack.train()
        order = torch.randperm(batches.n, generator=gen).to(device)
        for i in range(0, batches.n, settings.batch_size):
            loss = batches.loss(stack, order[i : i + settings.batch_size])
            opt.zero_grad()
            loss.backward()
            opt.step()
        best.update(stack, owners, val, epoch)
        if progress:
            progress(epoch, settings.max_epochs)
        if best.patience_spent(epoch, settings.patience):
            break
    best.restore(stack)
    stack.eval()
    return TrainResult(best.epoch.cpu().numpy(), best.mae.cpu().numpy(), epoch, time.perf_counter() - start)


def export(stack: StackedMLP, m: int, y_mean: float = 0.0, y_scale: float = 1.0) -> NetArrays:
    """Net ``m`` of a trained stack with its padding stripped, as the library stores it.

    Parameters
    ----------
    stack : StackedMLP
    m : int
        Position of the net in the stack.
    y_mean, y_scale : float
        The target standardisation the net was trained on.
    """
    k = stack.widths[0][m]
    prev, weights, biases = k, [], []
    for layer in range(stack.depth):
        size = stack.widths[layer + 1][m]
        weights.append(stack.layer_weight(layer)[m, :size, :prev].detach().cpu().numpy().T.copy())
        biases.append(stack.biases[layer][m, :size, 0].detach().cpu().numpy())
        prev = size
    return NetArrays(input_index=stack.index[m, :k].cpu().numpy(), x_mean=stack.x_mean[m, :k].cpu().numpy(),
                     x_scale=(1.0 / stack.x_gain[m, :k]).cpu().numpy(), weights=weights, biases=biases,
                     out_weight=stack.out_weight[m, 0, :prev].detach().cpu().numpy(),
                     out_bias=float(stack.out_bias[m, 0, 0].detach().cpu().numpy()),
                     y_mean=y_mean, y_scale=y_scale, activation=stack.activation(m))
