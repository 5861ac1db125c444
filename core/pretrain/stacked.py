"""Many small fully connected nets trained and evaluated at once as stacked tensors.

A :class:`StackedMLP` holds M nets of the same depth.  Their widths and input subsets
differ, so every tensor is padded to the largest net and masked: padded inputs and units
are multiplied by zero, so they neither contribute to outputs nor receive gradients, and
each net behaves exactly as if it were alone.  One batched matrix product per layer
replaces M small ones, which keeps the cores (or a GPU) busy.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from core.errors import CancelledError

ACT_FUNCS = {
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "silu": F.silu,
    "tanh": torch.tanh,
}
ACT_CODES = {name: i for i, name in enumerate(ACT_FUNCS)}


@dataclass
class NetArrays:
    """One net's exact (unpadded) parameters and scalers, as stored in the library."""

    input_index: np.ndarray  # (k,) int64 columns of the descriptor
    x_mean: np.ndarray  # (k,)
    x_scale: np.ndarray  # (k,)
    weights: list[np.ndarray]  # hidden layers, (in, out) each
    biases: list[np.ndarray]
    out_weight: np.ndarray  # (h_last,)
    out_bias: float
    y_mean: float
    y_scale: float
    activation: str


class StackedMLP(torch.nn.Module):
    """M masked nets of equal depth evaluated with batched matrix products.

    Activations are kept as (M, width, batch) so that every batched product reads
    contiguous memory.  Padded input columns are masked to zero; padded weights start at
    zero and, since every activation maps 0 to 0, padded units stay exactly zero and get
    no gradient, so each net trains as if it were alone.

    Parameters
    ----------
    subsets : sequence of int arrays
        Descriptor columns each net reads.
    hidden : sequence of tuples
        Hidden widths of each net (all of the same length).
    activations : sequence of str
        Activation of each net (see :data:`ACT_FUNCS`).
    dropout : sequence of float
        Dropout rate of each net (applied in training mode only).
    x_mean, x_scale : sequence of arrays
        Input standardisation of each net over its subset.
    seed : int
        Seeds the initial weights.
    """

    def __init__(self, subsets, hidden, activations, dropout, x_mean, x_scale, seed: int = 0):
        super().__init__()
        depth = {len(h) for h in hidden}
        if len(depth) != 1:
            raise ValueError("all nets in a stack need the same depth")
        self.n_models = len(subsets)
        self.depth = depth.pop()
        k_max = max(len(s) for s in subsets)
        widths = [max(h[i] for h in hidden) for i in range(self.depth)]
        gen = torch.Generator().manual_seed(int(seed))
        in_mask = _mask([len(s) for s in subsets], k_max)
        self.register_buffer("index", _pad_int(subsets, k_max))
        self.register_buffer("x_mean", _pad_float(x_mean, k_max, 0.0))
        self.register_buffer("x_gain", in_mask / _pad_float(x_scale, k_max, 1.0))
        self.register_buffer("act_code", torch.tensor([ACT_CODES[a] for a in activations]))
        self.register_buffer("dropout", torch.tensor(list(dropout), dtype=torch.float32))
        self.widths = [[len(s) for s in subsets]] + [[h[i] for h in hidden] for i in range(self.depth)]
        self.weights = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        dims_in = k_max
        for layer in range(self.depth):
            fan_in = self.widths[layer]
            w = _init((self.n_models, widths[layer], dims_in), fan_in, gen)
            b = _init((self.n_models, widths[layer], 1), fan_in, gen)
            mask_out = _mask(self.widths[layer + 1], widths[layer])
            mask_in = _mask(fan_in, dims_in)
            self.weights.append(torch.nn.Parameter(w * mask_out[:, :, None] * mask_in[:, None, :]))
            self.biases.append(torch.nn.Parameter(b * mask_out[:, :, None]))
            dims_in = widths[layer]
        last = _mask(self.widths[-1], dims_in)
        self.out_weight = torch.nn.Parameter(_init((self.n_models, 1, dims_in), self.widths[-1], gen) * last[:, None, :])
        self.out_bias = torch.nn.Parameter(_init((self.n_models, 1, 1), self.widths[-1], gen))

    @classmethod
    def from_arrays(cls, nets: Sequence[NetArrays], device: torch.device | str = "cpu") -> "StackedMLP":
        """Stack stored nets (same depth) for batched inference."""
        stack = cls([n.input_index for n in nets], [tuple(w.shape[1] for w in n.weights) for n in nets],
                    [n.activation for n in nets], [0.0] * len(nets), [n.x_mean for n in nets],
                    [n.x_scale for n in nets])
        with torch.no_grad():
            for m, net in enumerate(nets):
                for layer, (w, b) in enumerate(zip(net.weights, net.biases)):
                    stack.weights[layer][m].zero_()
                    stack.weights[layer][m, : w.shape[1], : w.shape[0]] = torch.from_numpy(w.T.astype(np.float32))
                    stack.biases[layer][m].zero_()
                    stack.biases[layer][m, : b.shape[0], 0] = torch.from_numpy(b.astype(np.float32))
                stack.out_weight[m].zero_()
                stack.out_weight[m, 0, : len(net.out_weight)] = torch.from_numpy(net.out_weight.astype(np.float32))
                stack.out_bias[m] = float(net.out_bias)
        stack.register_buffer("y_mean", torch.tensor([n.y_mean for n in nets], dtype=torch.float32))
        stack.register_buffer("y_scale", torch.tensor([n.y_scale for n in nets], dtype=torch.float32))
        return stack.to(device).eval()

    # ------------------------------------------------------------------ forward passes
    def _inputs(self, XT: torch.Tensor) -> torch.Tensor:
        x = XT[self.index]  # (M, K, B): one contiguous gather of rows of X transposed
        return (x - self.x_mean[:, :, None]) * self.x_gain[:, :, None]

    def _activate(self, z: torch.Tensor) -> torch.Tensor:
        codes = self.act_code
        if bool((codes == codes[0]).all()):
            return ACT_FUNCS[_NAMES[int(codes[0])]](z)
        out = torch.zeros_like(z)
        for code in torch.unique(codes).tolist():
            sel = (codes == code).to(z.dtype)[:, None, None]
            out = out + sel * ACT_FUNCS[_NAMES[code]](z)
        return out

    def _hidden_t(self, XT: torch.Tensor) -> list[torch.Tensor]:
        h = self._inputs(XT)
        out = []
        for layer in range(self.depth):
            h = self._activate(torch.baddbmm(self.biases[layer], self.weights[layer], h))
            if self.training:
                h = _dropout(h, self.dropout)
            out.append(h)
        return out

    def hidden_layers(self, X: torch.Tensor) -> list[torch.Tensor]:
        """Activations of every hidden layer for inputs X (B, D), each (M, B, width).

        Units beyond a net's own width are exactly zero.
        """
        return [h.transpose(1, 2) for h in self._hidden_t(X.T.contiguous())]

    def forward(self, X: torch.Tensor, transposed: bool = False) -> torch.Tensor:
        """Standardised predictions (M, B) for inputs X (B, D), or X.T (D, B) if ``transposed``."""
        XT = X if transposed else X.T.contiguous()
        h = self._hidden_t(XT)[-1]
        return torch.baddbmm(self.out_bias, self.out_weight, h)[:, 0, :]

    @torch.no_grad()
    def predict(self, X: torch.Tensor) -> torch.Tensor:
        """Predictions in each net's target units, (M, B) (needs stored target scalers)."""
        return self(X) * self.y_scale[:, None] + self.y_mean[:, None]

    def export(self, m: int) -> dict[str, np.ndarray]:
        """Net ``m``'s exact parameters (padding stripped) as numpy arrays, weights (in, out)."""
        k = self.widths[0][m]
        out = {"input_index": self.index[m, :k].cpu().numpy(),
               "x_mean": self.x_mean[m, :k].cpu().numpy(),
               "x_scale": (1.0 / self.x_gain[m, :k]).cpu().numpy()}
        prev = k
        for layer in range(self.depth):
            size = self.widths[layer + 1][m]
            out[f"w{layer}"] = self.weights[layer][m, :size, :prev].detach().cpu().numpy().T.copy()
            out[f"b{layer}"] = self.biases[layer][m, :size, 0].detach().cpu().numpy()
            prev = size
        out["out_w"] = self.out_weight[m, 0, :prev].detach().cpu().numpy()
        out["out_b"] = self.out_bias[m, 0, 0].detach().cpu().numpy()
        return out


