"""Group-contribution ESTIMATES of polymer properties for every generated repeat unit.

Properties of every unit of :func:`core.datasets.polymer_units.units_table` from
Bicerano's group-contribution correlations as implemented by
``polymer_property_prediction`` 1.0.11 (IBM), at 298.15 K and 101325 Pa.  These are
ESTIMATES, not measurements (polystyrene Tg 385 K vs about 373 K measured; PMMA 366 K vs
about 378 K; PET 386 K vs about 343 K).  The package reads the SMILES text itself and needs
it written ``[*:1]...[*:2]`` with the backbone as the main chain (:func:`package_smiles`);
the 301 K often quoted for PMMA comes from its misreading ``[*:1]CC(C)([*:2])C(=O)OC``.
Units the package rejects, values that change with the way an equivalent SMILES is
written, and values that are not finite or outside :data:`RANGES` are dropped per
property.

The table is cached on disk, keyed by the monomer files' hashes, the RDKit and package
versions and :data:`PROPERTY_VERSION`.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from core.cache import cached_table, file_digest
from core.datasets.polymer_units import GENERATOR_VERSION, SEED, monomer_paths, units_table
from core.paths import package_version

PACKAGE = "polymer_property_prediction"
PROPERTY_VERSION = "1"

#: Conditions passed to the package.  Mn and concentration only enter its solution
#: viscosity, which is not registered.
TEMPERATURE_K = 298.15
PRESSURE_PA = 101325.0
MN_G_MOL = 100_000.0
CONCENTRATION_WT = 1.0

#: Plausible ranges; estimates outside are numerical failures of the correlations.
RANGES = {
    "tg": (100.0, 900.0),
    "density": (0.5, 3.5),
    "molar_volume": (5.0, 1000.0),
    "ced": (50.0, 3000.0),
    "td_half": (300.0, 1500.0),
    "bulk_modulus": (0.05, 100.0),
    "youngs_modulus": (0.01, 100.0),
    "shear_modulus": (0.005, 50.0),
    "fracture_stress": (1.0, 5000.0),
    "perm_o2": (1e-8, 1e8),
    "perm_n2": (1e-8, 1e8),
    "perm_co2": (1e-8, 1e8),
}
#: Bicerano's moduli equations (11.10-11.13) hold below Tg only; above it the package's
#: Poisson ratio passes 0.5 and Young's and shear moduli turn negative or explode.
GLASSY_ONLY = ("youngs_modulus", "shear_modulus", "fracture_stress")
#: Depend on one embedded conformer's head-to-tail distance (noisy, not a parsing bug).
CONFORMER_DEPENDENT = ("youngs_modulus", "shear_modulus", "fracture_stress")
PROPERTIES = tuple(RANGES)


def package_smiles(unit: str) -> str | None:
    """``unit`` written ``[*:1]...[*:2]`` (head end first, tail end last) as the package needs.

    The package reads the SMILES text, not just the molecule: it locates the head and tail
    atoms by counting characters and, in its hydroxyl count, takes the second and the
    second-to-last atoms of the text as the end atoms.  Written any other way a unit gets
    other estimates (PET's Tg moves by 19 K; PMMA written ``[*:1]CC(C)([*:2])C(=O)OC``
    has its tail misread and gets 301 K instead of 366 K), so the backbone is written as
    the main chain from ``[*:1]`` to a final ``[*:2]`` and the package's own head/tail
    answer is checked against RDKit's.  None if no rendering passes.
    """
    texts = package_texts(unit, 1)
    return texts[0] if texts else None


def package_texts(unit: str, n: int = 3) -> list[str]:
    """Up to ``n`` distinct renderings of ``unit`` that pass :func:`package_smiles`'s checks:
    the canonical one, then the reverse orientation, then other atom orders (seeded)."""
    from rdkit import Chem

    mol = Chem.MolFromSmiles(unit)
    rng = np.random.default_rng(SEED)
    texts: list[str] = []
    for attempt in range(12):
        head, tail = (0, 1) if attempt % 2 == 0 else (1, 0)
        work = Chem.Mol(mol)
        if attempt >= 2:  # other atom orders give other, equivalent texts
            work = Chem.RenumberAtoms(work, [int(i) for i in rng.permutation(work.GetNumAtoms())])
        stars = [a for a in work.GetAtoms() if a.GetAtomicNum() == 0]
        stars[head].SetAtomMapNum(1)
        stars[tail].SetAtomMapNum(2)
        text = _star_last(Chem.MolToSmiles(work, rootedAtAtom=stars[head].GetIdx(), canonical=attempt < 2))
        if text is not None and text not in texts and _package_reads(text, Chem.MolToSmiles(work)):
            texts.append(text)
            if len(texts) == n:
                break
    return texts


def _star_last(text: str, tag: str = "[*:2]") -> str | None:
    """Rewrite ``text`` so that ``tag`` comes last, by moving the branches that hold it to the
    end of their scope (``X(B)R`` -> ``X(R)B``); None if that fails."""
    for _ in range(64):
        pos = text.find(tag)
        if pos < 0:
            return None
        if pos + len(tag) == len(text):
            return text
        opening = _scope_start(text, pos)
        if opening is None:
            return None
        closing = _scope_end(text, opening + 1)
        end = _scope_end(text, closing + 1)
        rest = text[closing + 1:end]
        text = text[:opening] + (f"({rest})" if rest else "") + text[opening + 1:closing] + text[end:]
    return None


def _scope_start(text: str, pos: int) -> int | None:
    depth = 0
    for i in range(pos - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            if depth == 0:
                return i
            depth -= 1
    return None


def _scope_end(text: str, start: int) -> int:
    """Index of the ``)`` closing the scope that ``start`` lies in (or len(text))."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            if depth == 0:
                return i
            depth -= 1
    return len(text)


