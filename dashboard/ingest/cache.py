"""A columnar copy of every loaded file, so that a million-row CSV is parsed once, not per start.

Parsing, adapting and checking a 1M-row export takes many seconds. The copy keeps the events as an
uncompressed Arrow file of one record batch, which a start maps into memory rather than reads: the
store's columns (numbers, dates, the codes of its text columns, the ids) are the file's own pages,
used in place, so a start costs a check of the file's structure, not a decode and a copy of every
event (at ten million events the Parquet copy's read and conversion took 1-4 s, much of it the
kernel handing out fresh memory), and several app processes on one machine share one copy of those
pages through the page cache. The price is disk: about 90 MB a million events (Parquet with zstd
took a fifth of it). The store is read-only where it is mapped; pandas copies a column before any
change (copy-on-write), and nothing changes a loaded store's columns in place. A mapped file must
not be cut short in place while an app runs (the kernel stops a process that touches a page past a
file's end): the cache itself only ever replaces a file (a new one renamed over it) or removes it,
which leaves the mapped pages readable. The copy is keyed on the file's content (sha256) plus a
version of the loader (its source code and the actor and place books it resolves names with), so an
edited file, a new loader or an edited actors.csv all miss the cache, and nothing stale is ever
shown. Entries are written atomically and a damaged entry is treated as absent and rebuilt: one
that fails the structural check, names another entry (a copy records its own key), holds other
rows than it says or a column of another kind, or fails in any way while it is read. A file that
changes between its hash and its load is not saved. A copy is not checksummed (a checksum would
cost a read of all of it at every start): a copy forged to agree with itself is trusted, as is
everything else in the owner-only folder.

Both paths, cold and warm, hand out the store built from the same Arrow table (the cold one maps
the copy it has just written, or keeps the table in memory when it could not write it), so they
give equal stores; its text columns are Arrow strings, several times smaller than Python objects.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard import DATA_DIR, PACKAGE_DIR
from dashboard.books.actors import DEFAULT_ACTORS, DEFAULT_NAMES, ActorBook
from dashboard.books.gazetteer import DEFAULT_GAZETTEER
from dashboard.events.facets import Facets
from dashboard.events.store import EventStore, index_store
from dashboard.ingest.columnmap import ColumnMap
from dashboard.ingest.digests import remember, remembered, signature
from dashboard.ingest.eviction import EVENTS_SUFFIX, PROBLEMS_SUFFIX, evict, mark_used
from dashboard.ingest.load import MAX_UPLOAD_BYTES, load_events
from dashboard.model.atomic import PRIVATE, write_atomic
from dashboard.model.problems import PROBLEM_COLUMNS, ProblemTable
from dashboard.model.schema import CANONICAL_COLUMNS

CACHE_FORMAT = "2"  # bump when the layout of an entry changes (2: events as a mapped Arrow file)
# What a load's result depends on besides the file: the loader's code and the books it uses.
LOADER_FILES: tuple[Path, ...] = (
    *sorted(path for layer in ("model", "books", "ingest")  # all the code a load runs
            for path in (PACKAGE_DIR / layer).rglob("*.py")),
    PACKAGE_DIR / "events" / "store.py",  # which events count in a governorate (kept in the copy)
    DEFAULT_ACTORS,
    DEFAULT_NAMES,
    DEFAULT_GAZETTEER,
    DATA_DIR / "basemap" / "syria_region.geojson",
)
Progress = Callable[[float, str], None]
log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """$ATLAS_CACHE_DIR, else event-atlas in the XDG cache folder ($XDG_CACHE_HOME when it is an
    absolute path, as the XDG spec asks, else ~/.cache)."""
    if os.environ.get("ATLAS_CACHE_DIR"):
        return Path(os.environ["ATLAS_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "event-atlas"


def private_folder(folder: Path) -> Path:
    """``folder``, made (or set) readable by its owner only: cache entries copy users' files."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_uid == os.getuid():
        folder.chmod(0o700)
    return folder


def loader_version() -> str:
    """A short hash of everything besides the file that decides what a load produces."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for path in LOADER_FILES:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"(missing)")
    return digest.hexdigest()[:16]


def cache_key(digest: str, *, fmt: str | ColumnMap) -> str:
    """The entry name for a file's sha256 read as ``fmt``."""
    return f"{digest[:32]}-{fmt}-{loader_version()}"


