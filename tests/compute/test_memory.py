"""Freed memory goes back to the system between stacks of a big screen."""

import platform

import numpy as np
import pytest

from core.compute.memory import release_free_memory


def _resident_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_heap_memory_below_a_live_array_goes_back_to_the_system():
    arrays = [np.ones(8192) for _ in range(3000)]  # 64 kB each, below the mmap threshold: on the heap
    last = arrays[-1]  # alive at the top of the heap, so freeing the rest does not shrink it by itself
    del arrays
    before = _resident_mb()
    assert release_free_memory() is True
    assert _resident_mb() < before - 100  # most of the 196 MB freed
    assert last.sum() == 8192
