"""Which structures a set of featurizers cannot read, and why.

Validation, screens, predictions and library builds all ask the same question before
featurizing: which rows would any featurizer in use fail on?  :func:`failed_rows` answers
it with ``{index: reason}`` (indices from 0, in the order given), so the caller can name
the line of the file and leave those rows out instead of failing on the first one.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from core.domains import Domain
from core.features.base import Featurizer

#: The featurizers a screen of each domain uses unless the library says otherwise.
DEFAULT_FEATURIZERS = {
    Domain.MOLECULE: ("morgan", "maccs", "rdkit2d"),
    Domain.POLYMER: ("morgan", "maccs", "rdkit2d"),
    Domain.INORGANIC: ("composition", "element_fraction"),
}


def as_featurizers(items: Iterable[Featurizer | str | Mapping], polymer_ends: str | None = None) -> list[Featurizer]:
    """Featurizers from objects, registry names or specs (``{"name": ..., "params": ...}``).

    ``polymer_ends`` is given to the featurizers built here that take it.
    """
    from core.features import FEATURIZERS, make_featurizer

    out = []
    for item in items:
        if isinstance(item, Featurizer):
            out.append(item)
            continue
        name, params = (item, {}) if isinstance(item, str) else (item["name"], dict(item.get("params") or {}))
        if polymer_ends is not None and "polymer_ends" in FEATURIZERS[name]().get_params():
            params.setdefault("polymer_ends", polymer_ends)
        out.append(make_featurizer(name, params))
    return out


def default_featurizers(domain: Domain | str, polymer_ends: str = "trimer") -> list[Featurizer]:
    """:data:`DEFAULT_FEATURIZERS` of ``domain``, built with default parameters."""
    return as_featurizers(DEFAULT_FEATURIZERS[Domain.parse(domain)], polymer_ends)


def merge_failures(per_featurizer: Mapping[str, Mapping[int, str]]) -> dict[int, str]:
    """One reason per failed index from ``{featurizer label: {index: reason}}``.

    Featurizers that fail a structure for the same reason are named together, e.g.
    ``"RDKit cannot build the capped chain (...) (morgan, maccs, rdkit2d cannot read it)"``.
    """
    by_index: dict[int, dict[str, list[str]]] = {}
    for label, failures in per_featurizer.items():
        for index, reason in failures.items():
            by_index.setdefault(int(index), {}).setdefault(reason, []).append(label)
    return {index: "; ".join(f"{reason} ({', '.join(names)} cannot read it)" for reason, names in reasons.items())
            for index, reasons in sorted(by_index.items())}


def failed_rows(structures: Sequence[str], featurizers: Iterable[Featurizer | str | Mapping],
                polymer_ends: str | None = None) -> dict[int, str]:
    """``{index: reason}`` of the structures that any of ``featurizers`` cannot read.

    Parameters
    ----------
    structures : sequence of str
        Structure strings as the featurizers receive them.
    featurizers : iterable
        Featurizer objects, registry names or specs (see :func:`as_featurizers`).
    polymer_ends : str, optional
        ``polymer_ends`` for the featurizers built from names or specs here.
    """
    values = [str(s) for s in structures]
    checked = {}
    for featurizer in as_featurizers(featurizers, polymer_ends):
        key = featurizer.name if featurizer.name not in checked else featurizer.label()
        checked[key] = featurizer.check(values)
    return merge_failures(checked)


__all__ = ["DEFAULT_FEATURIZERS", "as_featurizers", "default_featurizers", "failed_rows", "merge_failures"]
