"""Atomic file writes: a crash mid-write never leaves a truncated or broken file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Let ``write`` fill a temporary file in the same folder, fsync it, then rename it over
    ``path``; a writer that streams (Parquet, images) never needs the whole file in memory."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes files only their owner can read; exports are shared
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """:func:`write_atomic` for bytes already in memory."""
    return write_atomic(path, lambda handle: handle.write(data))


def write_text_atomic(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Text version of :func:`write_bytes_atomic`."""
    return write_bytes_atomic(path, text.encode(encoding))
