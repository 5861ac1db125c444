"""Device choice and label: the CPU build of torch is recognised without importing torch."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.compute.device import device_label, gpu_build, resolve_device
from core.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


def test_the_build_is_read_as_torch_reports_it():
    assert gpu_build() == bool(torch.version.cuda or torch.version.hip)


def test_the_label_of_a_cpu_build_needs_no_torch_import():
    code = ("import sys; from core.compute.device import device_label, gpu_build\n"
            "label = device_label()\n"
            "print(label, '|', gpu_build(), '|', 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    label, build, imported = (part.strip() for part in out.stdout.split("|"))
    assert label == device_label()
    assert imported == build  # torch imported exactly when the build could use a GPU


def test_cpu_is_always_there_and_unknown_devices_are_refused():
    assert resolve_device("cpu") == torch.device("cpu")
    assert device_label("cpu").startswith("CPU (")
    with pytest.raises(InputError, match="unknown device"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present")
def test_cuda_without_a_gpu_is_a_clear_error():
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(InputError, match="no CUDA GPU"):
        resolve_device("cuda")
