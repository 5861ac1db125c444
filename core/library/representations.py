"""Pretrained representations from the field, as library entries with model cards.

A representation entry has no weights in the library: its features come from a
featurizer (:mod:`core.features.chemprop_fp`, :mod:`core.features.crystal_fp`,
:mod:`core.features.embeddings`) that reads a model or table shipped inside a package.
The card says, in words, what it was trained on and by whom, its licence and citation,
which inputs it reads, how wide its features are, and whose training data may contain a
user's structures (:mod:`core.library.overlap` checks that where the list ships).

Entries (:func:`entry_specs`):

- 10 Chemprop D-MPNN models of ADMET-AI 2.0.1 (5 regression, 5 classification), molecules
  and polymer repeat units, 300 features each;
- CHGNet 0.3.0 crystal features (CHGNet 0.4.2), crystal structures as CIF, 64 features;
- 9 learned element embeddings of ElementEmbeddings 0.8.0 (mat2vec, MEGNet, SkipAtom,
  MACE-MP-0, CHGNet, SevenNet, ORB v2, MatSciBERT, CrystaLLM), compositions, 4 statistics;
- random element vectors (random_200) as a control.

Magpie and Oliynyk element properties are hand-compiled element data, not learned: they
are featurizers (``element_embedding`` with ``embedding="magpie"`` / ``"oliynyk"``) that
scratch baselines and library nets may use, not representation entries.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from core import LIBRARY_FORMAT_VERSION, __version__
from core.errors import DataUnavailableError
from core.paths import package_file, package_version

FOLDER = "representations"
_ADMET_CITATION = ("K. Swanson, P. Walther, J. Leitz, S. Mukherjee, J. C. Wu, R. V. Shivnan, J. Zou, "
                   "ADMET-AI: a machine learning ADMET platform for evaluation of large-scale chemical "
                   "libraries, Bioinformatics 40, btae416 (2024); Chemprop: E. Heid et al., J. Chem. Inf. "
                   "Model. 64, 9 (2024); D-MPNN: K. Yang et al., J. Chem. Inf. Model. 59, 3370 (2019)")
_TDC_CITATION = ("K. Huang et al., Therapeutics Data Commons, NeurIPS Datasets and Benchmarks (2021)")


@dataclass(frozen=True)
class EntrySpec:
    """How to make one representation entry.

    Attributes
    ----------
    id : str
        Catalog id.
    package : str
        Distribution that ships the model or table.
    file : str
        The shipped file, relative to site-packages.
    card : callable
        Returns the card's content (without the stamps added by :func:`make_card`).
    imports : str or None
        A module the featurizer must import at run time (None: files are read in place).
    """

    id: str
    package: str
    file: str
    card: Callable[[], dict]
    imports: str | None = None


# ---------------------------------------------------------------------------- Chemprop
@lru_cache(maxsize=1)
def _admet_tasks() -> dict[str, dict]:
    """ADMET-AI's own task table (name, unit, rows, test metrics), read from its wheel."""
    import pandas as pd

    table = pd.read_csv(package_file("admet-ai", "admet_ai/resources/data/admet.csv"))
    out = {}
    for _, r in table.iterrows():
        metrics = {k: round(float(r[k]), 4) for k in ("R^2", "MAE", "AUROC", "AUPRC") if pd.notna(r[k])}
        out[str(r["id"])] = {"task": str(r["id"]), "name": str(r["name"]), "unit": str(r["units"]),
                             "rows": int(r["size"]) if pd.notna(r["size"]) else None, "test_metrics": metrics}
    return out


