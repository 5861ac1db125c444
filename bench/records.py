"""Where a resumable benchmark keeps its records: one file per setting and per code.

A benchmark that appends one JSON line per finished case resumes from that file when it
is run again, so the file's name must change whenever the numbers could: it holds a
fingerprint of the screen settings, the libraries, the project version and the source of
``core`` (a change of the method must never be scored with records of the old one).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from core import __version__
from core.paths import cache_dir

ROOT = Path(__file__).resolve().parents[1]


def code_hash() -> str:
    """SHA-1 of every ``core`` source file (path and bytes), in a fixed order."""
    digest = hashlib.sha1()
    for path in sorted((ROOT / "core").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def records_path(benchmark: str, config, libraries) -> Path:
    """``<cache>/bench/<benchmark>-<fingerprint>.jsonl`` (its folder created)."""
    fingerprint = hashlib.sha1(json.dumps({"config": repr(config), "libraries": [str(lib.path) for lib in libraries],
                                           "version": __version__, "code": code_hash()}).encode()).hexdigest()[:10]
    path = cache_dir() / "bench" / f"{benchmark}-{fingerprint}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
