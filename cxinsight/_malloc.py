"""Give freed heap memory back to the operating system (glibc's ``malloc_trim``).

A large study's steps allocate and free many mid-sized arrays (UMAP's neighbour graphs, the
anonymiser's detections); glibc keeps the freed pages for later allocations, so the process's
resident memory stays at its high-water mark. Trimming at the end of a step, and between UMAP's
fit and transform, lets the next peak start lower. Nothing is computed differently.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (macOS, Windows, musl): nothing to trim
        return None


def trim() -> bool:
    """Return freed heap pages to the system; ``False`` where ``malloc_trim`` does not exist."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0) >= 0)
