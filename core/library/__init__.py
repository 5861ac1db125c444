"""The model library: a folder with a SQLite catalog and one safetensors file per model.

Layout::

    <library>/library.json            format version, project version, name, created
    <library>/catalog.sqlite          one row per model (see core.library.catalog)
    <library>/models/<source>/<id>.safetensors   weights and scalers
    <library>/models/<source>/<id>.json          the model card

The app and the CLI read the same format.  A library written by a newer format version
is refused; a missing, truncated or altered weights file is reported by model id and
file, and the rest of the library stays usable.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import pandas as pd

from core import LIBRARY_FORMAT_VERSION, __version__
from core.errors import LibraryError
from core.library import catalog
from core.library.model import read_model, write_model
from core.paths import default_library_dir
from core.pretrain.stacked import NetArrays

MANIFEST = "library.json"
CATALOG = "catalog.sqlite"


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
        """Catalog rows matching the filters of :func:`core.library.catalog.query`."""
        return catalog.query(self._con, **filters)

    def ids(self) -> set[str]:
        return {r[0] for r in self._con.execute("SELECT id FROM models")}

    def __len__(self) -> int:
        return int(self._con.execute("SELECT count(*) FROM models").fetchone()[0])

    def __contains__(self, model_id: object) -> bool:
        return self._con.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone() is not None

    def card(self, model_id: str) -> dict:
        """The full model card (LibraryError naming the id if absent)."""
        row = self._con.execute("SELECT card FROM models WHERE id = ?", (model_id,)).fetchone()
        if row is None:
            raise LibraryError(f"no model {model_id!r} in the library at {self.path}")
        return json.loads(row[0])

    def load(self, model_id: str) -> NetArrays:
        """Weights of one model, checksum verified."""
        row = self._con.execute("SELECT file, checksum FROM models WHERE id = ?", (model_id,)).fetchone()
        if row is None:
            raise LibraryError(f"no model {model_id!r} in the library at {self.path}")
        return read_model(self.path / row[0], row[1], model_id)

    def load_many(self, model_ids: Iterable[str]) -> tuple[dict[str, NetArrays], dict[str, str]]:
        """Load several models; bad ones are returned as ``{id: reason}`` instead of raising."""
        nets, errors = {}, {}
        for model_id in model_ids:
            try:
                nets[model_id] = self.load(model_id)
            except LibraryError as exc:
                errors[model_id] = str(exc)
        return nets, errors

    def verify(self) -> dict[str, str]:
        """Check every weights file; ``{id: problem}`` for the bad ones."""
        return self.load_many(sorted(self.ids()))[1]

    def stats(self) -> dict:
        """Models and properties per domain, descriptors, size on disk."""
        frame = self.models()
        size = sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())
        per_domain = {}
        for domain, group in frame.groupby("domain"):
            per_domain[domain] = {"models": int(len(group)), "properties": int(group["source"].nunique()),
                                  "descriptors": sorted(group["descriptor"].unique().tolist())}
        return {"path": str(self.path), "name": self.name, "format_version": self.manifest.get("format_version"),
                "project_version": self.manifest.get("project_version"), "models": int(len(frame)),
                "properties": int(frame["source"].nunique()) if len(frame) else 0, "domains": per_domain,
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
