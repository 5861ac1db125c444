"""Learned molecular fingerprints of the Chemprop v2 models that ADMET-AI ships.

ADMET-AI 2.0.1 (Swanson et al., Bioinformatics 2024; MIT) ships two ensembles of five
Chemprop v2 D-MPNN models inside its wheel, trained on the Therapeutics Data Commons
ADMET benchmark group: ``admet_regression/model_{0..4}.pt`` (10 regression tasks:
aqueous solubility, lipophilicity, hydration free energy, ...) and
``admet_classification/model_{0..4}.pt`` (31 classification tasks: blood-brain barrier,
toxicity, CYP inhibition, ...).  The fingerprint is the model's 300-dim learned molecule
vector, the input of its prediction head (:mod:`core.features.dmpnn` computes it from the
checkpoint, without importing chemprop).

Polymer repeat units are read through :mod:`core.features.polymer`: with
``polymer_ends="trimer"`` the read-out is summed over the middle copy of the trimer only
(its atoms see the chain on both sides, and the sum is per repeat unit), with
``"methyl"`` or ``"hydrogen"`` over the capped unit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.domains import Domain, parse_smiles
from core.errors import InputError
from core.features.base import Featurizer
from core.features.polymer import ENDS, is_repeat_unit, repeat_unit_to_mol
from core.paths import package_file

PACKAGE = "admet-ai"
TASK_SETS = ("regression", "classification")
N_MODELS = 5
#: Width of the fingerprint (Chemprop's hidden size in these checkpoints).
WIDTH = 300


def checkpoint_path(task_set: str, model: int) -> Path:
    """The checkpoint inside the installed admet-ai wheel (DataUnavailableError if absent)."""
    return package_file(PACKAGE, checkpoint_file(task_set, model))


def checkpoint_file(task_set: str, model: int) -> str:
    """Path of a checkpoint relative to site-packages."""
    return f"admet_ai/resources/models/admet_{task_set}/model_{int(model)}.pt"


class ChempropFingerprint(Featurizer):
    """300-dim learned fingerprint of one ADMET-AI Chemprop model.

    Parameters
    ----------
    task_set : {"regression", "classification"}, default "regression"
        Which ADMET-AI ensemble.
    model : int, default 0
        Ensemble member, 0 to 4.
    polymer_ends : {"trimer", "methyl", "hydrogen"}
        How repeat units are read (see the module docstring).

    Columns are ``chemprop_<reg|cls><model>_<i>`` for i in 0..299.
    """

    name = "chemprop_admet"
    domains = (Domain.MOLECULE, Domain.POLYMER)

    def __init__(self, task_set: str = "regression", model: int = 0, polymer_ends: str = "trimer"):
        self.task_set = task_set
        self.model = model
        self.polymer_ends = polymer_ends

    def _check_params(self) -> None:
        if self.task_set not in TASK_SETS:
            raise ValueError(f"task_set must be one of {', '.join(TASK_SETS)}, not {self.task_set!r}")
        if not isinstance(self.model, (int, np.integer)) or not 0 <= self.model < N_MODELS:
            raise ValueError(f"model must be an integer from 0 to {N_MODELS - 1}, not {self.model!r}")
        if self.polymer_ends not in ENDS:
            raise ValueError(f"polymer_ends must be one of {', '.join(ENDS)}, not {self.polymer_ends!r}")
        checkpoint_path(self.task_set, self.model)  # DataUnavailableError naming the package when missing

    def _columns(self) -> list[str]:
        return [f"chemprop_{self.task_set[:3]}{self.model}_{i}" for i in range(WIDTH)]

    def _molecule(self, text: str):
        if is_repeat_unit(text):
            return repeat_unit_to_mol(text, self.polymer_ends)
        return parse_smiles(text), None

    def _featurize_many(self, values: list[str]) -> np.ndarray:
        from core.features.dmpnn import mol_graph, read_encoder

        encoder = read_encoder(checkpoint_path(self.task_set, self.model))
        if encoder.width != WIDTH:
            raise ValueError(f"{self.label()}: the checkpoint gives {encoder.width} values, not {WIDTH}")
        graphs, atoms = [], []
        for row, text in enumerate(values):
            try:
                mol, middle = self._molecule(text)
            except ValueError as exc:
                raise InputError(f"row {row + 1}: {text!r} {exc}") from None
            graphs.append(mol_graph(mol))
            atoms.append(middle)
        if not graphs:
            return np.zeros((0, WIDTH))
        return encoder.fingerprints(graphs, atoms).astype(np.float64)


def _register() -> None:
    """Add the featurizer to the package registry (core.features imports this module last)."""
    from core.features import FEATURIZERS

    FEATURIZERS.add(ChempropFingerprint.name, ChempropFingerprint)


_register()