def _chemprop_card(task_set: str, model: int) -> dict:
    from core.features.chemprop_fp import WIDTH, checkpoint_path
    from core.features.dmpnn import read_encoder

    encoder = read_encoder(checkpoint_path(task_set, model))
    tasks = [_admet_tasks().get(t, {"task": t, "name": t, "unit": "", "rows": None, "test_metrics": {}})
             for t in encoder.tasks]
    names = ", ".join(t["name"] for t in tasks[:6]) + (", ..." if len(tasks) > 6 else "")
    kind = "regression" if task_set == "regression" else "classification (yes/no)"
    n_params = int(sum(t.numel() for t in (encoder.W_i, encoder.W_h, encoder.W_o, encoder.b_o)))
    return {
        "title": f"Chemprop D-MPNN fingerprint, ADMET-AI {task_set} model {model + 1} of 5",
        "summary": (f"A directed message-passing neural network (Chemprop v2) trained by the ADMET-AI authors on "
                    f"{len(tasks)} {kind} tasks of the Therapeutics Data Commons ADMET group ({names}). Its "
                    f"300-number learned description of a molecule, taken before the prediction layer, is the "
                    f"frozen feature. One of an ensemble of five models trained the same way with different "
                    f"seeds."),
        "domain": "molecule", "applies_to": ["molecule", "polymer"],
        "input": ("a molecule as SMILES, or a polymer repeat unit with two * ends (read as the middle unit of a "
                  "trimer, its atoms summed per repeat unit)"),
        "descriptor": {"name": "chemprop_admet", "params": {"task_set": task_set, "model": model,
                                                            "polymer_ends": "trimer"}},
        "features": {"width": WIDTH, "description": "sum of the 300-dim atom read-outs divided by 100 (Chemprop's "
                                                    "norm aggregation)"},
        "architecture": {"type": "Chemprop v2 bond message passing", "depth": encoder.depth, "hidden": WIDTH,
                         "aggregation": f"sum / {encoder.norm:g}", "activation": "ReLU"},
        "n_parameters": n_params,
        "trained_on": {"data": f"Therapeutics Data Commons ADMET benchmark group, {len(tasks)} {task_set} tasks",
                       "tasks": tasks, "rows": None, "measured": True,
                       "rows_note": "task sizes as listed by ADMET-AI; molecules overlap between tasks",
                       "metrics_note": "test metrics as listed by ADMET-AI (admet_ai/resources/data/admet.csv)"},
        "trained_by": "K. Swanson et al. (ADMET-AI, Stanford); Chemprop v2 by the Chemprop developers (MIT)",
        "licence": "MIT (admet-ai 2.0.1 and chemprop); the TDC data sets carry their own licences (see TDC)",
        "citation": f"{_ADMET_CITATION}; data: {_TDC_CITATION}",
        "source": {"dataset": f"tdc_admet_{task_set}", "property": f"{len(tasks)} ADMET {task_set} tasks (TDC)",
                   "unit": "", "measured": True, "estimate": False, "citation": _ADMET_CITATION,
                   "licence": "MIT", "note": f"ADMET-AI {task_set} model {model + 1} of 5: {names}"},
        "overlap": _chemprop_overlap(task_set),
    }


def _chemprop_overlap(task_set: str) -> dict:
    if task_set == "regression":
        return {"note": ("Trained on FreeSolv hydration free energies and AqSolDB aqueous solubilities among "
                         "others: a FreeSolv or solubility target may contain its training molecules, and then "
                         "its cross-validated error is optimistic."),
                "checked": ["freesolv"],
                "not_checked": ["AqSolDB (9,980 solubilities): its molecule list is not shipped offline",
                                "the other 8 TDC tasks: their molecule lists are not shipped offline"]}
    return {"note": ("Trained on blood-brain barrier penetration (BBB_Martins, 1,975 molecules) among others: a "
                     "logBB target (B3DB) may share molecules with it."),
            "checked": [],
            "not_checked": ["BBB_Martins and the other 30 TDC tasks: their molecule lists are not shipped offline"]}


