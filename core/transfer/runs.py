"""Run directories: everything a screen produced, saved so it can be reopened later.

Layout::

    <run>/run.json      config, target, summary, versions, libraries, splits, created
    <run>/data.csv      the validated training rows (structure, target)
    <run>/ranking.csv   every candidate with its scores
    <run>/oof.npz       out-of-fold predictions of the kept candidates (index in run.json)
    <run>/nested.json   the nested estimate: per outer fold what was chosen, predictions

Only JSON, CSV and NumPy ``.npz`` (read with ``allow_pickle=False``) are written, so a
run directory can be shared and reopened safely.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from core import __version__
from core.errors import InputError
from core.paths import package_version, runs_dir
from core.transfer.screen import ScreenResult

#: Out-of-fold predictions kept: every stage-2, baseline and ensemble row plus this many
#: of the best stage-1 rows (enough for parity plots of any model near the top).
KEEP_STAGE1 = 300


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "run"


def new_run_dir(name: str, base: Path | None = None) -> Path:
    """A fresh, unique run folder under ``base`` (default: ``runs_dir()``)."""
    base = base or runs_dir()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = base / f"{stamp}-{_slug(name)}"
    i = 1
    while path.exists():
        path = base / f"{stamp}-{_slug(name)}-{i}"
        i += 1
    return path


def versions() -> dict:
    """Versions of the project and the libraries that shape the numbers."""
    return {"project": __version__, "python": platform.python_version(),
            **{name: package_version(name) for name in ("torch", "numpy", "scikit-learn", "rdkit", "pymatgen")}}


def save_run(result: ScreenResult, path: Path | None = None, libraries: list[str] | None = None) -> Path:
    """Write a run directory (atomically: a temporary folder renamed at the end)."""
    path = Path(path) if path else new_run_dir(result.target.get("name", "run"))
    if path.exists() and any(path.iterdir()):
        raise InputError(f"run folder {path} exists and is not empty")
    tmp = path.with_name(f".{path.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    keep = _kept(result.ranking)
    ids = list(keep["candidate"])
    np.savez_compressed(tmp / "oof.npz", **{f"c{i}": result.oof[c] for i, c in enumerate(ids)})
    result.ranking.to_csv(tmp / "ranking.csv", index=False)
    pd.DataFrame({"structure": result.structures, "target": result.y}).to_csv(tmp / "data.csv", index=False)
    (tmp / "nested.json").write_text(json.dumps(result.nested))
    meta = {"format": "mdl-run", "format_version": 1, "created": datetime.now(timezone.utc).isoformat(),
            "config": result.config, "target": result.target, "summary": result.summary,
            "libraries": libraries or sorted(set(result.ranking["library"].dropna()) - {""}),
            "versions": versions(), "oof_index": ids, "skipped": result.skipped,
            "splits": [[tr.tolist(), te.tolist()] for tr, te in result.splits]}
    (tmp / "run.json").write_text(json.dumps(meta, indent=1, default=_json_default))
    if path.exists():
        path.rmdir()
    os.replace(tmp, path)
    return path


def _kept(ranking: pd.DataFrame) -> pd.DataFrame:
    stage1 = ranking[ranking["stage"] == 1].head(KEEP_STAGE1)
    rest = ranking[(ranking["stage"] != 1) | (ranking["kind"] == "raw")]
    return pd.concat([stage1, rest]).drop_duplicates("candidate")


def _json_default(obj):
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple):
        return list(obj)
    return str(obj)


def load_run(path: str | Path) -> ScreenResult:
    """Reopen a saved run (InputError if the folder is not a run)."""
    path = Path(path)
    meta_path = path / "run.json"
    if not meta_path.exists():
        raise InputError(f"{path} is not a run folder (no run.json)")
    meta = json.loads(meta_path.read_text())
    with np.load(path / "oof.npz", allow_pickle=False) as data:
        oof = {c: data[f"c{i}"] for i, c in enumerate(meta["oof_index"])}
    ranking = pd.read_csv(path / "ranking.csv", keep_default_na=True)
    ranking["model_id"] = ranking["model_id"].astype(object).where(ranking["model_id"].notna(), None)
    data = pd.read_csv(path / "data.csv")
    splits = [(np.array(tr, dtype=int), np.array(te, dtype=int)) for tr, te in meta["splits"]]
    nested = json.loads((path / "nested.json").read_text())
    result = ScreenResult(config=meta["config"], target=meta["target"], ranking=ranking, oof=oof,
                          y=data["target"].to_numpy(dtype=float), structures=data["structure"].astype(str).tolist(),
                          splits=splits, nested=nested, summary=meta["summary"], skipped=meta.get("skipped", {}))
    result.meta = meta  # type: ignore[attr-defined]
    return result


def list_runs(base: Path | None = None) -> pd.DataFrame:
    """Saved runs, newest first: folder, target, rows, best candidate, verdict."""
    base = base or runs_dir()
    rows = []
    for meta_path in sorted(base.glob("*/run.json"), reverse=True):
        try:
            meta = json.loads(meta_path.read_text())
        except ValueError:
            continue
        rows.append({"run": meta_path.parent.name, "path": str(meta_path.parent), "created": meta.get("created"),
                     "target": meta["target"].get("name"), "domain": meta["target"].get("domain"),
                     "rows": meta["target"].get("n"), "best": meta["summary"]["best"]["candidate"],
                     "best_cv_mae": meta["summary"]["naive_best_cv_mae"], "nested_mae": meta["summary"].get("nested_mae"),
                     "transfer_helps": meta["summary"].get("transfer_helps")})
    return pd.DataFrame(rows, columns=["run", "path", "created", "target", "domain", "rows", "best", "best_cv_mae",
                                       "nested_mae", "transfer_helps"])
