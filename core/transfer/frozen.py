"""Frozen features: the hidden activations of pretrained nets as descriptors of a target.

:func:`frozen_features` runs a stack of nets at once (see :func:`stack_chunks`) and
returns, for each, the activations of its last ``layers`` hidden layers on the target
rows.
:class:`FrozenFeatures` is the same for one net as a scikit-learn transformer, so a
pipeline ``FrozenFeatures -> regressor`` is an ordinary estimator.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin

from core.pretrain.stacked import NetArrays, StackedMLP

#: Nets stacked together for one forward pass.
STACK_SIZE = 256


def last_layers(hidden: Sequence[torch.Tensor], layers: int) -> torch.Tensor:
    """Concatenate the last ``layers`` hidden activations: (M, n, sum of widths)."""
    layers = max(1, min(int(layers), len(hidden)))
    return torch.cat(list(hidden[-layers:]), dim=2)


def group_by_depth(nets: dict[str, NetArrays]) -> dict[int, list[str]]:
    """Model ids grouped by network depth (a stack needs one depth)."""
    groups: dict[int, list[str]] = {}
    for model_id, net in nets.items():
        groups.setdefault(len(net.weights), []).append(model_id)
    return groups


def stack_chunks(nets: dict[str, NetArrays], stack_size: int = STACK_SIZE) -> list[list[str]]:
    """Model ids in the stacks they are run in: one depth per stack, nets of similar size
    together (less padding), ordered by activation inside a stack (one pass each).

    Both the in-process and the distributed screens use these chunks, so they compute
    exactly the same numbers.
    """
    chunks = []
    for _, ids in sorted(group_by_depth(nets).items()):
        ids = sorted(ids, key=lambda i: (len(nets[i].input_index), [w.shape[1] for w in nets[i].weights], i))
        for lo in range(0, len(ids), stack_size):
            chunks.append(sorted(ids[lo : lo + stack_size], key=lambda i: (nets[i].activation, i)))
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
