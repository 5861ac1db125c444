"""Pick the torch device: a GPU when there is one, else the CPU.

Importing torch takes about a second here, and the dashboard's first page only shows which
device a screen would use.  A torch built without CUDA or ROCm (the CPU wheel this project
installs) can never use a GPU, and its build says so in ``torch/version.py``, which is read
on its own without importing torch; only a GPU build imports torch to ask for a device.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from typing import TYPE_CHECKING

from core.errors import InputError

if TYPE_CHECKING:
    import torch

CHOICES = ("auto", "cpu", "cuda")


@lru_cache(maxsize=1)
def gpu_build() -> bool:
    """Whether the installed torch was built for a GPU (CUDA or ROCm), without importing it.

    Unknown builds (no readable ``torch/version.py``) count as GPU builds: then torch itself
    is asked.
    """
    spec = importlib.util.find_spec("torch")
    folder = next(iter(spec.submodule_search_locations or []), None) if spec else None
    path = os.path.join(folder, "version.py") if folder else ""
    if not os.path.isfile(path):
        return True
    probe = importlib.util.spec_from_file_location("_mdl_torch_build", path)
    build = importlib.util.module_from_spec(probe)
    try:
        probe.loader.exec_module(build)  # a few assignments: no torch import
    except Exception:  # noqa: BLE001 (an unreadable file: ask torch itself)
        return True
    return bool(getattr(build, "cuda", None) or getattr(build, "hip", None))


def _cuda_available() -> bool:
    import torch

    return gpu_build() and torch.cuda.is_available()


def resolve_device(name: str = "auto") -> "torch.device":
    """``auto`` takes CUDA when available; ``cuda`` without a GPU is an InputError."""
    import torch

    name = (name or "auto").lower()
    if name not in CHOICES and not name.startswith("cuda:"):
        raise InputError(f"unknown device {name!r}; choose auto, cpu or cuda")
    if name == "auto":
        return torch.device("cuda" if _cuda_available() else "cpu")
    if name.startswith("cuda") and not _cuda_available():
        raise InputError("--device cuda was asked for but no CUDA GPU is available (use auto or cpu)")
    return torch.device(name)


def _cpu_label() -> str:
    cores = os.cpu_count() or 1
    return f"CPU ({cores} core{'s' if cores != 1 else ''})"


def device_label(device: "torch.device | str | None" = None) -> str:
    """Human-readable device: ``CPU (2 cores)`` or the GPU's name.

    The cores of the machine, not torch's current thread count: a screen in flight runs
    its threads one torch thread each, and the label must not change while it does.
    Without a GPU build of torch (and for ``"cpu"``) torch is not imported."""
    if device is None and not gpu_build():
        return _cpu_label()
    if isinstance(device, str) and device.split(":")[0] == "cpu":
        return _cpu_label()
    import torch

    device = torch.device(device) if device is not None else resolve_device("auto")
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    return _cpu_label()
