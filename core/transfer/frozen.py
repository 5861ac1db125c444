"""Frozen features: the hidden activations of pretrained nets as descriptors of a target.

:func:`frozen_features` runs a stack of nets at once (see :func:`stack_chunks`) and
returns, for each, the activations of its last ``layers`` hidden layers on the target
rows.
:class:`FrozenFeatures` is the same for one net as a scikit-learn transformer, so a
pipeline ``FrozenFeatures -> regressor`` is an ordinary estimator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin

from core.nets import NetArrays, StackedMLP

#: Nets stacked together for one forward pass.
STACK_SIZE = 256


def last_layers(hidden: Sequence[torch.Tensor], layers: int) -> torch.Tensor:
    """Concatenate the last ``layers`` hidden activations: (M, n, sum of widths)."""
    layers = max(1, min(int(layers), len(hidden)))
    return torch.cat(list(hidden[-layers:]), dim=2)


@dataclass(frozen=True)
class NetShape:
    """What a net's stack needs to know before its weights are read: input columns, hidden
    widths, activation."""

    inputs: int
    hidden: tuple[int, ...]
    activation: str

    @classmethod
    def of(cls, net: NetArrays) -> "NetShape":
        return cls(len(net.input_index), tuple(int(w.shape[1]) for w in net.weights), net.activation)


def shapes_of(nets: Mapping) -> Mapping[str, NetShape]:
    """The shapes of a mapping of nets (a lazy store knows them without reading weights)."""
    shapes = getattr(nets, "shapes", None)
    return shapes if shapes is not None else {i: NetShape.of(n) for i, n in nets.items()}


def stack_chunks(nets: Mapping, stack_size: int = STACK_SIZE) -> list[list[str]]:
    """Model ids in the stacks they are run in: one depth per stack, nets of similar size
    together (less padding), ordered by activation inside a stack (one pass each).

    Both the in-process and the distributed screens use these chunks, so they compute
    exactly the same numbers.
    """
    shapes = shapes_of(nets)
    by_depth: dict[int, list[str]] = {}
    for model_id, shape in shapes.items():
        by_depth.setdefault(len(shape.hidden), []).append(model_id)
    chunks = []
    for _, ids in sorted(by_depth.items()):
        ids = sorted(ids, key=lambda i: (shapes[i].inputs, list(shapes[i].hidden), i))
        for lo in range(0, len(ids), stack_size):
            chunks.append(sorted(ids[lo : lo + stack_size], key=lambda i: (shapes[i].activation, i)))
    return chunks


def frozen_features(nets: dict[str, NetArrays], ids: list[str], X: np.ndarray, layers: int = 1,
                    device: torch.device | str = "cpu") -> torch.Tensor:
    """Frozen features (M, n, W) of one stack of nets sharing a descriptor.

    Padded units of narrower nets are zero, which leaves Gram matrices unchanged.
    """
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)).to(device)
    stack = StackedMLP.from_arrays([nets[i] for i in ids], device=device)
    with torch.no_grad():
        return last_layers(stack.hidden_layers(Xt), layers)


class FrozenFeatures(TransformerMixin, BaseEstimator):
    """Hidden activations of one pretrained net, as a transformer of descriptor matrices.

    Parameters
    ----------
    net : NetArrays
        The pretrained net (from :meth:`core.library.Library.load`).
    layers : int, default 1
        How many of the last hidden layers to concatenate (1, 2 or 3).
    """

    def __init__(self, net: NetArrays | None = None, layers: int = 1):
        self.net = net
        self.layers = layers

    def fit(self, X, y=None):
        self.stack_ = StackedMLP.from_arrays([self.net])
        self.n_features_out_ = int(sum(w.shape[1] for w in self.net.weights[-self.layers:]))
        return self

    def transform(self, X) -> np.ndarray:
        Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        with torch.no_grad():  # a stack of one net has no padding
            Z = last_layers(self.stack_.hidden_layers(Xt), self.layers)[0]
        return Z.numpy().astype(np.float64)