def _package_reads(text: str, reference: str) -> bool:
    """``text`` is ``[*:1]...[*:2]``, is the reference molecule, and the package finds its ends."""
    from polymer_property_prediction.polymer_properties_from_smiles import HeadTailAtoms
    from rdkit import Chem

    if not (text.startswith("[*:1]") and text.endswith("[*:2]")):
        return False
    mol = Chem.MolFromSmiles(text)
    if mol is None or Chem.MolToSmiles(mol) != reference:
        return False
    try:
        found = [int(x) for x in HeadTailAtoms(text)]
    except Exception:  # noqa: BLE001 - the package's parser indexes past the string on odd input
        return False
    stars = {a.GetAtomMapNum(): a for a in mol.GetAtoms() if a.GetAtomicNum() == 0}
    star_idx = [a.GetIdx() for a in stars.values()]
    want = []
    for number in (1, 2):
        neighbour = stars[number].GetNeighbors()[0].GetIdx()
        want.append(neighbour - sum(i < neighbour for i in star_idx))
    return found == want


def estimate(unit: str) -> dict:
    """All registered properties of one repeat unit (NaN where invalid), ``status`` and
    ``inconsistent``.

    When the backbone runs through a ring the package's answer can depend on how the
    SMILES is written (it does not otherwise); such units are estimated from three
    renderings and a property is kept only where they agree to 0.1 %; the names of the
    others are listed in ``inconsistent``.  Young's and shear moduli and fracture stress
    also depend on the head-to-tail distance in one embedded 3D conformer, which changes
    with the atom order (median 0.1 %, 90th percentile 13 % between renderings); for
    those the median over the renderings is kept.
    """
    import math

    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    out = {name: math.nan for name in PROPERTIES}
    mol = Chem.MolFromSmiles(unit)
    stars = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() == 0]
    ring_backbone = any(mol.GetAtomWithIdx(i).IsInRing() for i in Chem.GetShortestPath(mol, *stars))
    texts = package_texts(unit, 3 if ring_backbone else 1)
    if not texts:
        return {**out, "status": "ends not read right by package", "inconsistent": ""}
    runs, error = [], ""
    for text in texts:
        try:
            runs.append(_run_package(unit, text))
        except Exception as exc:  # noqa: BLE001 - the package raises many types on units it cannot handle
            error = f"error: {type(exc).__name__}"
    if not runs:
        return {**out, "status": error, "inconsistent": ""}
    inconsistent = []
    for name in PROPERTIES:
        values = np.array([run[name] for run in runs])
        if name in CONFORMER_DEPENDENT:
            out[name] = float(np.median(values))
        elif np.isfinite(values).all() and np.ptp(values) <= 1e-3 * abs(values[0]):
            out[name] = float(values[0])
        else:
            inconsistent.append(name)
    glassy = out["tg"] > TEMPERATURE_K  # False for NaN
    for name, (low, high) in RANGES.items():
        if not (low <= out[name] <= high) or (name in GLASSY_ONLY and not glassy):
            out[name] = math.nan
    return {**out, "status": "ok", "inconsistent": ",".join(inconsistent)}


