"""Random architectures and descriptor subsets, as in XenonPy's shotgun library.

Each model draws a random subset of its descriptor's columns: 150 to 400 of the
fingerprint bits for Morgan counts (XenonPy's organic models used 150-400 random bits),
half to all of the columns for the smaller descriptors, from the columns that vary in
the source data (constant columns carry nothing to learn).  Each model also draws its
activation, dropout rate and learning rate.  The hidden layers, 2 to 5 of decreasing
width ``sorted(uniform(0.1, 0.6) x n_inputs)`` (at least 8 units), are drawn once per
*stack* of models trained together (:func:`sample_stack`), with ``n_inputs`` the
stack's mean subset size: nets of one stack then need no padding beyond their first
layer, which keeps batched training efficient; depths and widths vary between stacks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

ACTIVATIONS = ("relu", "leaky_relu", "silu", "tanh")
DEPTHS = (2, 3, 4, 5)
DROPOUTS = (0.0, 0.0, 0.1, 0.2)
MIN_WIDTH = 8


@dataclass(frozen=True)
class Architecture:
    """Hidden widths (input to output), activation, dropout and learning rate of one net."""

    hidden: tuple[int, ...]
    activation: str
    dropout: float
    lr: float

    @property
    def depth(self) -> int:
        return len(self.hidden)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Architecture":
        return cls(tuple(int(h) for h in data["hidden"]), data["activation"], float(data["dropout"]),
                   float(data["lr"]))


def subset_size(rng: np.random.Generator, descriptor: str, n_available: int,
                morgan_range: tuple[int, int] = (150, 400)) -> int:
    """How many descriptor columns a model sees."""
    if descriptor == "morgan":
        low, high = morgan_range
        size = int(rng.integers(low, high + 1))
    else:
        size = int(round(rng.uniform(0.5, 1.0) * n_available))
    return int(np.clip(size, 1, n_available))


def sample_subset(rng: np.random.Generator, descriptor: str, usable: np.ndarray,
                  morgan_range: tuple[int, int] = (150, 400)) -> np.ndarray:
    """Sorted random subset of the usable (non-constant) column indices."""
    size = subset_size(rng, descriptor, len(usable), morgan_range)
    return np.sort(rng.choice(usable, size=size, replace=False)).astype(np.int64)


def sample_architecture(rng: np.random.Generator, n_inputs: int, depth: int | None = None) -> Architecture:
    """Random depth (2-5), decreasing widths, activation, dropout and learning rate."""
    depth = int(depth if depth is not None else rng.choice(DEPTHS))
    widths = sorted((max(MIN_WIDTH, int(round(f * n_inputs))) for f in rng.uniform(0.1, 0.6, size=depth)),
                    reverse=True)
    return Architecture(
        hidden=tuple(int(w) for w in widths),
        activation=str(rng.choice(ACTIVATIONS)),
        dropout=float(rng.choice(DROPOUTS)),
        lr=float(10 ** rng.uniform(np.log10(3e-4), np.log10(3e-3))),
    )


def sample_stack(rng: np.random.Generator, subset_sizes: list[int], depth: int | None = None) -> list[Architecture]:
    """Architectures of one stack: shared depth and widths, per-model activation, dropout, lr."""
    shared = sample_architecture(rng, int(round(float(np.mean(subset_sizes)))), depth)
    out = []
    for _ in subset_sizes:
        own = sample_architecture(rng, 8, shared.depth)
        out.append(Architecture(shared.hidden, own.activation, own.dropout, own.lr))
    return out