def _fingerprint(source: str | Path | bytes | BinaryIO, max_bytes: int,
                 memo: Path | None = None) -> tuple[str, int, str | Path | bytes] | None:
    """(sha256, size, what to hand the loader), or None when the file cannot be read or is over
    the limit (the loader then words the refusal). A path is hashed in chunks and not kept in
    memory: a warm start never holds the CSV; with ``memo`` (a cache folder) an unchanged path's
    hash is remembered there and not computed again (:mod:`dashboard.ingest.digests`)."""
    try:
        if isinstance(source, str | os.PathLike):
            stat = os.stat(source)
            if stat.st_size > max_bytes:
                return None
            known = remembered(memo, source, stat) if memo is not None else None
            if known is not None:
                return known, stat.st_size, source
            digest = hashlib.sha256()
            with open(source, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            if memo is not None:
                remember(memo, source, stat, digest.hexdigest())
            return digest.hexdigest(), stat.st_size, source
        data = source if isinstance(source, bytes) else \
            bytes(source) if isinstance(source, bytearray | memoryview) else source.read(max_bytes + 1)
    except (OSError, ValueError) as err:
        log.warning("cache: cannot read %s to fingerprint it (%s); loading it uncached", source, err)
        return None
    if not isinstance(data, bytes) or len(data) > max_bytes:
        return None
    return hashlib.sha256(data).hexdigest(), len(data), data


# A cached copy's extra column: each event's governorate as its load worked it out (the
# point-in-polygon test of every distinct place is not made again at each start).
GOVERNORATE = "atlas_governorate"


def events_arrow(events: pd.DataFrame, fmt: str, *, facets: Facets | None = None) -> pa.Table:
    """The events as the cache keeps them (and ``publish`` sends them): Arrow, with pandas'
    metadata so that the round trip gives back the same dtypes; with ``facets``, the events'
    governorates too (the cache's copy)."""
    table = pa.Table.from_pandas(events, preserve_index=False)
    if facets is not None and len(facets.region_code) == len(events):
        table = table.append_column(GOVERNORATE, pa.DictionaryArray.from_arrays(
            pa.array(facets.region_code), pa.array(facets.regions.astype(str), pa.string())))
    meta = dict(table.schema.metadata or {})
    meta[b"atlas"] = json.dumps({"format": CACHE_FORMAT, "fmt": fmt, "rows": len(events)}).encode()
    return table.replace_schema_metadata(meta)


def _write_parquet(path: Path, table: pa.Table) -> None:
    # Derived from the user's file: owner-only, in an owner-only folder (see private_folder).
    write_atomic(path, lambda handle: pq.write_table(table, handle, compression="zstd"), mode=PRIVATE)


def _write_arrow(path: Path, table: pa.Table) -> None:
    """The events as an uncompressed Arrow file of one record batch: each column one contiguous
    buffer that a reader maps and uses in place (see the module's docstring)."""
    whole = table.unify_dictionaries().combine_chunks()

    def write(handle: BinaryIO) -> None:
        with pa.ipc.new_file(handle, whole.schema) as writer:
            writer.write_table(whole)

    write_atomic(path, write, mode=PRIVATE)


def _read_arrow(path: Path) -> pa.Table:
    """A copy written by :func:`_write_arrow`, mapped. Fully validated (string offsets, dictionary
    indices: 0.2 s at ten million events), since a damaged file read in place could otherwise
    point outside its buffers; a truncated one has no footer and fails to open."""
    table = pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()
    table.validate(full=True)
    return table


def _stat(source: object) -> os.stat_result | None:
    """A path's file as the system knows it, None for bytes and streams or a file not there."""
    if not isinstance(source, str | os.PathLike):
        return None
    try:
        return os.stat(source)
    except OSError:
        return None


def _problems_from(frame: pd.DataFrame, name: str, old_name: str) -> ProblemTable:
    """The cached problems under the name the file has now (columns, not a Problem per row)."""
    files = frame["file"].astype("str")
    return ProblemTable.from_frame(frame.assign(file=files.where(files != old_name, name)))


def store_from_arrow(events_table: pa.Table, problems: ProblemTable, *, name: str, fmt: str,
                     actors: ActorBook) -> EventStore:
    """The store of an :func:`events_arrow` table: the canonical columns, indexed again (its
    governorates taken from the table when it has them)."""
    regions = None
    if GOVERNORATE in events_table.column_names:
        regions = _regions(events_table.column(GOVERNORATE))
        events_table = events_table.drop_columns([GOVERNORATE])
    # split_blocks + self_destruct free each Arrow column once converted: a lower peak.
    events = events_table.to_pandas(split_blocks=True, self_destruct=True)[list(CANONICAL_COLUMNS)]
    return index_store(name, events, problems=problems, actors=actors, fmt=fmt, regions=regions)


def _regions(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray] | None:
    """(code per event, names in text order with "" first) from a stored governorate column,
    whatever order its pieces' dictionaries came back in; None if it is not one."""
    if not pa.types.is_dictionary(column.type):
        return None
    held = column.to_pandas()
    names = np.array(sorted({"", *map(str, held.cat.categories)}), dtype=object)
    remap = np.searchsorted(names, np.asarray(held.cat.categories, dtype=str)).astype(np.int32)
    codes = held.cat.codes.to_numpy()
    return np.where(codes < 0, 0, remap[np.maximum(codes, 0)] if len(remap) else 0).astype(np.int32), names


def _read_entry(folder: Path, key: str, *, name: str, actors: ActorBook) -> EventStore | None:
    """The cached store, or None when the entry is missing or cannot be read in full."""
    events_path, problems_path = folder / f"{key}{EVENTS_SUFFIX}", folder / f"{key}{PROBLEMS_SUFFIX}"
    if not events_path.exists() or not problems_path.exists():
        return None
    if not events_path.is_file():  # a pipe or a folder in its place: mapping it would hang or fail
        log.warning("cache: entry %s in %s is not a file; rebuilding it", key, folder)
        return None
    try:
        table = _read_arrow(events_path)
        meta = json.loads(table.schema.metadata[b"atlas"])
        wrong = _wrong_in(table, meta, key)
        if wrong:
            log.warning("cache: entry %s in %s is not this file's copy (%s); rebuilding it",
                        key, folder, wrong)
            return None
        problem_table = pq.read_table(problems_path)
        if set(problem_table.column_names) != set(PROBLEM_COLUMNS):
            log.warning("cache: entry %s in %s has no problem table; rebuilding it", key, folder)
            return None
        old_name = (problem_table.schema.metadata or {}).get(b"atlas-name", b"").decode()
        problems = _problems_from(problem_table.to_pandas(), name, old_name)
        return store_from_arrow(table, problems, name=name, fmt=str(meta["fmt"]), actors=actors)
    except FileNotFoundError:  # removed meanwhile by another process's cap
        log.info("cache: entry %s in %s was removed while it was read; loading the file", key, folder)
        return None
    except Exception as err:  # whatever an entry holds, the cache never stops a load
        log.warning("cache: entry %s in %s is damaged (%s: %s); rebuilding it",
                    key, folder, type(err).__name__, err)
        return None


def _text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


# The kind of Arrow column a store is built from, for the columns that are not dictionaries of text
# (SHARED_TEXT: every other canonical column).
_KINDS: dict[str, Callable[[pa.DataType], bool]] = {
    "id": _text,
    **dict.fromkeys(("start", "end"), lambda kind: pa.types.is_timestamp(kind) and kind.tz is None),
    **dict.fromkeys(("lat", "lon", "uncertainty_km"), pa.types.is_floating),
    **dict.fromkeys(("fatalities", "wounded", "line"), pa.types.is_integer),
}


def _wrong_in(table: pa.Table, meta: dict, key: str) -> str:
    """What makes a mapped table other than the copy this entry wrote ("" when nothing): another
    layout, another entry's copy renamed to this one, a row count or a column of another kind."""
    if meta.get("format") != CACHE_FORMAT or meta.get("key") != key:
        return "another layout or another entry's copy"
    if meta.get("rows") != table.num_rows:
        return f"{table.num_rows:,} rows where it wrote {meta.get('rows')}"
    for column in CANONICAL_COLUMNS:
        if column not in table.column_names:
            return f"no column {column!r}"
        kind = table.schema.field(column).type
        fits = _KINDS.get(column, lambda k: pa.types.is_dictionary(k) and _text(k.value_type))
        if not fits(kind):
            return f"column {column!r} holds {kind}"
    return ""


def _write_entry(folder: Path, key: str, table: pa.Table, problems: ProblemTable, name: str) -> None:
    """Problems first, events last: an entry counts only once its events file exists."""
    frame = problems.frame.astype({column: "str" for column in ("file", "field", "reason", "action")})
    problem_table = pa.Table.from_pandas(frame, preserve_index=False)
    problem_table = problem_table.replace_schema_metadata(
        {**(problem_table.schema.metadata or {}), b"atlas-name": name.encode()})
    _write_parquet(folder / f"{key}{PROBLEMS_SUFFIX}", problem_table)
    meta = dict(table.schema.metadata or {})
    meta[b"atlas"] = json.dumps({**json.loads(meta[b"atlas"]), "key": key}).encode()  # whose copy
    _write_arrow(folder / f"{key}{EVENTS_SUFFIX}", table.replace_schema_metadata(meta))


def _load_with_ticks(data: str | Path | bytes, size: int, name: str, fmt: str | ColumnMap, max_bytes: int,
                     actors: ActorBook, report: Progress) -> EventStore:
    """load_events in a worker thread, with progress the caller's thread can show meanwhile.

    The loader reports only its reading step, so while it adapts and checks rows the fraction is
    an estimate from the file size (about 15 MB a second on a small machine), never past 90 %.
    """
    expected = max(size / 15e6, 0.5)
    reading = [0.0]

    def on_read(fraction: float) -> None:
        reading[0] = fraction

    with ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(load_events, data, name=name, fmt=fmt, max_bytes=max_bytes,
                          actors=actors, on_progress=on_read)
        begun = time.monotonic()
        while True:
            try:
                return job.result(timeout=0.25)
            except TimeoutError:
                elapsed = time.monotonic() - begun
                if reading[0] < 1.0:
                    report(0.05 + 0.25 * reading[0], f"Reading {name}…")
                else:
                    estimate = 0.3 + 0.6 * (1 - math.exp(-elapsed / expected))
                    report(estimate, f"Checking {name}: {elapsed:.0f} s…")


def load_cached(
    source: str | Path | bytes | BinaryIO,
    *,
    name: str | None = None,
    fmt: str | ColumnMap = "auto",
    cache_dir: str | Path | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    actors: ActorBook | None = None,
    on_progress: Progress | None = None,
    persist: bool = True,
) -> EventStore:
    """The store of an events file, from the columnar cache when this content was loaded before.

    Never fails because of the cache: an unreadable or unwritable cache means a normal load.
    ``persist=False`` (a user's upload) neither reads nor writes the cache: nothing of the file
    reaches the disk, and the store is built the same way (the columnar round trip in memory).
    """
    report = on_progress or (lambda fraction, text: None)
    label = name or (Path(source).name if isinstance(source, str | os.PathLike) else "upload")
    actors = actors or ActorBook.load()
    report(0.0, f"Checking the cache for {label}…")
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    before = _stat(source)  # a file replaced between its hash and its load is not saved
    found = _fingerprint(source, max_bytes, folder if persist and folder.is_dir() else None)
    if found is None:
        if hasattr(source, "seek"):
            source.seek(0)
        return load_events(source, name=label, fmt=fmt, max_bytes=max_bytes, actors=actors)
    digest, size, data = found
    key = cache_key(digest, fmt=fmt)
    begun = time.monotonic()
    cached = _read_entry(folder, key, name=label, actors=actors) if persist else None
    if cached is not None:
        mark_used(folder, key)
        log.info("cache hit: %s, %s events from %s in %.2f s", label, f"{len(cached):,}", folder,
                 time.monotonic() - begun)
        report(1.0, f"{label}: {len(cached):,} events (from the cache)")
        return cached
    log.info("cache %s: %s (%s bytes), loading it", "miss" if persist else "not used (upload)",
             label, f"{size:,}")
    store = _load_with_ticks(data, size, label, fmt, max_bytes, actors, report)
    del data, found
    after = _stat(source)
    if persist and before is not None and (after is None or signature(after) != signature(before)):
        log.warning("cache: %s changed while it was read; its copy is not saved", label)
        persist = False  # the events loaded may not be the content that was hashed
    if store.problems.has("error"):
        return store  # nothing worth keeping; a fixed loader or file gets a fresh try
    if persist:
        report(0.92, f"Saving a fast copy of {label}…")
    table = events_arrow(store.events, store.fmt, facets=store.facets)
    problems = store.problems
    del store
    result = None
    if persist:
        try:
            _write_entry(private_folder(folder), key, table, problems, label)
            if isinstance(source, str | os.PathLike) and before is not None:
                remember(folder, source, before, digest)  # the next start does not hash it again
            evict(folder, keep=key)  # the cap: least recently used entries go first
            log.info("cache: saved %s as %s in %s", label, key, folder)
            result = _read_entry(folder, key, name=label, actors=actors)  # mapped, as a later start
        except OSError as err:  # a read-only or full disk costs speed next time only
            log.warning("cache: cannot save %s in %s (%s); it will be loaded again next time",
                        label, folder, err)
    if result is None:  # not saved (an upload, a full disk) or evicted at once (over the cap)
        result = store_from_arrow(table, problems, name=label, fmt=json.loads(
            table.schema.metadata[b"atlas"])["fmt"], actors=actors)
    del table
    report(1.0, f"{label}: {len(result):,} events")
    return result
