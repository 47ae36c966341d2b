"""Remembered content hashes of named files, so that a known file starts without reading it whole.

The cache is keyed on a file's sha256, and hashing a 2.9 GB export takes seconds at every start.
A named file (``ATLAS_EVENTS``, the bundled data) whose path, size, inode and modification and
change times are all as they were when it was hashed has the same content: any write changes its
change time (``st_ctime_ns``), which no program can set back. Such a file gets its remembered hash;
anything else, or a damaged memo, is hashed again. One small file per path, written atomically
and readable by its owner only, in the cache's folder (its ``digests`` subfolder).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from dashboard.model.atomic import PRIVATE, write_atomic

FOLDER = "digests"


def signature(stat: os.stat_result) -> list[int]:
    """What says a file is unchanged: the same file (device, inode), size and times; the change
    time too, which an edit that sets the modification time back still moves. Reading changes none."""
    return [stat.st_size, stat.st_ino, stat.st_dev, stat.st_mtime_ns, stat.st_ctime_ns]


def _memo_path(folder: Path, path: str | os.PathLike[str]) -> Path:
    name = hashlib.sha256(os.path.realpath(path).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return folder / FOLDER / f"{name}.json"


def remembered(folder: Path, path: str | os.PathLike[str], stat: os.stat_result) -> str | None:
    """The sha256 hashed earlier of the file at ``path`` if it has not changed since, else None."""
    try:
        memo = json.loads(_memo_path(folder, path).read_text(encoding="utf-8"))
        if memo["path"] == os.path.realpath(path) and memo["stat"] == signature(stat):
            digest = memo["sha256"]
            return digest if isinstance(digest, str) and len(digest) == 64 else None
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def remember(folder: Path, path: str | os.PathLike[str], stat: os.stat_result, digest: str) -> None:
    """Keep ``digest`` for the file at ``path`` as ``stat`` found it (before it was read); a folder
    that cannot be written costs the next start a hash only."""
    memo = {"path": os.path.realpath(path), "stat": signature(stat), "sha256": digest}
    target = _memo_path(folder, path)
    with contextlib.suppress(OSError):
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(target, lambda handle: handle.write(json.dumps(memo).encode()), mode=PRIVATE)
