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


class SparseRows:
    """Rows of a mostly-zero matrix (e.g. fingerprint counts) in CSR form, for batching.

    Parameters
    ----------
    X : array (n, D)
        Dense matrix; only its non-zero entries are kept.
    device : torch device
    """

    def __init__(self, X: np.ndarray, device: torch.device | str = "cpu"):
        X = np.asarray(X, dtype=np.float32)
        rows, cols = np.nonzero(X)
        counts = np.bincount(rows, minlength=X.shape[0])
        self.indptr = torch.as_tensor(np.concatenate([[0], np.cumsum(counts)]), dtype=torch.long, device=device)
        self.indices = torch.as_tensor(cols, dtype=torch.long, device=device)
        self.data = torch.as_tensor(X[rows, cols], device=device)
        self.shape = X.shape

    def batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(row in batch, column, value) of every non-zero entry of rows ``idx``."""
        local, pos = _positions(self.indptr, idx)
        return local, self.indices[pos], self.data[pos]

    def expand(self, stack: "StackedMLP") -> "StackRows":
        """Pair every non-zero with the first-layer table rows of the nets that read its column."""
        return StackRows(self, stack)


def _positions(indptr: torch.Tensor, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch-local row and position in the data arrays of each entry of CSR rows ``idx``."""
    starts = indptr[idx]
    lengths = indptr[idx + 1] - starts
    local = torch.repeat_interleave(torch.arange(len(idx), device=idx.device), lengths)
    first = torch.cumsum(lengths, 0) - lengths
    return local, torch.arange(int(lengths.sum()), device=idx.device) - first[local] + starts[local]


class StackRows:
    """Sparse rows pre-joined with a stack's first-layer table: for each row, every
    (table row, net, scaled value) it contributes to.  Batches then need a few gathers."""

    def __init__(self, rows: SparseRows, stack: "StackedMLP"):
        hit = stack.colmap[rows.indices]  # (nnz, M)
        nz, net = (hit >= 0).nonzero(as_tuple=True)
        counts = torch.bincount(torch.repeat_interleave(torch.arange(rows.shape[0], device=nz.device),
                                                        rows.indptr[1:] - rows.indptr[:-1])[nz],
                                minlength=rows.shape[0])
        self.indptr = torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)])
        self.table_row = hit[nz, net]
        self.net = net
        self.weight = rows.data[nz] * stack.col_gain[rows.indices[nz]]
        self.shape = rows.shape

    def batch(self, idx: torch.Tensor):
        local, pos = _positions(self.indptr, idx)
        return local, self.table_row[pos], self.net[pos], self.weight[pos]


