"""Atomic file writes: a crash mid-write never leaves a truncated or broken file behind.

The temporary file sits beside its target, named ``.<target>.<pid>.<random>.tmp``. A writer
killed mid-write (``geocode`` interrupted while writing a 70 MB gazetteer) cannot remove its
temporary file, so the next write to the same target removes every one whose process is gone.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

SHARED = 0o644  # exports and the gazetteer: files the user hands on
PRIVATE = 0o600  # anything derived from a user's file (the cache): readable by its owner only
OLD_TEMPORARY_S = 3600
log = logging.getLogger(__name__)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files of earlier writes to ``target`` whose writer no longer runs."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(?:(\d+)\.)?[^.]+\.tmp")
    removed = []
    try:
        for path in target.parent.iterdir():
            found = pattern.fullmatch(path.name)
            if not found:
                continue
            # Names without a pid come from versions before it was recorded: stale after an hour.
            stale = (not _alive(int(found.group(1))) if found.group(1)
                     else time.time() - path.stat().st_mtime > OLD_TEMPORARY_S)
            if stale:
                try:
                    path.unlink()
                    removed.append(path)
                except FileNotFoundError:  # another writer removed it first
                    pass
                except OSError as err:  # a leftover temporary costs disk space only
                    log.warning("cannot remove the stale temporary file %s: %s", path, err)
    except OSError as err:  # the write itself goes on
        log.warning("cannot look for stale temporary files of %s: %s", target, err)
    return removed


def write_atomic(path: str | Path, write: Callable[[BinaryIO], object], *, mode: int = SHARED) -> Path:
    """Let ``write`` fill a temporary file in the same folder, fsync it, then rename it over
    ``path``; a writer that streams (Parquet, images) never needs the whole file in memory.
    ``mode`` is the file's permission bits (:data:`PRIVATE` for what comes from a user's file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp",
                               dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_bytes_atomic(path: str | Path, data: bytes, *, mode: int = SHARED) -> Path:
    """:func:`write_atomic` for bytes already in memory."""
    return write_atomic(path, lambda handle: handle.write(data), mode=mode)


def write_text_atomic(path: str | Path, text: str, *, encoding: str = "utf-8", mode: int = SHARED) -> Path:
    """Text version of :func:`write_bytes_atomic`."""
    return write_bytes_atomic(path, text.encode(encoding), mode=mode)