# ---------------------------------------------------------------------------- CHGNet
def _chgnet_card() -> dict:
    from core.features.crystal_fp import WIDTH

    return {
        "title": "CHGNet crystal features (pretrained universal potential 0.3.0)",
        "summary": ("CHGNet is a graph neural network potential trained by its authors to predict DFT energies, "
                    "forces, stresses and magnetic moments of inorganic crystals. The 64-number description of the "
                    "whole crystal that feeds its energy prediction is the frozen feature: it needs the atomic "
                    "structure, so it reads CIF files, not formulas."),
        "domain": "inorganic", "applies_to": ["inorganic"],
        "input": "a crystal structure as CIF text (a formula alone cannot be read)",
        "descriptor": {"name": "chgnet_crystal", "params": {}},
        "features": {"width": WIDTH, "description": "CHGNet's pooled crystal feature (energy pass only)"},
        "architecture": {"type": "CHGNet graph neural network (atom, bond and angle graphs)", "hidden": WIDTH},
        "n_parameters": 412_525,
        "trained_on": {"data": ("Materials Project trajectory data set (MPtrj): about 1.58 million DFT frames of "
                                "about 146,000 inorganic materials"), "rows": None, "measured": False,
                       "tasks": [{"name": "energy per atom", "unit": "eV/atom"}, {"name": "forces", "unit": "eV/A"},
                                 {"name": "stress", "unit": "GPa"},
                                 {"name": "magnetic moments", "unit": "Bohr magneton"}]},
        "trained_by": "B. Deng, P. Zhong, G. Ceder et al. (UC Berkeley, LBNL)",
        "licence": "modified BSD (chgnet 0.4.2)",
        "citation": ("B. Deng et al., CHGNet as a pretrained universal neural network potential for "
                     "charge-informed atomistic modelling, Nat. Mach. Intell. 5, 1031 (2023)"),
        "source": {"dataset": "mptrj", "property": "DFT energy, forces, stress, magnetic moments (MPtrj)",
                   "unit": "", "measured": False, "estimate": False, "licence": "modified BSD",
                   "citation": "B. Deng et al., Nat. Mach. Intell. 5, 1031 (2023)",
                   "note": "pretrained universal potential CHGNet 0.3.0 shipped in the chgnet wheel"},
        "overlap": {"note": ("Trained on Materials Project structures: a target made of Materials Project crystals "
                             "(e.g. computed band gaps or formation energies) shares its structures, not its labels "
                             "unless the target is a DFT energy."),
                    "checked": [], "not_checked": ["MPtrj: its structure list is not shipped offline"]},
    }