class StackedMLP(torch.nn.Module):
    """M masked nets of equal depth evaluated with batched matrix products.

    Activations are kept as (M, width, batch) so that every batched product reads
    contiguous memory.  Padded input columns are masked to zero; padded weights start at
    zero and, since every activation maps 0 to 0, padded units stay exactly zero and get
    no gradient, so each net trains as if it were alone.

    With ``sparse_columns`` (training on sparse inputs such as fingerprint counts, scaled
    but not centred) the first layer is stored as one table of rows, one row per (net,
    input column), and a batch only touches the rows of its non-zero entries: the cost of
    the first layer follows the number of non-zeros instead of the subset size.

    Parameters
    ----------
    subsets : sequence of int arrays
        Descriptor columns each net reads.
    hidden : sequence of tuples
        Hidden widths of each net (all of the same length).
    activations : sequence of str
        Activation of each net (see :data:`ACT_FUNCS`).  Nets with the same activation
        next to each other are activated in one pass.
    dropout : sequence of float
        Dropout rate of each net (applied in training mode only).
    x_mean, x_scale : sequence of arrays
        Input standardisation of each net over its subset.
    seed : int
        Seeds the initial weights.
    sparse_columns : int, optional
        Width of the full descriptor; enables the sparse first layer (every ``x_mean``
        must then be zero).
    """

    def __init__(self, subsets, hidden, activations, dropout, x_mean, x_scale, seed: int | None = 0,
                 sparse_columns: int | None = None):
        super().__init__()
        depth = {len(h) for h in hidden}
        if len(depth) != 1:
            raise ValueError("all nets in a stack need the same depth")
        self.n_models = len(subsets)
        self.depth = depth.pop()
        k_max = max(len(s) for s in subsets)
        widths = [max(h[i] for h in hidden) for i in range(self.depth)]
        gen = torch.Generator().manual_seed(int(seed)) if seed is not None else None  # None: to be filled
        in_mask = _mask([len(s) for s in subsets], k_max)
        self.register_buffer("index", _pad_int(subsets, k_max))
        self.register_buffer("x_mean", _pad_float(x_mean, k_max, 0.0))
        self.register_buffer("x_gain", in_mask / _pad_float(x_scale, k_max, 1.0))
        self.register_buffer("act_code", torch.tensor([ACT_CODES[a] for a in activations]))
        runs = [(a, i) for i, a in enumerate(activations) if i == 0 or activations[i - 1] != a]
        self.act_blocks = [(a, i, runs[j + 1][1] if j + 1 < len(runs) else len(activations))
                           for j, (a, i) in enumerate(runs)]
        self.register_buffer("dropout", torch.tensor(list(dropout), dtype=torch.float32))
        rates = np.asarray(list(dropout), dtype=float)
        # nets without dropout first (as the builder orders them): masks only for the rest
        self.drop_from = int(np.argmax(rates > 0)) if (rates > 0).any() else len(rates)
        if (rates[self.drop_from :] == 0).any():
            self.drop_from = 0
        self.widths = [[len(s) for s in subsets]] + [[h[i] for h in hidden] for i in range(self.depth)]
        self.sparse = sparse_columns is not None
        self.weights = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        dims_in = k_max
        for layer in range(self.depth):
            fan_in = self.widths[layer]
            w = _init((self.n_models, widths[layer], dims_in), fan_in, gen)
            b = _init((self.n_models, widths[layer], 1), fan_in, gen)
            if gen is not None:  # zero the padding of random weights (zeros need nothing)
                mask_out = _mask(self.widths[layer + 1], widths[layer])
                w = w * mask_out[:, :, None] * _mask(fan_in, dims_in)[:, None, :]
                b = b * mask_out[:, :, None]
            if layer == 0 and self.sparse:
                self._make_table(w, subsets, sparse_columns, x_mean, x_scale)
            else:
                self.weights.append(torch.nn.Parameter(w))
            self.biases.append(torch.nn.Parameter(b))
            dims_in = widths[layer]
        out_w = _init((self.n_models, 1, dims_in), self.widths[-1], gen)
        if gen is not None:
            out_w = out_w * _mask(self.widths[-1], dims_in)[:, None, :]
        self.out_weight = torch.nn.Parameter(out_w)
        self.out_bias = torch.nn.Parameter(_init((self.n_models, 1, 1), self.widths[-1], gen))

    def _make_table(self, w0: torch.Tensor, subsets, n_columns: int, x_mean, x_scale) -> None:
        if any(np.any(np.asarray(m) != 0) for m in x_mean):
            raise ValueError("the sparse first layer needs uncentred inputs (x_mean = 0)")
        sizes = [len(s) for s in subsets]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        rows = np.concatenate([w0[m, :, :k].T.numpy() for m, k in enumerate(sizes)])
        self.table = torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(rows)))
        colmap = np.full((n_columns, self.n_models), -1, dtype=np.int64)
        gain = np.zeros(n_columns, dtype=np.float32)
        pad = np.full((self.n_models, w0.shape[2]), len(rows), dtype=np.int64)
        for m, (subset, scale) in enumerate(zip(subsets, x_scale)):
            subset = np.asarray(subset)
            colmap[subset, m] = starts[m] + np.arange(len(subset))
            gain[subset] = 1.0 / np.asarray(scale, dtype=np.float32)
            pad[m, : len(subset)] = starts[m] + np.arange(len(subset))
        self.register_buffer("table_model", torch.repeat_interleave(torch.arange(self.n_models),
                                                                    torch.tensor(sizes)))
        self.register_buffer("colmap", torch.from_numpy(colmap))
        self.register_buffer("col_gain", torch.from_numpy(gain))
        self.register_buffer("pad_rows", torch.from_numpy(pad))

    def owners(self) -> list[tuple[torch.nn.Parameter, torch.Tensor]]:
        """Each parameter with the net owning each of its leading rows."""
        every = torch.arange(self.n_models, device=self.out_bias.device)
        return [(p, self.table_model if self.sparse and p is self.table else every) for p in self.parameters()]

    def layer_weight(self, layer: int) -> torch.Tensor:
        """Weights of a hidden layer as (M, out, in), padded."""
        if not self.sparse:
            return self.weights[layer]
        if layer > 0:
            return self.weights[layer - 1]
        table = torch.cat([self.table, self.table.new_zeros(1, self.table.shape[1])])
        return table[self.pad_rows].transpose(1, 2)

    @classmethod
    def from_arrays(cls, nets: Sequence[NetArrays], device: torch.device | str = "cpu") -> "StackedMLP":
        """Stack stored nets (same depth) for batched inference."""
        stack = cls([n.input_index for n in nets], [tuple(w.shape[1] for w in n.weights) for n in nets],
                    [n.activation for n in nets], [0.0] * len(nets), [n.x_mean for n in nets],
                    [n.x_scale for n in nets], seed=None)
        with torch.no_grad():  # the constructor left the parameters unfilled: set them, no copies
            for layer in range(stack.depth):
                w = np.zeros(tuple(stack.weights[layer].shape), dtype=np.float32)
                b = np.zeros(tuple(stack.biases[layer].shape), dtype=np.float32)
                for m, net in enumerate(nets):
                    wm = net.weights[layer]
                    w[m, : wm.shape[1], : wm.shape[0]] = wm.T
                    b[m, : len(net.biases[layer]), 0] = net.biases[layer]
                stack.weights[layer].data = torch.from_numpy(w)
                stack.biases[layer].data = torch.from_numpy(b)
            out = np.zeros(tuple(stack.out_weight.shape), dtype=np.float32)
            for m, net in enumerate(nets):
                out[m, 0, : len(net.out_weight)] = net.out_weight
            stack.out_weight.data = torch.from_numpy(out)
            stack.out_bias.data = torch.tensor([n.out_bias for n in nets], dtype=torch.float32)[:, None, None]
        stack.register_buffer("y_mean", torch.tensor([n.y_mean for n in nets], dtype=torch.float32))
        stack.register_buffer("y_scale", torch.tensor([n.y_scale for n in nets], dtype=torch.float32))
        return stack.to(device).eval()

    # ------------------------------------------------------------------ forward passes
    def _inputs(self, XT: torch.Tensor) -> torch.Tensor:
        x = XT[self.index]  # (M, K, B): one contiguous gather of rows of X transposed
        if not torch.is_grad_enabled():  # inference: scale the fresh gather in place
            return x.sub_(self.x_mean[:, :, None]).mul_(self.x_gain[:, :, None])
        return (x - self.x_mean[:, :, None]) * self.x_gain[:, :, None]

    def _first_sparse(self, batch, n_rows: int) -> torch.Tensor:
        """First-layer pre-activations (M, H1, B) from a :meth:`StackRows.batch`."""
        local, table_row, net, weight = batch
        contrib = F.embedding(table_row, self.table) * weight[:, None]
        z = self.table.new_zeros(self.n_models * n_rows, self.table.shape[1])
        z.index_add_(0, net * n_rows + local, contrib)  # in place: z is fresh
        return z.view(self.n_models, n_rows, -1).transpose(1, 2) + self.biases[0]

    def _activate(self, z: torch.Tensor) -> torch.Tensor:
        if len(self.act_blocks) == 1:
            return ACT_FUNCS[self.act_blocks[0][0]](z)
        if len(self.act_blocks) <= 8:  # contiguous runs of one activation: one pass each, no masks
            # split, not slices: the backward of a slice fills a zero tensor of the whole stack
            parts = torch.split(z, [hi - lo for _, lo, hi in self.act_blocks], dim=0)
            return torch.cat([ACT_FUNCS[name](part) for (name, _, _), part in zip(self.act_blocks, parts)], dim=0)
        out = torch.zeros_like(z)
        for code in torch.unique(self.act_code).tolist():
            sel = (self.act_code == code).to(z.dtype)[:, None, None]
            out = out + sel * ACT_FUNCS[_NAMES[code]](z)
        return out

    def _hidden_t(self, XT: torch.Tensor | None, batch=None, n_rows: int = 0) -> list[torch.Tensor]:
        out = []
        for layer in range(self.depth):
            if layer == 0:
                if batch is not None:
                    z = self._first_sparse(batch, n_rows)
                else:
                    z = torch.baddbmm(self.biases[0], self.layer_weight(0), self._inputs(XT))
            else:
                z = torch.baddbmm(self.biases[layer], self.layer_weight(layer), h)
            h = self._activate(z)
            if self.training and self.drop_from < self.n_models:
                h = _dropout(h, self.dropout, self.drop_from)
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
        return self._output(self._hidden_t(XT)[-1])

    def forward_sparse(self, batch, n_rows: int) -> torch.Tensor:
        """Like :meth:`forward` for a batch given by :meth:`StackRows.batch`."""
        return self._output(self._hidden_t(None, batch, n_rows)[-1])

    def _output(self, h: torch.Tensor) -> torch.Tensor:
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
            w = self.layer_weight(layer)
            out[f"w{layer}"] = w[m, :size, :prev].detach().cpu().numpy().T.copy()
            out[f"b{layer}"] = self.biases[layer][m, :size, 0].detach().cpu().numpy()
            prev = size
        out["out_w"] = self.out_weight[m, 0, :prev].detach().cpu().numpy()
        out["out_b"] = self.out_bias[m, 0, 0].detach().cpu().numpy()
        return out


