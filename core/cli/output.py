"""Printing helpers shared by the commands: JSON to stdout, tables, progress to stderr."""

from __future__ import annotations

import json
import math
import sys
import time
from typing import Any

import numpy as np
import pandas as pd


def _default(obj: Any):
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return None if not math.isfinite(float(obj)) else float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, pd.DataFrame):
        return json.loads(obj.to_json(orient="records"))
    if hasattr(obj, "value"):
        return obj.value
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)


def _clean(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def emit_json(document: Any) -> None:
    """Write one JSON document to stdout (NaN and inf become null)."""
    text = json.dumps(_clean(json.loads(json.dumps(document, default=_default, allow_nan=True))), indent=2)
    sys.stdout.write(text + "\n")


def print_table(frame: pd.DataFrame, max_rows: int | None = None) -> None:
    """Plain-text table on stdout."""
    with pd.option_context("display.max_rows", max_rows or len(frame) + 1, "display.max_columns", 50,
                           "display.width", 160, "display.max_colwidth", 60):
        sys.stdout.write(frame.to_string(index=False) + "\n")


def log(message: str) -> None:
    """A log line on stderr."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


class Progress:
    """Progress printer for stderr: ``label: done/total (pct) elapsed, ~left``.

    Elapsed time counts from the object's creation (create it when the work starts) or from
    ``start``; the time left extrapolates the rate so far and is shown from 2% on.
    """

    def __init__(self, label: str, every: float = 1.0, start: float | None = None):
        self.label = label
        self.every = every
        self.start = time.monotonic() if start is None else start
        self._last = 0.0

    def __call__(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if 0 < done < total and now - self._last < self.every:
            return
        self._last = now
        elapsed = now - self.start
        fraction = done / total if total else 1.0
        left = elapsed * (1 - fraction) / fraction if fraction >= 0.02 else None
        eta = f", ~{format_duration(left)} left" if left is not None and done < total else ""
        extra = f" {message}" if message else ""
        sys.stderr.write(f"{self.label}: {done}/{total} ({100 * fraction:.0f}%) {format_duration(elapsed)} "
                         f"elapsed{eta}{extra}\n")
        sys.stderr.flush()


def format_duration(seconds: float) -> str:
    """``"12 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``."""
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