# ---------------------------------------------------------------------------- embeddings
_EMBEDDING_FACTS = {
    "mat2vec": ("word2vec embeddings of element names learned from about 3.3 million materials-science abstracts",
                "V. Tshitoyan et al. (LBNL)", "MIT (mat2vec)",
                "V. Tshitoyan et al., Unsupervised word embeddings capture latent knowledge from materials science "
                "literature, Nature 571, 95 (2019)", "materials_abstracts"),
    "megnet16": ("element embedding layer of a MEGNet graph network trained on Materials Project formation "
                 "energies", "C. Chen, S. P. Ong et al. (UC San Diego)", "BSD-3-Clause (megnet)",
                 "C. Chen, W. Ye, Y. Zuo, C. Zheng, S. P. Ong, Graph networks as a universal machine learning "
                 "framework for molecules and crystals, Chem. Mater. 31, 3564 (2019)", "mp_formation_energy"),
    "skipatom": ("SkipAtom vectors learned from which atoms neighbour each other in Materials Project crystal "
                 "structures", "L. M. Antunes, R. Grau-Crespo, K. T. Butler", "MIT (skipatom)",
                 "L. M. Antunes, R. Grau-Crespo, K. T. Butler, Distributed representations of atoms and materials "
                 "for machine learning, npj Comput. Mater. (2022), doi:10.1038/s41524-022-00729-3", "mp_structures"),
    "mace_mp0": ("atom descriptors of the MACE-MP-0 medium foundation potential (trained on MPtrj), averaged per "
                 "element over MP-20 structures by ElementEmbeddings", "I. Batatia, G. Csanyi et al. (Cambridge)",
                 "MIT (MACE)", "I. Batatia et al., A foundation model for atomistic materials chemistry, "
                 "arXiv:2401.00096 (2024)", "mptrj"),
    "chgnet": ("atom features of the CHGNet potential (trained on MPtrj), averaged per element over MP-20 structures "
               "by ElementEmbeddings", "B. Deng, G. Ceder et al. (UC Berkeley)", "modified BSD (chgnet)",
               "B. Deng et al., Nat. Mach. Intell. 5, 1031 (2023)", "mptrj"),
    "sevennet": ("scalar node features of the SevenNet-0 potential (trained on MPtrj), averaged per element over "
                 "MP-20 structures by ElementEmbeddings", "Y. Park, S. Han et al. (Seoul National University)",
                 "GPL-3.0 (SevenNet)", "Y. Park et al., Scalable parallel algorithm for graph neural network "
                 "interatomic potentials in molecular dynamics simulations, J. Chem. Theory Comput. 20 (2024), "
                 "doi:10.1021/acs.jctc.4c00190",
                 "mptrj"),
    "orb_v2": ("node features of the ORB v2 potential (trained on DFT data of inorganic crystals), averaged per "
               "element over MP-20 structures by ElementEmbeddings", "M. Neumann et al. (Orbital Materials)",
               "Apache-2.0 (orb-models)",
               "M. Neumann et al., Orb: a fast, scalable neural network potential, arXiv:2410.22570 (2024)",
               "orb_dft"),
    "matscibert": ("token embeddings of element symbols in MatSciBERT, a language model trained on materials-science "
                   "papers", "T. Gupta, M. Zaki, N. M. A. Krishnan, Mausam (IIT Delhi)",
                   "see the MatSciBERT authors (m3rg-iitd/matscibert)",
                   "T. Gupta et al., MatSciBERT: a materials domain language model for text mining and information "
                   "extraction, npj Comput. Mater. (2022), doi:10.1038/s41524-022-00784-w", "materials_papers"),
    "crystallm": ("atom embeddings of CrystaLLM, a language model trained to write crystal structure (CIF) files",
                  "L. M. Antunes, K. T. Butler, R. Grau-Crespo", "see the CrystaLLM authors (lantunes/CrystaLLM)",
                  "L. M. Antunes et al., Crystal structure generation with autoregressive large language modeling, "
                  "arXiv:2307.04340", "cif_files"),
    "random_200": ("200 random numbers per element (normal distribution, seed 42), learned from nothing",
                   "the ElementEmbeddings authors", "MIT (ElementEmbeddings)",
                   "A. Onwuli et al., Element similarity in high-dimensional materials representations, "
                   "Digital Discovery 2, 1558 (2023)", "random"),
}
_EE_CITATION = ("A. Onwuli, A. V. Hegde, K. V. T. Nguyen, K. T. Butler, A. Walsh, Element similarity in "
                "high-dimensional materials representations, Digital Discovery 2, 1558 (2023); ElementEmbeddings 0.8.0")
#: Tables that become representation entries (Magpie and Oliynyk stay plain descriptors).
EMBEDDING_ENTRIES = ("mat2vec", "megnet16", "skipatom", "mace_mp0", "chgnet", "sevennet", "orb_v2", "matscibert",
                     "crystallm", "random_200")


def _embedding_card(key: str) -> dict:
    from core.features.embeddings import EMBEDDINGS, STATS, embedding_table

    info, table = EMBEDDINGS[key], embedding_table(key)
    what, by, licence, citation, data = _EMBEDDING_FACTS[key]
    control = info.role == "control"
    width = len(STATS["classic"]) * table.shape[1]
    summary = (f"Each element is a vector of {table.shape[1]} numbers: {what}. A compound is described by the "
               f"fraction-weighted mean, the weighted variance, the maximum and the minimum of its elements' vectors "
               f"({width} numbers).")
    if control:
        summary += (" A control, not a pretrained representation: it shows how well random vectors of the same "
                    "width do, so a gain of the learned embeddings over it is what their training taught them.")
    return {
        "title": f"{info.title}, composition statistics",
        "summary": summary, "domain": "inorganic", "applies_to": ["inorganic"],
        "input": (f"a chemical formula (or a CIF's composition) whose elements all have a {key} vector: "
                  f"{table.shape[0]} elements, {table.index[0]} to {table.index[-1]}"),
        "descriptor": {"name": "element_embedding", "params": {"embedding": key, "stats": "classic"}},
        "features": {"width": width, "description": "weighted mean, weighted variance, max, min of element vectors"},
        "architecture": {"type": "element lookup table and composition statistics", "hidden": table.shape[1]},
        "n_parameters": int(table.size),
        "trained_on": {"data": what, "rows": None, "measured": False, "tasks": []},
        "trained_by": by, "licence": f"ElementEmbeddings 0.8.0: MIT; original vectors: {licence}",
        "citation": f"{citation}; table from {_EE_CITATION}",
        "source": {"dataset": data, "property": f"{info.title} (element level)", "unit": "", "measured": False,
                   "estimate": False, "citation": citation, "licence": licence, "note": what},
        "overlap": {"note": "Element-level vectors: no compound of a target is part of their training data as such.",
                    "checked": [], "not_checked": []},
    }