_NAMES = list(ACT_FUNCS)


def _dropout(h: torch.Tensor, rates: torch.Tensor) -> torch.Tensor:
    if not bool((rates > 0).any()):
        return h
    keep = 1.0 - rates[:, None, None]
    return h * (torch.rand_like(h) < keep) / keep


def _pad_int(rows, width) -> torch.Tensor:
    out = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.as_tensor(np.asarray(r, dtype=np.int64))
    return out


def _pad_float(rows, width, fill) -> torch.Tensor:
    out = torch.full((len(rows), width), float(fill), dtype=torch.float32)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.as_tensor(np.asarray(r, dtype=np.float32))
    return out


def _mask(sizes, width) -> torch.Tensor:
    return (torch.arange(width)[None, :] < torch.tensor(sizes)[:, None]).float()


def _init(shape, fan_in, gen) -> torch.Tensor:
    bound = 1.0 / torch.sqrt(torch.tensor(fan_in, dtype=torch.float32)).reshape(-1, *([1] * (len(shape) - 1)))
    return (torch.rand(shape, generator=gen) * 2 - 1) * bound


# ====================================================================== training
@dataclass
class TrainResult:
    """Outcome of :func:`train_stack` per net."""

    best_epoch: np.ndarray
    val_mae: np.ndarray  # standardised units
    epochs_run: int
    seconds: float


