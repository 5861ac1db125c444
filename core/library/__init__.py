"""The model library: a folder with a SQLite catalog and one safetensors file per model.

Layout::

    <library>/library.json            format version, project version, name, created
    <library>/catalog.sqlite          one row per model (see core.library.catalog)
    <library>/models/<source>/<id>.safetensors   weights and scalers
    <library>/models/<source>/<id>.json          the model card
    <library>/representations/<id>.json          card of a pretrained representation (no weights)

Entries are of two kinds (catalog column ``kind``): our nets, and pretrained
representations from the field whose features come from a featurizer reading a model or
table that ships inside a package (:mod:`core.library.representations`).
:meth:`Library.models` lists nets unless asked for other kinds;
:meth:`Library.load_many` returns a :class:`Representation` for a representation id.

The app and the CLI read the same format.  A library written by a newer format version
is refused; a missing, truncated or altered weights file is reported by model id and
file, and the rest of the library stays usable.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import pandas as pd

from core import LIBRARY_FORMAT_VERSION, __version__
from core.errors import LibraryError
from core.library import catalog
from core.library.model import read_model, write_model
from core.paths import default_library_dir
from core.net_arrays import NetArrays

MANIFEST = "library.json"
CATALOG = "catalog.sqlite"


@dataclass(frozen=True)
class Representation:
    """A pretrained representation entry, as :meth:`Library.load_many` returns it.

    Attributes
    ----------
    id : str
        Catalog id.
    spec : dict
        ``{"name": featurizer, "params": {...}}``; :func:`core.features.from_spec` builds
        the featurizer whose output is the frozen feature.
    domain : str
        Domain of the entry (its featurizer may read others too, e.g. polymers).
    role : str
        ``"transfer"`` or ``"control"``.
    width : int
        Number of features.
    title : str
        Its name in words.
    """

    id: str
    spec: dict = field(hash=False)
    domain: str = ""
    role: str = "transfer"
    width: int = 0
    title: str = ""

    def featurizer(self):
        """The fitted featurizer (DataUnavailableError when its package is missing)."""
        from core.features import from_spec

        return from_spec(self.spec)


class Library:
    """A model library on disk.

    Parameters
    ----------
    path : path
        The library folder.
    create : bool
        Make an empty library when the folder holds none.
    name : str
        Name written into a new library's manifest.
    """

    def __init__(self, path: str | Path | None = None, *, create: bool = False, name: str | None = None):
        self.path = Path(path) if path is not None else default_library_dir()
        manifest = self.path / MANIFEST
        if not manifest.exists():
            if not create:
                raise LibraryError(f"no model library at {self.path} (no {MANIFEST}); build one with "
                                   f"'python -m core library build --out {self.path}'")
            self._create(name or self.path.name)
        self.manifest = self._read_manifest(manifest)
        self._con = catalog.connect(self.path / CATALOG, create=create)

    # ---------------------------------------------------------------- creation and checks
    def _create(self, name: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        data = {"format": "mdl-library", "format_version": LIBRARY_FORMAT_VERSION, "project_version": __version__,
                "name": name, "created": now()}
        tmp = self.path / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.path / MANIFEST)
        con = catalog.connect(self.path / CATALOG, create=True)
        catalog.set_meta(con, {"format_version": LIBRARY_FORMAT_VERSION, "project_version": __version__})
        con.close()

    def _read_manifest(self, manifest: Path) -> dict:
        try:
            data = json.loads(manifest.read_text())
        except ValueError:
            raise LibraryError(f"{manifest} is not valid JSON") from None
        version = int(data.get("format_version", 0))
        if version > LIBRARY_FORMAT_VERSION:
            raise LibraryError(
                f"the library at {self.path} was written with format version {version}, newer than this "
                f"software reads ({LIBRARY_FORMAT_VERSION}); update the software to use it")
        if not (self.path / CATALOG).exists():
            raise LibraryError(f"the library at {self.path} has no {CATALOG}")
        return data

    @property
    def name(self) -> str:
        return str(self.manifest.get("name", self.path.name))

    def update_manifest(self, values: dict) -> None:
        """Merge ``values`` into library.json (e.g. how the library was built)."""
        self.manifest.update(values)
        tmp = self.path / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(self.manifest, indent=1, default=str))
        os.replace(tmp, self.path / MANIFEST)

    def close(self) -> None:
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---------------------------------------------------------------- reading
    def models(self, **filters) -> pd.DataFrame:
        """Catalog rows matching the filters of :func:`core.library.catalog.query` (nets
        unless ``kind`` says otherwise: ``kind=None`` lists every entry)."""
        return catalog.query(self._con, **filters)

    def _kind_sql(self) -> str:
        return "kind" if "kind" in catalog.present_columns(self._con) else "'net'"

    def ids(self, kind: str | None = "net") -> set[str]:
        """Ids of the nets (``kind=None``: of every entry, ``"representation"``: of those)."""
        if kind is None:
            return {r[0] for r in self._con.execute("SELECT id FROM models")}
        return {r[0] for r in self._con.execute(f"SELECT id FROM models WHERE {self._kind_sql()} = ?", (kind,))}

    def __len__(self) -> int:
        """Number of nets (representation entries are counted by ``stats()``)."""
        return int(self._con.execute(f"SELECT count(*) FROM models WHERE {self._kind_sql()} = 'net'").fetchone()[0])

    def __contains__(self, model_id: object) -> bool:
        return self._con.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone() is not None

    def card(self, model_id: str) -> dict:
        """The full model card (LibraryError naming the id if absent)."""
        row = self._con.execute("SELECT card FROM models WHERE id = ?", (model_id,)).fetchone()
        if row is None:
            raise LibraryError(f"no model {model_id!r} in the library at {self.path}")
        return json.loads(row[0])

    def load(self, model_id: str) -> NetArrays | Representation:
        """Weights of one net, checksum verified; for a representation entry, a
        :class:`Representation` once its package's file is there and unchanged."""
        kind = self._kind_sql()
        row = self._con.execute(f"SELECT file, checksum, {kind} FROM models WHERE id = ?", (model_id,)).fetchone()
        if row is None:
            raise LibraryError(f"no model {model_id!r} in the library at {self.path}")
        if row[2] == "representation":
            return self._representation(model_id, row[1])
        return read_model(self.path / row[0], row[1], model_id)

    def _representation(self, model_id: str, checksum: str) -> Representation:
        from core.errors import DataUnavailableError
        from core.library.representations import file_checksum
        from core.paths import package_file

        card = self.card(model_id)
        pkg, desc = card["package"], card["descriptor"]
        try:
            path = package_file(pkg["name"], pkg["file"])
        except DataUnavailableError:
            raise LibraryError(f"{card['title']} ({model_id}) needs the package {pkg['name']} {pkg['version']}, "
                               f"which is not installed; run scripts/setup.sh") from None
        if file_checksum(path) != checksum:
            raise LibraryError(f"{card['title']} ({model_id}): the installed {pkg['name']} ships a different "
                               f"{pkg['file']} than {pkg['name']} {pkg['version']} did; install "
                               f"{pkg['name']}=={pkg['version']}")
        if pkg.get("imports") and importlib.util.find_spec(pkg["imports"]) is None:
            raise LibraryError(f"{card['title']} ({model_id}) needs the Python package {pkg['imports']}, which "
                               f"cannot be imported; run scripts/setup.sh")
        return Representation(model_id, {"name": desc["name"], "params": dict(desc["params"])}, card["domain"],
                              card["role"], int(card["features"]["width"]), card["title"])

    def load_many(self, model_ids: Iterable[str]) -> tuple[dict[str, NetArrays | Representation], dict[str, str]]:
        """Load several entries: nets as :class:`NetArrays`, representation entries as
        :class:`Representation`; bad ones are returned as ``{id: reason}`` instead of raising."""
        nets, errors = {}, {}
        for model_id in model_ids:
            try:
                nets[model_id] = self.load(model_id)
            except LibraryError as exc:
                errors[model_id] = str(exc)
        return nets, errors

    def verify(self) -> dict[str, str]:
        """Check every weights file and every representation's shipped file; ``{id: problem}``."""
        return self.load_many(sorted(self.ids(kind=None)))[1]

    def training_overlap(self, model_ids: Iterable[str], structures, domain="molecule") -> dict:
        """``{id: TrainingOverlap}`` of the representation entries among ``model_ids``
        (see :func:`core.library.overlap.training_overlap`); nets are skipped."""
        from core.library.overlap import training_overlap

        reps = self.ids(kind="representation")
        return training_overlap(structures, [self.card(i) for i in model_ids if i in reps], domain)

    def stats(self) -> dict:
        """Models (nets) and properties per domain, descriptors, representation entries, size on disk."""
        frame = self.models()
        reps = self.models(kind="representation", columns=["id", "domain", "role"])
        size = sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())
        per_domain = {}
        for domain, group in frame.groupby("domain"):
            per_domain[domain] = {"models": int(len(group)), "properties": int(group["source"].nunique()),
                                  "descriptors": sorted(group["descriptor"].unique().tolist())}
        return {"path": str(self.path), "name": self.name, "format_version": self.manifest.get("format_version"),
                "project_version": self.manifest.get("project_version"), "models": int(len(frame)),
                "properties": int(frame["source"].nunique()) if len(frame) else 0, "domains": per_domain,
                "representations": int(len(reps)),
                "representations_per_domain": reps.groupby("domain")["id"].count().astype(int).to_dict(),
                "size_bytes": size, "size_mb": round(size / 2**20, 2)}

    # ---------------------------------------------------------------- writing
    def add(self, items: Iterable[tuple[NetArrays, dict]]) -> int:
        """Write models (weights, then cards) and register them in one catalog transaction.

        A model appears in the catalog only after its files are complete, so an
        interrupted write never leaves a half-written model listed.
        """
        cards = []
        for net, card in items:
            rel = Path("models") / card["source"]["dataset"] / f"{card['id']}.safetensors"
            card = {**card, "file": rel.as_posix()}
            card["checksum"] = write_model(self.path / rel, net, card["id"], card)
            cards.append((card, net.input_index))
        return catalog.insert(self._con, cards)

    def add_representations(self, specs=None) -> tuple[int, dict[str, str]]:
        """Register the pretrained representations whose packages are installed.

        Writes each card to ``representations/<id>.json`` and its catalog row (replacing
        an earlier one of the same id); adds no weights.  Returns how many were added and
        ``{id: reason}`` of those skipped (their package is missing).
        """
        from core.library.representations import build_cards, write_card

        cards, skipped = build_cards(now(), specs)
        for card in cards:
            write_card(self.path, card)
        added = catalog.insert_rows(self._con, [catalog.row_from_representation(c) for c in cards])
        catalog.checkpoint(self._con)
        return added, skipped

    def remove(self, model_ids: Iterable[str]) -> int:
        """Drop models from the catalog and delete their files."""
        removed = 0
        for model_id in list(model_ids):
            row = self._con.execute("SELECT file FROM models WHERE id = ?", (model_id,)).fetchone()
            if row is None:
                continue
            for path in (self.path / row[0], (self.path / row[0]).with_suffix(".json")):
                path.unlink(missing_ok=True)
            with self._con:
                self._con.execute("DELETE FROM models WHERE id = ?", (model_id,))
            removed += 1
        return removed


def now() -> str:
    """UTC timestamp for cards and manifests."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def open_libraries(paths: Iterable[str | Path] | None) -> list[Library]:
    """Open several libraries (default: the one from ``MDL_LIBRARY`` or the starter)."""
    paths = list(paths or [default_library_dir()])
    return [Library(p) for p in paths]


def copy_library(src: Path, dest: Path) -> None:
    """Copy a whole library folder (e.g. to make a user library from the starter)."""
    if dest.exists():
        raise LibraryError(f"{dest} exists")
    shutil.copytree(src, dest)