_NAMES = list(ACT_FUNCS)


def _dropout(h: torch.Tensor, rates: torch.Tensor, first: int = 0) -> torch.Tensor:
    """Inverted dropout with one rate per net; random masks only for nets ``first`` on.

    The nets before ``first`` have rate 0 and are multiplied and divided by exactly 1,
    which leaves them unchanged; one pass over the whole stack is cheaper than slicing
    it and joining the parts again (whose backward fills zero tensors of the stack).
    """
    keep = 1.0 - rates[:, None, None]
    mask = torch.ones_like(h)
    mask[first:] = torch.rand_like(h[first:]) < keep[first:]
    return h * mask / keep


def _pad_int(rows, width) -> torch.Tensor:
    out = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return torch.from_numpy(out)


def _pad_float(rows, width, fill) -> torch.Tensor:
    out = np.full((len(rows), width), float(fill), dtype=np.float32)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return torch.from_numpy(out)


def _mask(sizes, width) -> torch.Tensor:
    return torch.from_numpy((np.arange(width)[None, :] < np.asarray(sizes)[:, None]).astype(np.float32))


def _init(shape, fan_in, gen) -> torch.Tensor:
    if gen is None:  # to be filled by the caller (from_arrays)
        return torch.empty(shape)
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
    Targets ``y_*`` are (M, n): each net may have its own standardisation.  ``X_train``
    may be :class:`SparseRows` for a stack built with ``sparse_columns``.
    """
    with torch.random.fork_rng(devices=[X_val.device] if X_val.device.type == "cuda" else []):
        torch.manual_seed(int(seed))  # dropout masks come from the global generator: seed it, locally
        return _train(stack, X_train, y_train, X_val, y_val, lr, max_epochs, batch_size, patience, weight_decay,
                      seed, progress, cancel)


def _train(stack, X_train, y_train, X_val, y_val, lr, max_epochs, batch_size, patience, weight_decay, seed,
           progress, cancel) -> TrainResult:
    start = time.perf_counter()
    device = X_val.device
    owners = stack.owners()
    opt = BatchedAdam(owners, torch.tensor(list(lr), dtype=torch.float32, device=device), weight_decay=weight_decay)
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    best = torch.full((stack.n_models,), math.inf, device=device)
    best_epoch = torch.zeros(stack.n_models, dtype=torch.long, device=device)
    saved = [p.detach().clone() for p in stack.parameters()]
    sparse = isinstance(X_train, SparseRows)
    if sparse:
        X_train = X_train.expand(stack)
    n = X_train.shape[0]
    XT_train = None if sparse else X_train.T.contiguous()
    XT_val = X_val.T.contiguous()
    epoch = 0
    for epoch in range(1, max_epochs + 1):
        if cancel is not None and cancel():
            raise CancelledError("training cancelled")
        stack.train()
        order = torch.randperm(n, generator=gen).to(device)
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            pred = stack.forward_sparse(X_train.batch(idx), len(idx)) if sparse else \
                stack(XT_train[:, idx], transposed=True)
            loss = ((pred - y_train[:, idx]) ** 2).mean(dim=1).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        stack.eval()
        with torch.no_grad():
            val = (stack(XT_val, transposed=True) - y_val).abs().mean(dim=1)
            better = val < best - 1e-6
            best = torch.where(better, val, best)
            best_epoch = torch.where(better, torch.full_like(best_epoch, epoch), best_epoch)
            for keep, (p, who) in zip(saved, owners):
                sel = better[who].reshape(-1, *([1] * (p.dim() - 1)))
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