class BatchedAdam:
    """Adam with one learning rate per net (the leading dimension of every parameter)."""

    def __init__(self, params, lr: torch.Tensor, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.betas, self.eps, self.wd = lr, betas, eps, weight_decay
        self.state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in self.params]
        self.t = 0

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for p, (m, v) in zip(self.params, self.state):
            if p.grad is None:
                continue
            g = p.grad + self.wd * p if self.wd else p.grad
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            lr = self.lr.reshape(-1, *([1] * (p.dim() - 1)))
            p.sub_(lr * (m / c1) / ((v / c2).sqrt() + self.eps))

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


def train_stack(
    stack: StackedMLP,
    X_train: torch.Tensor,
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
    Targets ``y_*`` are (M, n): each net may have its own standardisation.
    """
    start = time.perf_counter()
    device = X_train.device
    opt = BatchedAdam(stack.parameters(), torch.tensor(list(lr), dtype=torch.float32, device=device),
                      weight_decay=weight_decay)
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    best = torch.full((stack.n_models,), math.inf, device=device)
    best_epoch = torch.zeros(stack.n_models, dtype=torch.long, device=device)
    saved = [p.detach().clone() for p in stack.parameters()]
    n = X_train.shape[0]
    XT_train, XT_val = X_train.T.contiguous(), X_val.T.contiguous()
    epoch = 0
    for epoch in range(1, max_epochs + 1):
        if cancel is not None and cancel():
            raise CancelledError("training cancelled")
        stack.train()
        order = torch.randperm(n, generator=gen).to(device)
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            loss = ((stack(XT_train[:, idx], transposed=True) - y_train[:, idx]) ** 2).mean(dim=1).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        stack.eval()
        with torch.no_grad():
            val = (stack(XT_val, transposed=True) - y_val).abs().mean(dim=1)
            better = val < best - 1e-6
            best = torch.where(better, val, best)
            best_epoch = torch.where(better, torch.full_like(best_epoch, epoch), best_epoch)
            for keep, p in zip(saved, stack.parameters()):
                sel = better.reshape(-1, *([1] * (p.dim() - 1)))
                keep.copy_(torch.where(sel, p, keep))
        if progress:
            progress(epoch, max_epochs)
        if bool(((epoch - best_epoch) >= patience).all()):
            break
    with torch.no_grad():
        for keep, p in zip(saved, stack.parameters()):
            p.copy_(keep)
    stack.eval()
    return TrainResult(best_epoch.cpu().numpy(), best.cpu().numpy(), epoch, time.perf_counter() - start)
