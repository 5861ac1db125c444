"""Giving freed memory back to the operating system during long in-process work.

glibc's allocator keeps the heap pages of freed arrays for reuse, and after large arrays
come and go (a stack of nets' features, their Gram matrices) the process's resident
memory stays near its largest, fragmented, however little it still holds.
:func:`release_free_memory` asks the allocator to return what is free (``malloc_trim``).
Measured on a stage-1 screen of 10,000 nets over six scopes: peak resident memory
1,873 MB without, 1,647 MB with a release after each stack, at no cost in time; a
lower mmap threshold saved more (1,359 MB) but doubled the time.  Elsewhere (macOS,
musl, Windows) it does nothing.
"""

from __future__ import annotations

import ctypes
import platform
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # the C library the process already runs on
    except (OSError, AttributeError):
        return None


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; True where the allocator supports it."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
