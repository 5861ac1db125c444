"""Run directories: everything a screen produced, saved so it can be reopened later.

Layout::

    <run>/run.json         config, target, summary, decision, versions, libraries, splits, created
    <run>/data.csv         the validated training rows (structure, target, group key)
    <run>/ranking.csv      every candidate with its scores
    <run>/oof.npz          out-of-fold predictions of the kept candidates (index in run.json)
    <run>/procedures.json  the two procedures: members and nested estimates (per outer fold
                           what was chosen, every row's honest prediction)

Only JSON, CSV and NumPy ``.npz`` (read with ``allow_pickle=False``) are written, so a
run directory can be shared and reopened safely.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
from datetime import datetime, timezone, tzinfo
from pathlib import Path

import numpy as np
import pandas as pd

from core import __version__
from core.errors import InputError
from core.paths import package_version, runs_dir
from core.transfer.config import ScreenConfig
from core.transfer.procedure import Decision
from core.transfer.screen import Procedure, ScreenResult

FORMAT_VERSION = 2

#: Out-of-fold predictions kept: every stage-2 and scratch row, the procedures' members, plus
#: this many of the best stage-1 rows (enough for parity plots of any model near the top).
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


def save_run(result: ScreenResult, path: Path | None = None, libraries: list[str] | None = None,
             owner: str | None = None) -> Path:
    """Write a run directory (atomically: a temporary folder renamed at the end).

    ``owner`` (the dashboard's token of the browser that started the run, see
    :class:`core.jobs.JobRegistry`) is kept in ``run.json`` as its SHA-256 only
    (:func:`owner_hash`), so :func:`list_runs` can show a browser its own runs while a
    run folder that is shared or downloaded never gives the token away; the command line
    leaves it empty.
    """
    path = Path(path) if path else new_run_dir(result.target.get("name", "run"))
    if path.exists() and any(path.iterdir()):
        raise InputError(f"run folder {path} exists and is not empty")
    tmp = path.with_name(f".{path.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    members = {m for p in result.procedures.values() for m in p.members}
    keep = _kept(result.ranking, members)
    ids = list(keep["candidate"])
    np.savez_compressed(tmp / "oof.npz", **{f"c{i}": result.oof[c] for i, c in enumerate(ids)})
    result.ranking.to_csv(tmp / "ranking.csv", index=False)
    pd.DataFrame({"structure": result.structures, "target": result.y,
                  "group": result.groups or result.structures}).to_csv(tmp / "data.csv", index=False)
    (tmp / "procedures.json").write_text(json.dumps({k: p.to_dict() for k, p in result.procedures.items()},
                                                    default=_json_default))
    meta = {"format": "mdl-run", "format_version": FORMAT_VERSION, "created": datetime.now(timezone.utc).isoformat(),
            "config": result.config.to_dict(), "target": result.target, "summary": result.summary,
            "decision": result.decision.to_dict(),
            "libraries": libraries or sorted(set(result.ranking["library"].dropna()) - {""}),
            "versions": versions(), "oof_index": ids, "skipped": result.skipped,
            "owner_hash": owner_hash(owner),
            "splits": [[tr.tolist(), te.tolist()] for tr, te in result.splits],
            "outer_splits": [[tr.tolist(), te.tolist()] for tr, te in result.outer_splits]}
    (tmp / "run.json").write_text(json.dumps(meta, indent=1, default=_json_default))
    if path.exists():
        path.rmdir()
    os.replace(tmp, path)
    return path


def _kept(ranking: pd.DataFrame, members: set[str]) -> pd.DataFrame:
    stage1 = ranking[ranking["stage"] == 1].head(KEEP_STAGE1)
    rest = ranking[(ranking["stage"] != 1) | (ranking["family"] == "scratch") | ranking["candidate"].isin(members)]
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
    if meta.get("format_version", 1) < FORMAT_VERSION:
        raise InputError(f"run {path.name} was written by an earlier version of the workbench (run format "
                         f"{meta.get('format_version', 1)}) and cannot be reopened; its CSV files are still readable. "
                         f"Run the screen again to get a recommendation by the current rules")
    with np.load(path / "oof.npz", allow_pickle=False) as data:
        oof = {c: data[f"c{i}"] for i, c in enumerate(meta["oof_index"])}
    ranking = pd.read_csv(path / "ranking.csv", keep_default_na=True)
    ranking["model_id"] = ranking["model_id"].astype(object).where(ranking["model_id"].notna(), None)
    data = pd.read_csv(path / "data.csv", keep_default_na=False)
    procedures = {k: Procedure.from_dict(v) for k, v in json.loads((path / "procedures.json").read_text()).items()}
    return ScreenResult(config=ScreenConfig.from_dict(meta["config"]), target=meta["target"], ranking=ranking,
                        oof=oof, y=data["target"].to_numpy(dtype=float),
                        structures=data["structure"].astype(str).tolist(), splits=_splits(meta["splits"]),
                        procedures=procedures, decision=Decision(**meta["decision"]), summary=meta["summary"],
                        groups=data["group"].astype(str).tolist(), outer_splits=_splits(meta.get("outer_splits", [])),
                        skipped=meta.get("skipped", {}), meta=meta)


def owner_hash(owner: str | None) -> str | None:
    """The SHA-256 (hex) of a browser's owner token, what a run folder keeps of it."""
    return hashlib.sha256(owner.encode()).hexdigest() if owner else None


