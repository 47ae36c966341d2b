"""Giving the memory a load freed back to the system.

Reading a ten-million-event copy peaks at several times the store it leaves: Arrow's allocator
keeps the buffers it freed for reuse, and so does the C library's, so a served app kept ~180 MB
more than its store for as long as it ran. After a load the app asks both to return what they
hold unused; the next load allocates afresh, at no measurable cost.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools

import pyarrow as pa


@functools.cache
def _trim() -> object | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    return None


def give_back_free_memory() -> None:
    """Return the memory Arrow's pool and the C allocator hold unused to the system."""
    pa.default_memory_pool().release_unused()
    trim = _trim()
    if callable(trim):
        trim(0)
