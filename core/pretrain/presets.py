"""Build presets: which sources, descriptors, how many models, how much data and training.

A source's models are trained in stacks (see :mod:`core.pretrain.stacked`); the models of
one stack share their depth, which is drawn at random per stack, and may mix descriptors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.domains import Domain
from core.registry import Registry

DescriptorPlan = tuple[str, tuple[tuple[str, object], ...]]  # (featurizer name, sorted params)


def plan(name: str, **params) -> DescriptorPlan:
    """A descriptor in a preset: featurizer name and its parameters."""
    return (name, tuple(sorted(params.items())))


@dataclass(frozen=True)
class Preset:
    """What a library build makes.

    Parameters
    ----------
    stacks : dict
        For each domain, a list of stacks, each a list of descriptors, one per model.
    max_rows : int
        Rows sampled from each source (fixed seed) before the 80/10/10 split.
    """

    name: str
    description: str
    stacks: dict[Domain, list[list[DescriptorPlan]]]
    max_rows: int
    max_epochs: int
    patience: int
    batch_size: int = 256
    morgan_range: tuple[int, int] = (150, 400)
    weight_decay: float = 1e-5
    extra: dict = field(default_factory=dict)

    def models_per_source(self, domain: Domain) -> int:
        return sum(len(s) for s in self.stacks.get(domain, []))


PRESETS: Registry[Preset] = Registry("preset")

_MORGAN, _RDKIT, _MACCS = plan("morgan"), plan("rdkit2d"), plan("maccs")
_COMP, _COMP_FULL = plan("composition"), plan("composition", stats="full")
_ORGANIC_STARTER = [[_MORGAN, _MORGAN, _RDKIT, _MACCS], [_MORGAN, _MORGAN, _RDKIT, _MACCS]]
_ORGANIC_FULL = [[_MORGAN] * 8 + [_RDKIT] * 4 + [_MACCS] * 4 for _ in range(4)]

PRESETS.add("starter", Preset(
    name="starter",
    description="Shipped with the app: every source, 8 models per molecule/polymer source (Morgan, RDKit 2D, "
                "MACCS), 6 per inorganic source, 6,000 rows per source.",
    stacks={Domain.MOLECULE: _ORGANIC_STARTER, Domain.POLYMER: _ORGANIC_STARTER,
            Domain.INORGANIC: [[_COMP] * 3, [_COMP] * 3]},
    max_rows=6000, max_epochs=60, patience=8,
))
PRESETS.add("full", Preset(
    name="full",
    description="A large library: 64 models per source (4 stacks of 16), up to 50,000 rows per source.",
    stacks={Domain.MOLECULE: _ORGANIC_FULL, Domain.POLYMER: _ORGANIC_FULL,
            Domain.INORGANIC: [[_COMP] * 12 + [_COMP_FULL] * 4 for _ in range(4)]},
    max_rows=50_000, max_epochs=120, patience=12,
))
PRESETS.add("tiny", Preset(
    name="tiny",
    description="For tests and demos: 2 models per source, 400 rows, a few epochs.",
    stacks={Domain.MOLECULE: [[_MORGAN, _MACCS]], Domain.POLYMER: [[_MORGAN, _MACCS]],
            Domain.INORGANIC: [[_COMP, _COMP]]},
    max_rows=400, max_epochs=6, patience=3, batch_size=128, morgan_range=(40, 80),
))