def _splits(pairs) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.array(tr, dtype=int), np.array(te, dtype=int)) for tr, te in pairs]


#: Columns of :func:`list_runs`.
RUN_COLUMNS = ["run", "path", "created", "target", "domain", "rows", "recommended", "nested_mae", "transfer_helps",
               "format_version", "title", "created_local", "unit", "owner_hash", "verdict"]


def local_time(created: str | None, tz: tzinfo | None = None) -> str:
    """``2 Dec 2026, 13:36`` in ``tz`` (default: this machine's time zone) for an ISO time."""
    if not created:
        return ""
    try:
        when = datetime.fromisoformat(str(created))
    except ValueError:
        return str(created)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    when = when.astimezone(tz)
    return f"{when.day} {when:%b %Y, %H:%M}"


def run_title(meta: dict, tz: tzinfo | None = None) -> str:
    """A run's readable name: ``freesolv: hydration free energy, 50 rows, 2 Dec 2026, 13:36``."""
    target = meta.get("target") or {}
    rows = target.get("n")
    parts = [str(target.get("name") or "run")] + ([f"{rows} rows"] if rows else [])
    when = local_time(meta.get("created"), tz)
    return ", ".join(parts + ([when] if when else []))


def list_runs(base: Path | None = None, owner: str | None = None, tz: tzinfo | None = None) -> pd.DataFrame:
    """Saved runs, newest first: folder, readable title, local time, target, rows,
    recommended model, its nested MAE and unit, verdict.

    Parameters
    ----------
    owner : str, optional
        Only the runs saved with this owner (a browser's own runs); default every run.
    tz : tzinfo, optional
        Time zone of ``created_local`` and the titles (default: this machine's).
    """
    base = base or runs_dir()
    rows = []
    for meta_path in sorted(base.glob("*/run.json"), reverse=True):
        try:
            meta = json.loads(meta_path.read_text())
        except ValueError:
            continue
        if owner is not None and meta.get("owner_hash") != owner_hash(owner):
            continue
        summary = meta.get("summary") or {}
        rows.append({"run": meta_path.parent.name, "path": str(meta_path.parent), "created": meta.get("created"),
                     "target": meta["target"].get("name"), "domain": meta["target"].get("domain"),
                     "rows": meta["target"].get("n"),
                     "recommended": (summary.get("recommended") or {}).get("label"),
                     "nested_mae": summary.get("nested_mae"),
                     "transfer_helps": summary.get("transfer_helps"),
                     "format_version": meta.get("format_version", 1),
                     "title": run_title(meta, tz), "created_local": local_time(meta.get("created"), tz),
                     "unit": meta["target"].get("unit") or "", "owner_hash": meta.get("owner_hash"),
                     "verdict": summary.get("headline") or ""})
    frame = pd.DataFrame(rows, columns=RUN_COLUMNS)
    return frame.sort_values("created", ascending=False, kind="stable").reset_index(drop=True) if rows else frame
