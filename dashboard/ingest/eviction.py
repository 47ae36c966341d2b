"""A size cap for the columnar cache: least recently used entries go first.

Every named file loaded (the bundled data, ``ATLAS_EVENTS``, the CLI's ``--events``) leaves an
entry of two files (the events as a mapped Arrow file, about 90 MB a million events; the loader's
problems as Parquet), and every new loader version or edited actor book leaves another, so without
a cap the folder only grows. After each write the oldest entries are removed until the folder fits
:func:`cache_limit` (5 GB, about 55 million events, unless ``ATLAS_CACHE_MAX_MB`` says otherwise).
"Used" is an entry's modification time, which a cache hit renews (:func:`mark_used`): access times
are not kept on most mounts.

Several processes may share the folder: a file another one removed first is simply skipped, and a
reader whose entry disappears mid-read gets no entry and loads the file again.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

DEFAULT_LIMIT_BYTES = 5 * 10**9
EVENTS_SUFFIX = ".events.arrow"
PROBLEMS_SUFFIX = ".problems.parquet"
ENTRY_SUFFIXES = (EVENTS_SUFFIX, PROBLEMS_SUFFIX)
# An earlier layout's events file: no longer read, but still counted and removed by the cap.
OLD_SUFFIXES = (".events.parquet",)


def cache_limit() -> int:
    """The cap in bytes: ``ATLAS_CACHE_MAX_MB`` (megabytes, 0 keeps nothing) or 5 GB."""
    text = os.environ.get("ATLAS_CACHE_MAX_MB", "").strip()
    try:
        return max(int(float(text) * 10**6), 0) if text else DEFAULT_LIMIT_BYTES
    except ValueError:
        return DEFAULT_LIMIT_BYTES


def entry_key(path: Path) -> str | None:
    """The entry a cache file belongs to (None for files that are not entries)."""
    for suffix in (*ENTRY_SUFFIXES, *OLD_SUFFIXES):
        if path.name.endswith(suffix) and not path.name.startswith("."):
            return path.name[: -len(suffix)]
    return None


def mark_used(folder: Path, key: str) -> None:
    """Renew an entry's last use (a cache hit), so the cap removes it last."""
    now = time.time()
    for suffix in ENTRY_SUFFIXES:
        with contextlib.suppress(OSError):
            os.utime(folder / f"{key}{suffix}", (now, now))


def evict(folder: Path, *, limit: int | None = None, keep: str | None = None) -> list[str]:
    """Remove least recently used entries until the folder's entries fit ``limit`` bytes; the
    entry ``keep`` (the one just written) goes only if it alone is over the limit. Returns the
    keys removed, oldest first."""
    limit = cache_limit() if limit is None else limit
    entries: dict[str, list[tuple[Path, int, float]]] = {}
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            key = entry_key(path)
            if key is None:
                continue
            try:
                stat = path.stat()
            except OSError:  # removed meanwhile by another process
                continue
            entries.setdefault(key, []).append((path, stat.st_size, stat.st_mtime))
    size = {key: sum(s for _, s, _ in files) for key, files in entries.items()}
    used = {key: max(t for _, _, t in files) for key, files in entries.items()}
    total = sum(size.values())
    order = sorted((k for k in entries if k != keep), key=lambda k: (used[k], k))
    if keep in entries and size[keep] > limit:
        order.append(keep)
    removed = []
    for key in order:
        if total <= limit:
            break
        for path, _, _ in entries[key]:
            with contextlib.suppress(OSError):
                path.unlink()
        total -= size[key]
        removed.append(key)
    return removed
