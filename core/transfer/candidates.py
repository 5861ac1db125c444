"""Which library models are candidates for a target, and the target's descriptors.

Models transfer across domains when their featurizer reads the target's structures:
molecule and polymer models share the molecule featurizers (a repeat unit is read
through :mod:`core.features.polymer`), so molecule models screen polymer targets and
polymer models screen molecules; inorganic composition models apply only to
inorganic targets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.domains import Domain
from core.errors import InputError
from core.features import FEATURIZERS, from_spec
from core.features.base import Featurizer
from core.library import Library, Representation
from core.nets import NetArrays
from core.transfer.frozen import NetShape
from core.transfer.netstore import NetStore

#: Which model domains can be screened on a target of each domain (the UI shows this).
CROSSES = {
    Domain.MOLECULE: (Domain.MOLECULE, Domain.POLYMER),
    Domain.POLYMER: (Domain.POLYMER, Domain.MOLECULE),
    Domain.INORGANIC: (Domain.INORGANIC,),
}


#: Descriptors the scratch baselines always read, whichever models are selected: those a
#: user would fit a forest on instead.  Element fractions keep what composition statistics
#: blur (which small additions an alloy has): a forest on them is the strongest scratch
#: model on steels (Matbench steels, official folds: 91 MPa against 106 on composition features).
SCRATCH_DESCRIPTORS = {
    Domain.MOLECULE: ("morgan", "rdkit2d"),
    Domain.POLYMER: ("morgan", "rdkit2d"),
    Domain.INORGANIC: ("composition", "element_fraction"),
}


def descriptor_key(name: str, params: dict) -> str:
    """Stable key of a featurizer setting, e.g. ``morgan{"n_bits": 2048, ...}``."""
    return f"{name}{json.dumps(params, sort_keys=True)}"


def featurizer_from_key(key: str) -> Featurizer:
    """Inverse of :func:`descriptor_key`."""
    name, params = key.split("{", 1)
    return from_spec({"name": name, "params": json.loads("{" + params)})


@dataclass
class CandidatePool:
    """Candidate nets grouped by descriptor, the pretrained representations, and their
    catalog rows.

    A representation entry (:class:`core.library.Representation`) has a featurizer of its
    own whose output is its frozen feature; ``representations`` maps that featurizer's
    descriptor key to the entry.
    """

    nets: dict[str, NetStore]  # descriptor key -> model id -> net (read from disk on first use)
    featurizers: dict[str, Featurizer]  # descriptor key -> featurizer
    catalog: pd.DataFrame  # one row per candidate model (id, library, source, property, ...)
    skipped: dict[str, str] = field(default_factory=dict)  # model id -> reason
    representations: dict[str, Representation] = field(default_factory=dict)  # descriptor key -> entry

    @property
    def raw_keys(self) -> list[str]:
        """Descriptors that scratch baselines read (those of the nets, not the representations)."""
        return [k for k in self.featurizers if k not in self.representations]

    def label(self, key: str) -> str:
        """Short readable name of a descriptor key: the featurizer name, plus its settings
        when two settings of one featurizer are in the pool."""
        name = key.split("{")[0]
        same = [k for k in self.featurizers if k.split("{")[0] == name]
        return name if len(same) == 1 else self.featurizers[key].label()

    @property
    def n_models(self) -> int:
        """Library entries in the pool: nets and representations."""
        return int(sum(len(v) for v in self.nets.values())) + len(self.representations)

    def descriptor_of(self, model_id: str) -> str:
        for key, nets in self.nets.items():
            if model_id in nets:
                return key
        for key, rep in self.representations.items():
            if rep.id == model_id:
                return key
        raise KeyError(model_id)

    def is_representation(self, model_id: str) -> bool:
        return any(rep.id == model_id for rep in self.representations.values())

    def net(self, model_id: str) -> NetArrays | None:
        """The net of a model id (None for a representation entry).  A net may read the
        very descriptor a representation is (nets on element-embedding statistics), so
        the id decides, not the descriptor."""
        if self.is_representation(model_id):
            return None
        return self.nets[self.descriptor_of(model_id)][model_id]


def select_models(libraries: list[Library], target_domain: Domain, *, search: str | None = None,
                  sources: tuple[str, ...] | None = None, model_ids: tuple[str, ...] | None = None,
                  model_domains: tuple[str, ...] | None = None, cross_domain: bool = True,
                  representations: bool = True, cif: bool = False) -> pd.DataFrame:
    """Catalog rows of the models that may be screened on a target of ``target_domain``
    (with the pretrained representation entries unless ``representations`` is False; those
    that read crystal structures only when the target has them, ``cif``)."""
    allowed = CROSSES[target_domain] if cross_domain else (target_domain,)
    if model_domains:
        wanted = {Domain.parse(d) for d in model_domains}
        bad = wanted - set(CROSSES[target_domain])
        if bad:
            names = ", ".join(sorted(d.value for d in bad))
            raise InputError(f"{names} models cannot be applied to {target_domain.value} structures: their "
                             f"descriptors do not read them")
        allowed = tuple(d for d in allowed if d in wanted) or tuple(wanted)
    frames = []
    for lib in libraries:
        rows = lib.models(domain=[d.value for d in allowed], search=search, source=list(sources) if sources else None,
                          ids=list(model_ids) if model_ids is not None else None,
                          kind="all" if representations or model_ids is not None else "net",
                          columns=["id", "domain", "source", "property", "unit", "descriptor", "descriptor_params",
                                   "depth", "width_max", "n_inputs", "test_r2", "test_mae", "n_train", "estimate",
                                   "kind", "role", "title", "file", "checksum", "architecture"])
        if not cif and len(rows):
            cif_only = [bool(d in FEATURIZERS and getattr(FEATURIZERS[d], "cif_only", False)) for d in rows["descriptor"]]
            rows = rows[~np.array(cif_only, dtype=bool)]
        rows.insert(1, "library", str(lib.path))
        frames.append(rows)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if model_ids is not None:
        missing = sorted(set(model_ids) - set(frame["id"]))
        if missing:
            raise InputError(f"models not found or not applicable to {target_domain.value} targets: "
                             f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    frame = frame.drop_duplicates("id", keep="first").reset_index(drop=True)
    if frame.empty:
        what = f" matching {search!r}" if search else ""
        domains = " or ".join(d.value for d in allowed)
        raise InputError(f"no library model{what} applies to {target_domain.value} targets (needs {domains} models)")
    return frame


def load_pool(libraries: list[Library], frame: pd.DataFrame) -> CandidatePool:
    """Load the selected nets and representations (skipping what cannot be loaded, with
    reasons), grouped by descriptor."""
    by_path = {str(lib.path): lib for lib in libraries}
    pool = CandidatePool({}, {}, frame.iloc[:0])
    keep = []
    for path, group in frame.groupby("library", sort=False):
        reps = group[group["kind"] == "representation"] if "kind" in group else group.iloc[:0]
        loaded, errors = by_path[path].load_many(reps["id"].tolist())  # nets are read when needed
        pool.skipped.update(errors)
        for _, row in group.iterrows():
            entry = loaded.get(row["id"]) if row["id"] in set(reps["id"]) else _NetRow(Path(path), row)
            if entry is not None and _add(pool, row, entry):
                keep.append(row["id"])
    pool.catalog = frame[frame["id"].isin(keep)].reset_index(drop=True)
    if pool.catalog.empty:
        raise InputError("none of the selected models could be loaded: "
                         + "; ".join(list(pool.skipped.values())[:3]))
    return pool


def _add(pool: CandidatePool, row, entry) -> bool:
    """Put one loaded entry in the pool (False, with the reason in ``pool.skipped``, if it cannot be)."""
    params = json.loads(row["descriptor_params"])
    key = descriptor_key(row["descriptor"], params)
    if key not in pool.featurizers:
        if row["descriptor"] not in FEATURIZERS:
            pool.skipped[row["id"]] = f"unknown descriptor {row['descriptor']}"
            return False
        try:
            pool.featurizers[key] = from_spec({"name": row["descriptor"], "params": params})
        except InputError as exc:  # e.g. the package of a representation is missing
            pool.skipped[row["id"]] = str(exc)
            return False
    if isinstance(entry, Representation):
        pool.representations[key] = entry
    else:
        store = pool.nets.setdefault(key, NetStore({}, {}))
        store.files[row["id"]] = (entry.library / str(row["file"]), str(row["checksum"]))
        store.shapes[row["id"]] = entry.shape()
    return True


@dataclass(frozen=True)
class _NetRow:
    """A net's catalog row, before its weights are read."""

    library: Path
    row: pd.Series = field(hash=False, compare=False)

    def shape(self) -> NetShape:
        arch = json.loads(self.row["architecture"])
        return NetShape(int(self.row["n_inputs"]), tuple(int(h) for h in arch["hidden"]), str(arch["activation"]))


def add_scratch_descriptors(pool: CandidatePool, domain: Domain) -> None:
    """Put the :data:`SCRATCH_DESCRIPTORS` of ``domain`` in the pool (once each, default settings)."""
    for name in SCRATCH_DESCRIPTORS[domain]:
        featurizer = from_spec({"name": name, "params": {}})
        pool.featurizers.setdefault(descriptor_key(name, featurizer.get_params()), featurizer)


def featurize_target(pool: CandidatePool, structures: list[str],
                     cifs: list[str] | None = None) -> tuple[dict[str, np.ndarray], dict[int, str]]:
    """Descriptor matrix of the structures for every descriptor in the pool (one pass each),
    and ``{index: reason}`` of the structures some descriptor cannot read (their rows are
    zeros: leave them out).  Descriptors of crystal structures read ``cifs``."""
    from core.features.checks import merge_failures

    out, failures = {}, {}
    for key, f in pool.featurizers.items():
        X, failed = f.transform_report(cifs if getattr(f, "cif_only", False) and cifs else structures)
        out[key] = X.astype(np.float32)
        if failed:
            failures[pool.label(key)] = failed
    return out, merge_failures(failures)
