"""Torch's intra-op thread count, shared safely by concurrent work in one process.

``torch.set_num_threads`` is process-wide.  Two screens running side by side (two
dashboard sessions, or stage-1 chunks on a thread pool) that each saved the count,
set it to one and restored it on exit would interleave: the first to finish restores
the old count under the other, and the last leaves the process on one thread for good.
:func:`one_torch_thread` counts who is inside and restores the count only when the last
one leaves.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import torch

_lock = threading.Lock()
_inside = 0
_saved = 1


@contextmanager
def one_torch_thread():
    """Run the body with one torch intra-op thread (re-entrant and thread-safe).

    One thread gives the same bits wherever a computation runs, lets several chunks run
    side by side in Python threads (torch releases the GIL), and avoids LAPACK's threaded
    path for batches of small matrices, which stalls when another process holds a core.
    """
    global _inside, _saved
    with _lock:
        if _inside == 0:
            _saved = torch.get_num_threads()
            torch.set_num_threads(1)
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                torch.set_num_threads(_saved)
