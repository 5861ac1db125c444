"""Where things live: the repository's assets, the cache, installed data packages."""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

from core.errors import DataUnavailableError

REPO_ROOT = Path(__file__).resolve().parents[1]
ASSETS_DIR = REPO_ROOT / "assets"
EXAMPLES_DIR = ASSETS_DIR / "examples"
STARTER_LIBRARY_DIR = ASSETS_DIR / "library"
#: 3Dmol.js installed by the set-up command with npm (never committed).
THREEDMOL_JS = ASSETS_DIR / "js" / "node_modules" / "3dmol" / "build" / "3Dmol-min.js"


def cache_dir() -> Path:
    """Directory for parsed tables, features and downloaded wheels.

    ``MDL_CACHE`` overrides the default ``<repo>/.cache``.
    """
    path = Path(os.environ.get("MDL_CACHE", REPO_ROOT / ".cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_library_dir() -> Path:
    """The library used when none is given: ``MDL_LIBRARY`` or the shipped starter library."""
    env = os.environ.get("MDL_LIBRARY")
    return Path(env) if env else STARTER_LIBRARY_DIR


def runs_dir() -> Path:
    """Directory holding transfer runs: ``MDL_RUNS`` or ``<repo>/runs``."""
    path = Path(os.environ.get("MDL_RUNS", REPO_ROOT / "runs"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_file(distribution: str, relative: str) -> Path:
    """Locate a data file shipped inside an installed distribution, without importing it.

    Parameters
    ----------
    distribution : str
        The name on PyPI, e.g. ``"qm9pack"``.
    relative : str
        Path of the file inside site-packages, e.g. ``"qm9pack/data/qm9_part1.csv"``.

    Raises
    ------
    DataUnavailableError
        If the distribution is not installed or the file is not there.
    """
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        raise DataUnavailableError(
            f"data package {distribution!r} is not installed; run the set-up command in README.md "
            f"(pip install --no-deps -r requirements-data.txt)"
        ) from None
    path = Path(str(dist.locate_file(relative)))
    if not path.exists():
        raise DataUnavailableError(f"{distribution} {dist.version} has no file {relative}")
    return path


def package_version(distribution: str) -> str | None:
    """Installed version of ``distribution``, or None."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
