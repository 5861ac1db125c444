"""Polymer repeat units made from real monomers by reaction rules.

Repeat units from real monomers by the reaction rules of :mod:`core.polymerize`
(vinyl/acrylate/methacrylate addition, ring-opening of lactones, lactams and cyclic
ethers, diacid + diol/diamine condensation).  Monomers: the ``chemicals`` package's
PubChem identifier tables (small table of common chemicals first, then the large one,
each by CID) and QM9.  Addition and ring-opening use every sensible monomer; QM9's
ring-opened units are capped per rule and condensation pairs are capped per rule
(all pairs among the common chemicals, then pairs drawn with a fixed seed), so the set
stays a few thousand units.  QM9 has no CH2= monomers and no diacids, and condensation
partners are drawn from the chemicals tables only (QM9's diols are mostly strained
polycyclics).

The table is cached on disk, keyed by the monomer files' hashes, the RDKit version and
:data:`GENERATOR_VERSION`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.cache import cached_table, file_digest
from core.datasets import qm9
from core.datasets.chemicals_identifiers import PUBCHEM_LARGE, PUBCHEM_SMALL, read_identifiers
from core.paths import package_file

#: Monomer sources, each ``<distribution>/<path>`` (the first part names the distribution).
MONOMER_FILES = (PUBCHEM_SMALL, PUBCHEM_LARGE, *qm9.FILES)
GENERATOR_VERSION = "2"
SEED = 0
#: Most QM9 units kept per ring-opening rule (QM9 alone gives about 7,000).
QM9_CAPS = {"cyclic_ether_rop": 800, "lactone_rop": 500, "lactam_rop": 500}
#: Most condensation units per rule.
CONDENSATION_CAP = 900


def monomer_paths() -> list[Path]:
    """The monomer source files (DataUnavailableError if a package is missing)."""
    return [package_file(rel.split("/")[0], rel) for rel in MONOMER_FILES]


def _monomers_of(rel: str) -> pd.DataFrame:
    """CID, SMILES and common name of the entries of one identifier table, by CID."""
    table = read_identifiers(package_file("chemicals", rel))[["cid", "smiles", "name"]]
    return table.dropna(subset=["cid", "smiles"]).sort_values("cid", kind="stable")


def monomer_table() -> pd.DataFrame:
    """Sensible monomers, canonical and without stereo, most common first.

    Columns ``smiles``, ``name``, ``source`` (``chemicals-small``, ``chemicals``, ``qm9``).
    """
    from rdkit import Chem

    from core.polymerize import prepare_monomer

    small, large = (_monomers_of(f) for f in (PUBCHEM_SMALL, PUBCHEM_LARGE))
    qm = pd.DataFrame({"smiles": qm9.raw_table()["structure"], "name": ""})
    frames = [small.assign(source="chemicals-small"), large.assign(source="chemicals"), qm.assign(source="qm9")]
    raw = pd.concat([f[["smiles", "name", "source"]] for f in frames], ignore_index=True)
    canon = []
    for smi in raw["smiles"]:
        mol = prepare_monomer(smi)
        canon.append(Chem.MolToSmiles(mol) if mol is not None else None)
    raw["smiles"] = canon
    raw["name"] = raw["name"].fillna("").astype(str)
    return raw.dropna(subset=["smiles"]).drop_duplicates("smiles").reset_index(drop=True)


def units_table() -> pd.DataFrame:
    """Distinct repeat units with ``structure``, ``rule``, ``monomers``, ``names``, ``source`` (cached)."""
    import rdkit

    key = {
        "polymer_units": GENERATOR_VERSION,
        "rdkit": rdkit.__version__,
        "seed": SEED,
        "caps": [QM9_CAPS, CONDENSATION_CAP],
        "files": [file_digest(p) for p in monomer_paths()],
    }
    return cached_table("polymer_units", key, _build_units)


def _build_units() -> pd.DataFrame:
    from rdkit import Chem

    from core.polymerize import condensation_class, cyclic_key, single_monomer_units

    monomers = monomer_table()
    rows, classes = [], {"diacid": [], "diol": [], "diamine": []}
    for smi, name, source in zip(monomers["smiles"], monomers["name"], monomers["source"]):
        mol = Chem.MolFromSmiles(smi)
        for rule, unit in single_monomer_units(mol):
            rows.append((unit, rule, smi, name, source))
        kind = condensation_class(mol) if source != "qm9" else None
        if kind:
            classes[kind].append((smi, name, source))
    single = pd.DataFrame(rows, columns=["structure", "rule", "monomers", "names", "source"])
    rng = np.random.default_rng(SEED)
    parts = [single[single["source"] != "qm9"]]
    for rule, group in single[single["source"] == "qm9"].groupby("rule", sort=True):
        cap = QM9_CAPS.get(rule, len(group))
        keep = np.sort(rng.choice(len(group), size=min(cap, len(group)), replace=False))
        parts.append(group.iloc[keep])
    for rule, partner in (("polyester", "diol"), ("polyamide", "diamine")):
        parts.append(_condensation_units(rule, classes["diacid"], classes[partner], rng))
    table = pd.concat(parts, ignore_index=True).drop_duplicates("structure")
    # the same polymer written in another frame (e.g. from two rules) is kept once
    key = table["structure"].map(cyclic_key)
    return table[~key.duplicated()].reset_index(drop=True)


def _condensation_units(rule, acids, partners, rng) -> pd.DataFrame:
    """Up to :data:`CONDENSATION_CAP` units: every pair of common chemicals, then seeded draws."""
    from core.polymerize import polymerize

    common = [(i, j) for i, a in enumerate(acids) for j, b in enumerate(partners)
              if a[2] == "chemicals-small" and b[2] == "chemicals-small"]
    seen = set(common)
    order = rng.permutation(len(acids) * len(partners))
    pairs = common + [divmod(int(k), len(partners)) for k in order if divmod(int(k), len(partners)) not in seen]
    rows = []
    for i, j in pairs:
        if len(rows) >= CONDENSATION_CAP:
            break
        (a, a_name, a_src), (b, b_name, b_src) = acids[i], partners[j]
        unit = polymerize(rule, a, b)
        if unit is not None:
            source = a_src if a_src == b_src else f"{a_src}+{b_src}"
            rows.append((unit, rule, f"{a}.{b}", f"{a_name} + {b_name}", source))
    return pd.DataFrame(rows, columns=["structure", "rule", "monomers", "names", "source"])
