"""Crystal features of the pretrained CHGNet universal potential, for CIF inputs.

CHGNet 0.4.2 (Deng et al., Nat. Mach. Intell. 5, 1031 (2023); modified BSD licence)
ships its pretrained model 0.3.0 inside its wheel
(``chgnet/pretrained/0.3.0/chgnet_0.3.0_e29f68s314m37.pth.tar``), trained on the Materials
Project trajectory data set (MPtrj: about 1.58 million DFT frames of 146,000 inorganic
materials; energies, forces, stresses, magnetic moments).  The crystal feature is its
64-dim vector of the whole structure, pooled from the atom features before the energy
head (``predict_structure(..., return_crystal_feas=True)``).  Only the energy pass is run
(``task="e"``): no forces or stresses are needed for the features.

Importing chgnet takes a few seconds (it imports ASE): it happens on the first
featurization, not when the featurizer is built.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import warnings
from functools import lru_cache

import numpy as np

from core.domains import Domain
from core.errors import DataUnavailableError, InputError
from core.features.base import Featurizer
from core.features.structure import parse_cif
from core.paths import package_file

PACKAGE = "chgnet"
MODEL_VERSION = "0.3.0"
MODEL_FILE = "chgnet/pretrained/0.3.0/chgnet_0.3.0_e29f68s314m37.pth.tar"
WIDTH = 64
_BATCH = 16


def model_path():
    """The pretrained weights inside the installed chgnet wheel (DataUnavailableError if absent)."""
    return package_file(PACKAGE, MODEL_FILE)


@lru_cache(maxsize=1)
def load_chgnet():
    """The pretrained CHGNet 0.3.0 on the CPU, in evaluation mode."""
    try:
        from chgnet.model import CHGNet
    except ImportError as exc:
        raise DataUnavailableError(f"CHGNet features need the chgnet package (0.4.2), which cannot be imported "
                                   f"({exc}); run the set-up command in README.md") from None
    with contextlib.redirect_stdout(sys.stderr):  # CHGNet prints its size; stdout is for JSON
        model = CHGNet.load(model_name=MODEL_VERSION, use_device="cpu", verbose=False)
    return model.eval()


class CHGNetCrystalFeatures(Featurizer):
    """64-dim crystal features of CHGNet 0.3.0 for a crystal structure given as CIF text.

    Columns are ``chgnet_crystal_<i>`` for i in 0..63.  Only CIF inputs are read: a
    formula has no structure to give CHGNet.
    """

    name = "chgnet_crystal"
    domains = (Domain.INORGANIC,)
    #: Reads CIF text only, like ``structure``.
    cif_only = True

    def _check_params(self) -> None:
        model_path()  # DataUnavailableError naming the package when missing
        if importlib.util.find_spec("chgnet") is None:
            raise DataUnavailableError("CHGNet features need the chgnet package (0.4.2), which cannot be imported; "
                                       "run the set-up command in README.md")

    def _columns(self) -> list[str]:
        return [f"chgnet_crystal_{i}" for i in range(WIDTH)]

    def _featurize_many(self, values: list[str]) -> np.ndarray:
        structures = []
        for row, text in enumerate(values):
            try:
                structures.append(parse_cif(text))
            except ValueError as exc:
                raise InputError(f"row {row + 1}: {exc}") from None
        if not structures:
            return np.zeros((0, WIDTH))
        model = load_chgnet()
        with warnings.catch_warnings():  # CHGNet warns about a tensor-to-scalar conversion inside
            warnings.simplefilter("ignore", UserWarning)
            out = model.predict_structure(structures, task="e", return_crystal_feas=True, batch_size=_BATCH)
        out = out if isinstance(out, list) else [out]
        return np.vstack([np.asarray(o["crystal_fea"], dtype=np.float64).reshape(1, -1) for o in out])


def _register() -> None:
    """Add the featurizer to the package registry (core.features imports this module last)."""
    from core.features import FEATURIZERS

    FEATURIZERS.add(CHGNetCrystalFeatures.name, CHGNetCrystalFeatures)


_register()