# ---------------------------------------------------------------------------- the entries
def entry_specs() -> list[EntrySpec]:
    """Every representation entry this version knows, in catalog order."""
    from core.features.chemprop_fp import checkpoint_file
    from core.features.crystal_fp import MODEL_FILE
    from core.features.embeddings import EMBEDDINGS, FOLDER as EE_FOLDER

    specs = []
    for task_set, short in (("regression", "reg"), ("classification", "cls")):
        for model in range(5):
            specs.append(EntrySpec(f"chemprop-admet-{short}-m{model}", "admet-ai", checkpoint_file(task_set, model),
                                   lambda t=task_set, m=model: _chemprop_card(t, m)))
    specs.append(EntrySpec("chgnet-0.3.0-crystal", "chgnet", MODEL_FILE, _chgnet_card, imports="chgnet"))
    for key in EMBEDDING_ENTRIES:
        specs.append(EntrySpec(f"embedding-{key}", "elementembeddings", f"{EE_FOLDER}/{EMBEDDINGS[key].file}",
                               lambda k=key: _embedding_card(k)))
    return specs


@lru_cache(maxsize=64)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_checksum(path: Path) -> str:
    """SHA-256 of a shipped file (cached per path, size and modification time)."""
    st = path.stat()
    return _sha256(str(path), st.st_size, st.st_mtime_ns)


def make_card(spec: EntrySpec, created: str) -> dict:
    """The full card of an entry (DataUnavailableError when its package is missing)."""
    path = package_file(spec.package, spec.file)
    from core.features import from_spec

    card = spec.card()
    featurizer = from_spec(card["descriptor"])
    card["descriptor"] = {**card["descriptor"], "label": featurizer.label(),
                          "n_columns": int(len(featurizer.get_feature_names_out()))}
    if card["descriptor"]["n_columns"] != card["features"]["width"]:
        raise ValueError(f"{spec.id}: the featurizer gives {card['descriptor']['n_columns']} columns, the card "
                         f"says {card['features']['width']}")
    role = "control" if spec.id == "embedding-random_200" else "transfer"
    return {"id": spec.id, "kind": "representation", "role": role, "format_version": LIBRARY_FORMAT_VERSION,
            "project_version": __version__, "created": created, **card,
            "package": {"name": spec.package, "version": package_version(spec.package), "file": spec.file,
                        "checksum": file_checksum(path), "imports": spec.imports},
            "file": f"{FOLDER}/{spec.id}.json"}


def write_card(library_path: Path, card: dict) -> None:
    """Write the card beside the catalog, atomically."""
    path = Path(library_path) / card["file"]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(card, indent=1, sort_keys=True))
    os.replace(tmp, path)


def build_cards(created: str, specs: list[EntrySpec] | None = None) -> tuple[list[dict], dict[str, str]]:
    """Cards of the entries whose packages are installed, and ``{id: reason}`` of the others."""
    cards, skipped = [], {}
    for spec in specs if specs is not None else entry_specs():
        try:
            cards.append(make_card(spec, created))
        except DataUnavailableError as exc:
            skipped[spec.id] = str(exc)
    return cards, skipped


__all__ = ["EMBEDDING_ENTRIES", "EntrySpec", "build_cards", "entry_specs", "file_checksum", "make_card", "write_card"]
