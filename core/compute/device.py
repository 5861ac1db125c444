"""Pick the torch device: a GPU when there is one, else the CPU."""

from __future__ import annotations

import os

import torch

from core.errors import InputError

CHOICES = ("auto", "cpu", "cuda")


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` takes CUDA when available; ``cuda`` without a GPU is an InputError."""
    name = (name or "auto").lower()
    if name not in CHOICES and not name.startswith("cuda:"):
        raise InputError(f"unknown device {name!r}; choose auto, cpu or cuda")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InputError("--device cuda was asked for but no CUDA GPU is available (use auto or cpu)")
    return torch.device(name)


def device_label(device: torch.device | str | None = None) -> str:
    """Human-readable device: ``CPU (2 cores)`` or the GPU's name.

    The cores of the machine, not torch's current thread count: a screen in flight runs
    its threads one torch thread each, and the label must not change while it does."""
    device = torch.device(device) if device is not None else resolve_device("auto")
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    cores = os.cpu_count() or 1
    return f"CPU ({cores} core{'s' if cores != 1 else ''})"
