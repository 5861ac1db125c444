"""Build presets: which sources, descriptors, how many models, how much data and training.

A source's models are trained in stacks (see :mod:`core.pretrain.stacked`); the models of
one stack share their depth and hidden widths, drawn at random per stack, and may mix
descriptors.  Morgan models are stacked on their own so that their sparse first layer
(:mod:`core.pretrain.sparse`) can be used.
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
    batch_size: int = 64
    morgan_range: tuple[int, int] = (150, 400)
    weight_decay: float = 1e-5
    sources: tuple[str, ...] | None = None  # None: every registered source
    extra: dict = field(default_factory=dict)

    def models_per_source(self, domain: Domain) -> int:
        return sum(len(s) for s in self.stacks.get(domain, []))


PRESETS: Registry[Preset] = Registry("preset")

#: The 55 sources of the shipped starter library (the full preset uses every source):
#: chosen to cover each domain's kinds of property, with the intensive variants of the
#: extensive ones, within the 40 MB the shipped library may take.
STARTER_SOURCES = (
    # molecules: QM9 (DFT) ...
    "qm9_mu", "qm9_alpha", "qm9_alpha_per_atom", "qm9_alpha_per_volume", "qm9_homo", "qm9_lumo", "qm9_gap",
    "qm9_r2", "qm9_zpve_per_atom", "qm9_u0_atom", "qm9_cv", "qm9_cv_per_mass", "qm9_cv_per_atom",
    # ... and measured properties from chemicals
    "chemicals_tm", "chemicals_tb", "chemicals_tc", "chemicals_pc", "chemicals_vc_per_mass", "chemicals_omega",
    "chemicals_hf_gas_per_atom", "chemicals_s0_gas_per_mass", "chemicals_density", "chemicals_logp",
    "chemicals_nd", "chemicals_hvap_per_mass", "chemicals_cp_liquid_per_mass",
    # polymers: group-contribution estimates
    "polymer_tg", "polymer_density", "polymer_molar_volume", "polymer_ced", "polymer_solubility_parameter",
    "polymer_td_half", "polymer_bulk_modulus", "polymer_youngs_modulus", "polymer_shear_modulus",
    "polymer_fracture_stress", "polymer_log_perm_o2",
    # inorganic compounds
    "oqmd_formation_enthalpy", "oqmd_bandgap", "oqmd_volume_per_atom", "mp_e_form", "mp_gap", "mp_e_hull",
    "critexam_ed", "aflow_bulk_modulus", "aflow_shear_modulus", "aflow_debye_temperature",
    "aflow_thermal_conductivity", "mp_log_bulk_modulus", "mp_refractive_index", "perovskite_e_form",
    "transport_log_sigma_p", "transport_seebeck_p", "transport_log_pf_p", "transport_log_mass_p",
)

_MORGAN, _RDKIT, _MACCS = plan("morgan"), plan("rdkit2d"), plan("maccs")
_COMP, _COMP_FULL = plan("composition"), plan("composition", stats="full")
_ORGANIC_STARTER = [[_MORGAN] * 4, [_RDKIT, _RDKIT, _MACCS, _MACCS]]
_ORGANIC_FULL = [[_MORGAN] * 32, [_RDKIT] * 16 + [_MACCS] * 16]

def _embedding(name: str, stats: str = "mean") -> DescriptorPlan:
    return plan("element_embedding", embedding=name, stats=stats)


#: Nets on learned element embeddings in the starter library (two stacks of similar input width).
_STARTER_EMBEDDINGS = [[_embedding("megnet16", "classic"), _embedding("magpie", "classic")],
                       [_embedding("mat2vec"), _embedding("mace_mp0")]]

PRESETS.add("starter", Preset(
    name="starter",
    description="Shipped with the app: 55 sources, 8 models per molecule/polymer source (4 Morgan, 2 RDKit 2D, "
                "2 MACCS), 11 per inorganic source (7 XenonPy composition, 4 on element embeddings: MEGNet, "
                "Magpie, mat2vec, MACE-MP-0), 6,000 rows per source.",
    stacks={Domain.MOLECULE: _ORGANIC_STARTER, Domain.POLYMER: _ORGANIC_STARTER,
            Domain.INORGANIC: [[_COMP] * 4, [_COMP] * 3] + _STARTER_EMBEDDINGS},
    max_rows=6000, max_epochs=60, patience=8, sources=STARTER_SOURCES,
))
PRESETS.add("full", Preset(
    name="full",
    description="A large library: 64 models per source (2 stacks of 32), up to 50,000 rows per source.",
    stacks={Domain.MOLECULE: _ORGANIC_FULL, Domain.POLYMER: _ORGANIC_FULL,
            Domain.INORGANIC: [[_COMP] * 32, [_COMP_FULL] * 32]},
    max_rows=50_000, max_epochs=120, patience=12,
))
#: Composition nets on element embeddings, stacked by similar input width (a stack's
#: hidden widths are drawn from its mean subset size): 64-256, 128-256 and 512-768 columns.
#: Oliynyk's table stops at uranium: nets on it would make a build leave out every
#: compound with a heavier actinide from all nets of the source, so it has none here.
_EMBEDDING_STACKS = [
    [_embedding("megnet16", "classic")] * 3 + [_embedding("magpie", "classic")] * 3
    + [_embedding("chgnet", "classic")] * 2,
    [_embedding("mace_mp0")] * 2 + [_embedding("sevennet")] * 2 + [_embedding("mat2vec")] * 2
    + [_embedding("skipatom")] * 2 + [_embedding("orb_v2")] * 2,
    [_embedding("crystallm")] * 2 + [_embedding("matscibert")] * 2,
]
_ORGANIC_MEDIUM = [[_MORGAN] * 12, [_RDKIT] * 6 + [_MACCS] * 6]

PRESETS.add("medium", Preset(
    name="medium",
    description="Every registered source: 24 models per molecule/polymer source (12 Morgan, 6 RDKit 2D, 6 MACCS), "
                "30 per inorganic source (8 XenonPy composition, 22 on element embeddings and Magpie element "
                "data), 10,000 rows per source.",
    stacks={Domain.MOLECULE: _ORGANIC_MEDIUM, Domain.POLYMER: _ORGANIC_MEDIUM,
            Domain.INORGANIC: [[_COMP] * 8] + _EMBEDDING_STACKS},
    max_rows=10_000, max_epochs=60, patience=8,
))
PRESETS.add("tiny", Preset(
    name="tiny",
    description="For tests and demos: 2 models per source, 400 rows, a few epochs.",
    stacks={Domain.MOLECULE: [[_MORGAN], [_MACCS]], Domain.POLYMER: [[_MORGAN], [_MACCS]],
            Domain.INORGANIC: [[_COMP, _COMP]]},
    max_rows=400, max_epochs=6, patience=3, batch_size=64, morgan_range=(40, 80),
))
