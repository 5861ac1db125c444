"""Stored nets and their batched forward pass.

A pretrained net of the library is a small fully connected regressor held as
:class:`NetArrays` (its exact, unpadded parameters and scalers).  :class:`StackedMLP` runs
M such nets of the same depth at once: their widths and input subsets differ, so every
tensor is padded to the largest net and masked.  Padded inputs and units are multiplied by
zero, so they neither contribute to outputs nor receive gradients, and each net behaves
exactly as if it were alone.  One batched matrix product per layer replaces M small ones,
which keeps the cores (or a GPU) busy.

This module is what reading a library needs (the screen's frozen features, predictions of
stored nets).  Training the stacks, their optimiser and the sparse first layer used while
training on fingerprint counts live in :mod:`core.pretrain`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from core.net_arrays import NetArrays  # noqa: F401  (the arrays these functions run; re-exported)

ACT_FUNCS = {
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "silu": F.silu,
    "tanh": torch.tanh,
}
ACT_CODES = {name: i for i, name in enumerate(ACT_FUNCS)}
_NAMES = list(ACT_FUNCS)


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
        Activation of each net (see :data:`ACT_FUNCS`).  Nets with the same activation
        next to each other are activated in one pass.
    dropout : sequence of float
        Dropout rate of each net (applied in training mode only).
    x_mean, x_scale : sequence of arrays
        Input standardisation of each net over its subset.
    seed : int or None
        Seeds the initial weights; None leaves them unfilled (see :meth:`from_arrays`).
    """

    def __init__(self, subsets, hidden, activations, dropout, x_mean, x_scale, seed: int | None = 0):
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
        self._set_dropout(dropout)
        self.widths = [[len(s) for s in subsets]] + [[h[i] for h in hidden] for i in range(self.depth)]
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
            self.weights.append(torch.nn.Parameter(w))
            self.biases.append(torch.nn.Parameter(b))
            dims_in = widths[layer]
        out_w = _init((self.n_models, 1, dims_in), self.widths[-1], gen)
        if gen is not None:
            out_w = out_w * _mask(self.widths[-1], dims_in)[:, None, :]
        self.out_weight = torch.nn.Parameter(out_w)
        self.out_bias = torch.nn.Parameter(_init((self.n_models, 1, 1), self.widths[-1], gen))

    def _set_dropout(self, dropout) -> None:
        self.register_buffer("dropout", torch.tensor(list(dropout), dtype=torch.float32))
        rates = np.asarray(list(dropout), dtype=float)
        # nets without dropout first (as the builder orders them): masks only for the rest
        self.drop_from = int(np.argmax(rates > 0)) if (rates > 0).any() else len(rates)
        if (rates[self.drop_from :] == 0).any():
            self.drop_from = 0

    def owners(self) -> list[tuple[torch.nn.Parameter, torch.Tensor]]:
        """Each parameter with the net owning each of its leading rows (an optimiser with
        one learning rate per net reads this)."""
        every = torch.arange(self.n_models, device=self.out_bias.device)
        return [(p, every) for p in self.parameters()]

    def layer_weight(self, layer: int) -> torch.Tensor:
        """Weights of a hidden layer as (M, out, in), padded."""
        return self.weights[layer]

    def activation(self, m: int) -> str:
        """Name of net ``m``'s activation."""
        return _NAMES[int(self.act_code[m])]

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

    def _first(self, XT: torch.Tensor) -> torch.Tensor:
        """First-layer pre-activations (M, H1, B) of inputs X transposed (D, B)."""
        return torch.baddbmm(self.biases[0], self.layer_weight(0), self._inputs(XT))

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

    def _hidden_t(self, z: torch.Tensor) -> list[torch.Tensor]:
        """Activations (M, width, B) of every hidden layer from the first layer's
        pre-activations ``z``."""
        out = []
        for layer in range(self.depth):
            if layer > 0:
                z = torch.baddbmm(self.biases[layer], self.layer_weight(layer), out[-1])
            h = self._activate(z)
            if self.training and self.drop_from < self.n_models:
                h = _dropout(h, self.dropout, self.drop_from)
            out.append(h)
        return out

    def hidden_layers(self, X: torch.Tensor) -> list[torch.Tensor]:
        """Activations of every hidden layer for inputs X (B, D), each (M, B, width).

        Units beyond a net's own width are exactly zero.
        """
        return [h.transpose(1, 2) for h in self._hidden_t(self._first(X.T.contiguous()))]

    def forward(self, X: torch.Tensor, transposed: bool = False) -> torch.Tensor:
        """Standardised predictions (M, B) for inputs X (B, D), or X.T (D, B) if ``transposed``."""
        XT = X if transposed else X.T.contiguous()
        return self._output(self._hidden_t(self._first(XT))[-1])

    def _output(self, h: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.out_bias, self.out_weight, h)[:, 0, :]

    @torch.no_grad()
    def predict(self, X: torch.Tensor) -> torch.Tensor:
        """Predictions in each net's target units, (M, B) (needs stored target scalers)."""
        return self(X) * self.y_scale[:, None] + self.y_mean[:, None]


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
