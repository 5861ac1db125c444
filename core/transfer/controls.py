"""The random-network control: every pretrained net's twin with random weights.

A twin has the net's depth, widths, activation, descriptor columns and input scalers, and
weights drawn as a fresh net would start (uniform in +-1/sqrt(fan-in), PyTorch's default),
seeded by the screen's seed and the model id.  Screened beside the pretrained nets, the
twins tell how much of a gain is *pretraining* and how much is choosing the best of many
random feature sets.
"""

from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np

from core.nets import NetArrays


def random_twin(net: NetArrays, model_id: str, seed: int = 0) -> NetArrays:
    """``net`` with random weights (same shapes, inputs and scalers), seeded by ``seed`` and ``model_id``."""
    rng = np.random.default_rng([int(seed), zlib.crc32(model_id.encode())])

    def draw(shape, fan_in: int) -> np.ndarray:
        bound = 1.0 / np.sqrt(max(1, fan_in))
        return rng.uniform(-bound, bound, size=shape).astype(np.float32)

    weights = [draw(w.shape, w.shape[0]) for w in net.weights]
    biases = [draw(b.shape, w.shape[0]) for w, b in zip(net.weights, net.biases)]
    last = net.weights[-1].shape[1]
    return replace(net, weights=weights, biases=biases, out_weight=draw(net.out_weight.shape, last),
                   out_bias=float(draw((), last)))


def random_twins(nets: dict[str, NetArrays], seed: int = 0) -> dict[str, NetArrays]:
    """The twin of every net, keyed by the same model ids."""
    return {model_id: random_twin(net, model_id, seed) for model_id, net in nets.items()}