def _run_package(unit: str, text: str) -> dict[str, float]:
    """The package's raw answer for one rendering, in this module's units."""
    from polymer_property_prediction.molecule import Molecule
    from polymer_property_prediction.polymer_properties_from_smiles import calculateMol

    row = calculateMol(Molecule(unit, text, TEMPERATURE_K, PRESSURE_PA, CONCENTRATION_WT, MN_G_MOL)).iloc[0]
    raw = {key: float(row[col]) for key, col in _PACKAGE_COLUMNS.items()}
    volume = raw["molar_volume"]
    return {
        "tg": raw["tg"],
        "density": raw["density"],
        "molar_volume": volume,
        "ced": raw["ecoh"] / volume if volume else float("nan"),
        "td_half": raw["td_half"],
        "bulk_modulus": raw["bulk_mpa"] / 1000,
        "youngs_modulus": raw["youngs_mpa"] / 1000,
        "shear_modulus": raw["shear_mpa"] / 1000,
        "fracture_stress": raw["fracture_mpa"],
        "perm_o2": raw["perm_o2"],
        "perm_n2": raw["perm_n2"],
        "perm_co2": raw["perm_co2"],
    }


_PACKAGE_COLUMNS = {
    "tg": "tg_k",
    "density": "density_at_298_k_gcm3",
    "molar_volume": "molar_volume_cm3mol",
    "ecoh": "ecoh1_at_298_k_jmol",
    "td_half": "temperature_of_half_decomposition_k",
    "bulk_mpa": "bulk_modulus_mpa",
    "youngs_mpa": "youngs_modulus_mpa",
    "shear_mpa": "shear_modulus_mpa",
    "fracture_mpa": "brittle_fracture_stress_mpa",
    "perm_o2": "permeability_o2_barrer",
    "perm_n2": "permeability_n2_barrer",
    "perm_co2": "permeability_co2_barrer",
}


def _estimate_many(units: list[str]) -> list[dict]:
    return [estimate(u) for u in units]


def properties_table(workers: int | None = None) -> pd.DataFrame:
    """:func:`units_table` plus every estimate and a ``status`` per unit (cached).

    The first build runs the package on every unit (tens of ms each) in ``workers``
    processes (default: all cores).
    """
    import rdkit

    key = {
        "polymer_properties": [GENERATOR_VERSION, PROPERTY_VERSION],
        "package": package_version(PACKAGE),
        "rdkit": rdkit.__version__,
        "conditions": [TEMPERATURE_K, PRESSURE_PA, MN_G_MOL, CONCENTRATION_WT],
        "ranges": RANGES,
        "files": [file_digest(p) for p in monomer_paths()],
    }
    return cached_table("polymer_properties", key, lambda: _build_properties(workers))


def _build_properties(workers: int | None) -> pd.DataFrame:
    units = units_table()
    smiles = units["structure"].tolist()
    chunks = [smiles[i:i + 100] for i in range(0, len(smiles), 100)]
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = [r for chunk in pool.map(_estimate_many, chunks) for r in chunk]
    else:
        results = _estimate_many(smiles)
    return pd.concat([units, pd.DataFrame(results, index=units.index)], axis=1)
