"""Featurizers: scikit-learn transformers from structure strings to fixed columns.

================  ===========================  ==========================================
name              domains                      columns
================  ===========================  ==========================================
morgan            molecule, polymer            Morgan counts, ``n_bits`` (default 2048)
maccs             molecule, polymer            167 MACCS keys
rdkit2d           molecule, polymer            216 RDKit 2D descriptors
composition       inorganic                    290 (classic) or 406 (full) XenonPy-style
element_fraction  inorganic                    94 atomic fractions, H to Pu
structure         inorganic (CIF text)         290 composition + 17 structural
================  ===========================  ==========================================

Polymers use the molecule featurizers on the repeat unit (see
:mod:`core.features.polymer` for how the ``*`` ends are handled), which is also how
molecule models are applied to polymers.

A structure a featurizer cannot read never costs the others:
:meth:`Featurizer.transform_report` returns the matrix and ``{index: reason}`` of the
failed rows, :func:`failed_rows` checks a list against several featurizers, and
:meth:`Featurizer.transform` raises :class:`FeaturizationError` (an InputError that
names the structure and its index in the list) for callers that want to stop.
"""

from __future__ import annotations

from typing import Any

from core.domains import Domain
from core.errors import InputError
from core.features.base import FeaturizationError, Featurizer
from core.features.checks import DEFAULT_FEATURIZERS, as_featurizers, default_featurizers, failed_rows
from core.features.composition import CompositionDescriptors, ElementFractions
from core.features.molecule import MACCSKeys, MorganCounts, RDKit2D
from core.features.structure import StructureDescriptors
from core.registry import Registry

FEATURIZERS: Registry[type[Featurizer]] = Registry("featurizer")
for _cls in (MorganCounts, MACCSKeys, RDKit2D, CompositionDescriptors, ElementFractions, StructureDescriptors):
    FEATURIZERS.add(_cls.name, _cls)

#: The featurizer used when a domain is given but no kind.
DEFAULT_KIND = {Domain.MOLECULE: "morgan", Domain.POLYMER: "morgan", Domain.INORGANIC: "composition"}


def make_featurizer(name: str, params: dict[str, Any] | None = None) -> Featurizer:
    """Build a featurizer from its registry name and parameters (InputError if unknown)."""
    cls = FEATURIZERS[name]
    params = dict(params or {})
    valid = cls().get_params()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise InputError(f"featurizer {name!r} has no parameter {', '.join(unknown)}; "
                         f"it takes: {', '.join(sorted(valid)) or 'none'}")
    try:
        return cls(**params).fit()
    except ValueError as exc:
        raise InputError(f"featurizer {name!r}: {exc}") from None


def from_spec(spec: dict) -> Featurizer:
    """Inverse of :meth:`Featurizer.spec`."""
    return make_featurizer(spec["name"], spec.get("params"))


def kinds_for(domain: Domain | str) -> list[str]:
    """Featurizer names that accept structures of ``domain`` (CIF-only ones excluded)."""
    domain = Domain.parse(domain)
    return [n for n, cls in FEATURIZERS.items() if domain in cls.domains and not getattr(cls, "cif_only", False)]


__all__ = ["DEFAULT_FEATURIZERS", "DEFAULT_KIND", "FEATURIZERS", "FeaturizationError", "Featurizer", "as_featurizers",
           "default_featurizers", "failed_rows", "from_spec", "kinds_for", "make_featurizer"]
from core.features import chemprop_fp, crystal_fp, embeddings  # noqa: E402,F401  registers pretrained representations
