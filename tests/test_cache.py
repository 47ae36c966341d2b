"""The columnar cache: a warm load equals the cold one, and no stale or damaged entry is ever used."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import dashboard.ingest.cache as cache
from dashboard.bench.synth import synthetic_events, to_csv_bytes
from dashboard.events.store import EventStore
from dashboard.ingest.cache import load_cached
from dashboard.ingest.eviction import entry_key

BAD_ROW = ("SYR-bad,not a date,2016,1,Political violence,Battles,Armed clash,Hezbollah,,,,,760,"
           "Middle East,Syria,Aleppo,Aleppo,Aleppo,36.2,37.1,1,SOHR,National,Clash.,0,1700000000\n")


@pytest.fixture
def csv_bytes() -> bytes:
    """A small ACLED-layout export with one row whose date cannot be read."""
    return to_csv_bytes(synthetic_events(300, seed=3)) + BAD_ROW.encode()


@pytest.fixture
def loads(monkeypatch) -> list[str]:
    """The names of the files the real loader was run on (a cache hit adds nothing)."""
    calls: list[str] = []
    real = cache.load_events

    def counted(*args, **kwargs):
        calls.append(kwargs.get("name"))
        return real(*args, **kwargs)

    monkeypatch.setattr(cache, "load_events", counted)
    return calls


def assert_same_store(a: EventStore, b: EventStore) -> None:
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.problems == b.problems
    assert a.fmt == b.fmt and a.name == b.name
    for field in ("start_days", "end_days", "actor_names", "governorates"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    for got, want in zip(a.links(), b.links(), strict=True):
        np.testing.assert_array_equal(got, want)


def replace_bytes(path: Path, data: bytes) -> None:
    spare = path.with_name(path.name + ".new")
    spare.write_bytes(data)
    os.replace(spare, path)


def entry_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if entry_key(p)) if folder.is_dir() else []


def test_warm_load_equals_cold_load_and_skips_the_loader(tmp_path, csv_bytes, loads):
    source = tmp_path / "export.csv"
    source.write_bytes(csv_bytes)
    cold = load_cached(source, cache_dir=tmp_path / "cache")
    assert loads == ["export.csv"] and len(entry_files(tmp_path / "cache")) == 2
    warm = load_cached(source, cache_dir=tmp_path / "cache")
    assert loads == ["export.csv"]  # the second load came from the cache
    assert_same_store(cold, warm)
    assert len(cold) == 300 and cold.fmt == "acled"
    assert [p.field for p in cold.problems] == ["event_date"]


def test_the_same_bytes_under_another_name_are_labelled_with_that_name(tmp_path, csv_bytes, loads):
    load_cached(csv_bytes, name="first.csv", cache_dir=tmp_path)
    again = load_cached(csv_bytes, name="second.csv", cache_dir=tmp_path)
    assert loads == ["first.csv"]
    assert again.name == "second.csv"
    assert {p.file for p in again.problems} == {"second.csv"}


@pytest.mark.parametrize("change", ["edit a value", "another format", "another loader"])
def test_a_change_misses_the_cache(tmp_path, csv_bytes, loads, monkeypatch, change):
    load_cached(csv_bytes, name="a.csv", cache_dir=tmp_path)
    data, fmt = csv_bytes, "auto"
    if change == "edit a value":
        data = csv_bytes.replace(b",Clash.,0,", b",Clash.,7,")
        assert data != csv_bytes
    elif change == "another format":
        fmt = "acled"
    else:
        monkeypatch.setattr(cache, "loader_version", lambda: "a-newer-loader")
    store = load_cached(data, name="a.csv", fmt=fmt, cache_dir=tmp_path)
    assert loads == ["a.csv", "a.csv"]
    assert len(entry_files(tmp_path)) == 4
    if change == "edit a value":
        assert 7 in set(store.events["fatalities"].dropna())


@pytest.mark.parametrize("damage", ["truncate", "garbage", "scrambled", "drop problems", "empty"])
def test_a_damaged_entry_is_ignored_and_rebuilt(tmp_path, csv_bytes, loads, damage):
    first = load_cached(csv_bytes, name="a.csv", cache_dir=tmp_path)
    events_file = next(p for p in entry_files(tmp_path) if p.name.endswith(".events.arrow"))
    problems_file = next(p for p in entry_files(tmp_path) if p.name.endswith(".problems.parquet"))
    # Damage arrives as a new file (the store loaded first maps the old one: a file cut short in
    # place under a live mapping stops the process, see ingest/cache.py).
    if damage == "truncate":
        replace_bytes(events_file, events_file.read_bytes()[:200])
    elif damage == "garbage":
        replace_bytes(events_file, b"ARROW1\0\0 this is not an Arrow file ARROW1")
    elif damage == "scrambled":  # the batch's offsets and codes overwritten, its footer intact
        data = bytearray(events_file.read_bytes())
        data[len(data) // 10: len(data) * 8 // 10] = b"\xff" * (len(data) * 8 // 10 - len(data) // 10)
        replace_bytes(events_file, bytes(data))
    elif damage == "drop problems":
        problems_file.unlink()
    else:
        replace_bytes(events_file, b"")
    again = load_cached(csv_bytes, name="a.csv", cache_dir=tmp_path)
    assert loads == ["a.csv", "a.csv"]
    assert_same_store(first, again)
    assert pa.ipc.open_file(events_file).read_all().num_rows == len(first)  # rewritten whole
    load_cached(csv_bytes, name="a.csv", cache_dir=tmp_path)
    assert loads == ["a.csv", "a.csv"]


def test_an_unwritable_cache_only_costs_speed(tmp_path, csv_bytes, loads):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    store = load_cached(csv_bytes, name="a.csv", cache_dir=blocker / "cache")
    again = load_cached(csv_bytes, name="a.csv", cache_dir=blocker / "cache")
    assert len(store) == len(again) == 300 and loads == ["a.csv", "a.csv"]


def test_an_unusable_file_is_reported_and_not_cached(tmp_path, loads):
    store = load_cached(b"PK\x03\x04 a zip archive", name="book.xlsx", cache_dir=tmp_path)
    assert len(store) == 0
    assert [p.action for p in store.problems] == ["error"]
    assert "not a CSV" in store.problems[0].reason
    assert entry_files(tmp_path) == []


def test_progress_goes_from_zero_to_one(tmp_path, csv_bytes):
    seen: list[tuple[float, str]] = []
    load_cached(csv_bytes, name="a.csv", cache_dir=tmp_path, on_progress=lambda f, t: seen.append((f, t)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all("a.csv" in text for _, text in seen)


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("ATLAS_CACHE_DIR")
    assert cache.default_cache_dir() == tmp_path / "xdg" / "event-atlas"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the XDG spec: ignored, not relative
    assert cache.default_cache_dir() == Path.home() / ".cache" / "event-atlas"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.default_cache_dir() == Path.home() / ".cache" / "event-atlas"


def entry_keys(folder: Path) -> set[str]:
    return {key for p in folder.iterdir() if (key := entry_key(p))}


def test_the_cache_keeps_to_its_size_evicting_the_least_recently_used(tmp_path, monkeypatch):
    files = [to_csv_bytes(synthetic_events(200, seed=seed)) for seed in (1, 2, 3)]
    load_cached(files[0], name="a.csv", cache_dir=tmp_path)
    (first,) = entry_keys(tmp_path)
    one_entry = sum(p.stat().st_size for p in tmp_path.iterdir())
    # room for two entries, not three
    monkeypatch.setenv("ATLAS_CACHE_MAX_MB", str(2.5 * one_entry / 1e6))
    load_cached(files[1], name="b.csv", cache_dir=tmp_path)
    (second,) = entry_keys(tmp_path) - {first}
    for path in tmp_path.iterdir():  # both used a while ago, the first one earlier
        stamp = 1_000 if path.name.startswith(first) else 2_000
        os.utime(path, (stamp, stamp))
    load_cached(files[0], name="a.csv", cache_dir=tmp_path)  # a hit: now the first is recent
    load_cached(files[2], name="c.csv", cache_dir=tmp_path)
    keys = entry_keys(tmp_path)
    assert first in keys and second not in keys and len(keys) == 2
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 2.5 * one_entry


def test_an_entry_over_the_cap_is_not_kept_and_the_load_still_works(tmp_path, monkeypatch,
                                                                     csv_bytes):
    monkeypatch.setenv("ATLAS_CACHE_MAX_MB", "0")
    store = load_cached(csv_bytes, name="big.csv", cache_dir=tmp_path)
    assert len(store) == 300 and not entry_files(tmp_path)


def test_eviction_leaves_other_files_alone_and_skips_what_another_process_removed(tmp_path):
    from dashboard.ingest.eviction import evict

    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / ".k1.events.arrow.123.ab.tmp").write_bytes(b"x" * 100)  # a write in progress
    (tmp_path / "k0.events.parquet").write_bytes(b"x" * 100)  # the earlier layout's, oldest
    os.utime(tmp_path / "k0.events.parquet", (900, 900))
    for number, key in enumerate(("k1", "k2")):
        for suffix in (".events.arrow", ".problems.parquet"):
            (tmp_path / f"{key}{suffix}").write_bytes(b"x" * 100)
            os.utime(tmp_path / f"{key}{suffix}", (1000 + number, 1000 + number))
    assert evict(tmp_path, limit=250) == ["k0", "k1"]
    assert evict(tmp_path, limit=250) == []
    assert {p.name for p in tmp_path.iterdir()} == {
        "notes.txt", ".k1.events.arrow.123.ab.tmp", "k2.events.arrow", "k2.problems.parquet"}
    assert evict(tmp_path / "missing", limit=0) == []


def test_the_cap_defaults_to_5_gb_and_reads_megabytes(monkeypatch):
    from dashboard.ingest.eviction import cache_limit

    monkeypatch.delenv("ATLAS_CACHE_MAX_MB", raising=False)
    assert cache_limit() == 5 * 10**9
    monkeypatch.setenv("ATLAS_CACHE_MAX_MB", "500")
    assert cache_limit() == 500 * 10**6
    monkeypatch.setenv("ATLAS_CACHE_MAX_MB", "lots")
    assert cache_limit() == 5 * 10**9


def count_file_hashes(monkeypatch) -> list[str]:
    """A list that grows by one for each file the cache hashes from now on."""
    hashed: list[str] = []
    real = cache.hashlib.sha256

    def counted(*args):
        if not args:  # a file's hash, fed in chunks (names are hashed whole)
            hashed.append("file")
        return real(*args)

    monkeypatch.setattr(cache.hashlib, "sha256", counted)
    return hashed


def test_a_known_file_is_not_hashed_again_until_it_changes(tmp_path, csv_bytes, loads, monkeypatch):
    source, folder = tmp_path / "export.csv", tmp_path / "cache"
    source.write_bytes(csv_bytes)
    load_cached(source, cache_dir=folder)  # the first start makes the folder
    load_cached(source, cache_dir=folder)  # the second hashes the file and remembers it
    hashed = count_file_hashes(monkeypatch)
    monkeypatch.setattr(cache, "loader_version", lambda: "the same loader")
    load_cached(source, cache_dir=folder)
    assert hashed == [] and loads == ["export.csv", "export.csv"]  # remembered; a new loader's entry
    stat = source.stat()
    # The same size, the modification time set back: only the change time tells, and it does.
    source.write_bytes(csv_bytes.replace(b",Clash.,0,", b",Clash.,7,"))
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    store = load_cached(source, cache_dir=folder)
    assert hashed and loads == ["export.csv", "export.csv", "export.csv"]
    assert 7 in set(store.events["fatalities"].dropna())


@pytest.mark.parametrize("damage", [b"not json", b'{"path": 1}',
                                    b'{"path": "x", "stat": [], "sha256": "00"}'])
def test_a_damaged_hash_memo_is_hashed_again_not_trusted(tmp_path, csv_bytes, loads, damage):
    source, folder = tmp_path / "export.csv", tmp_path / "cache"
    source.write_bytes(csv_bytes)
    load_cached(source, cache_dir=folder)
    first = load_cached(source, cache_dir=folder)  # remembers the hash
    (memo,) = (folder / "digests").glob("*.json")
    memo.write_bytes(damage)
    again = load_cached(source, cache_dir=folder)
    assert loads == ["export.csv"] and len(again) == len(first)  # the same entry, found by its hash
    assert json.loads(memo.read_text())["sha256"] != "00"  # and the memo written anew


def test_the_events_governorates_are_worked_out_once_and_kept_in_the_copy(tmp_path, csv_bytes,
                                                                          monkeypatch):
    """The point-in-polygon test of the places is made by the load (not again for the copy it
    hands out), and a known file's start takes the governorates from its copy."""
    import dashboard.events.store as store_module

    real, asked = store_module.governorate_codes, []

    def counted(*args, **kwargs):
        asked.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(store_module, "governorate_codes", counted)
    source = tmp_path / "export.csv"
    source.write_bytes(csv_bytes)
    cold = load_cached(source, cache_dir=tmp_path / "cache")
    assert len(asked) == 1
    warm = load_cached(source, cache_dir=tmp_path / "cache")
    assert len(asked) == 1
    assert_same_store(cold, warm)
    assert len(set(cold.governorates) - {""}) > 3 and cold.facets.regions[0] == ""
    np.testing.assert_array_equal(cold.facets.region_code, warm.facets.region_code)
    upload = load_cached(csv_bytes, name="upload.csv", persist=False)
    assert len(asked) == 2 and list(upload.governorates) == list(cold.governorates)


def test_stored_governorates_read_back_in_text_order_whatever_the_pieces_say():
    import pyarrow as pa

    pieces = pa.chunked_array([
        pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int8()), pa.array(["Idlib", ""])),
        pa.DictionaryArray.from_arrays(pa.array([1, 0], pa.int8()), pa.array(["Aleppo", "Hama"])),
    ])
    found = cache._regions(pieces)
    assert found is not None
    codes, names = found
    assert list(names) == ["", "Aleppo", "Hama", "Idlib"]
    assert list(names[codes]) == ["Idlib", "", "Idlib", "Hama", "Aleppo"]
    assert cache._regions(pa.chunked_array([pa.array([1, 2])])) is None


def test_a_known_file_is_mapped_not_read(tmp_path, csv_bytes, loads):
    """The copy's pages are the store's columns (shared through the page cache), not a decoded
    copy: the process maps the entry's events file, and the mapped columns cannot be written."""
    cold = load_cached(csv_bytes, name="a.csv", cache_dir=tmp_path)
    (events_file,) = (p for p in entry_files(tmp_path) if p.name.endswith(".events.arrow"))
    warm = load_cached(csv_bytes, name="a.csv", cache_dir=tmp_path)
    assert loads == ["a.csv"]
    maps = Path("/proc/self/maps").read_text()
    assert str(events_file.resolve()) in maps
    lat = warm.events["lat"].array._ndarray  # the column's own buffer, not pandas' read-only view
    assert not lat.flags.writeable and not lat.flags.owndata
    assert_same_store(cold, warm)


def _rewritten(events_file: Path, change) -> None:
    """The entry's events file replaced by a valid Arrow file made from it by ``change``."""
    table = change(pa.ipc.open_file(events_file).read_all())
    spare = events_file.with_name(events_file.name + ".new")
    with pa.OSFile(str(spare), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    os.replace(spare, events_file)


def _with_atlas(table: pa.Table, **changes) -> pa.Table:
    meta = dict(table.schema.metadata)
    meta[b"atlas"] = json.dumps({**json.loads(meta[b"atlas"]), **changes}).encode()
    return table.replace_schema_metadata(meta)


@pytest.mark.parametrize("wrong", ["dates as numbers", "coordinates as text", "metadata nested deep",
                                   "another entry's copy", "rows missing", "a pipe"])
def test_a_valid_arrow_file_that_is_not_this_entry_s_copy_is_rebuilt(tmp_path, csv_bytes, loads, wrong):
    """Well-formed files with the wrong content: each is logged and rebuilt, never raised (an
    exception here used to stop every later start until the entry was deleted by hand) and never
    served as this file's events. (A copy forged to agree with its own metadata is not caught:
    the entry carries no checksum, which would cost a read of the whole copy at every start.)"""
    first = load_cached(csv_bytes, name="a.csv", cache_dir=tmp_path)
    (events_file,) = (p for p in entry_files(tmp_path) if p.name.endswith(".events.arrow"))
    if wrong == "dates as numbers":
        change = lambda t: t.set_column(t.schema.get_field_index("start"), "start",  # noqa: E731
                                        pa.array(range(t.num_rows), pa.int64()))
    elif wrong == "coordinates as text":
        change = lambda t: t.set_column(t.schema.get_field_index("lat"), "lat",  # noqa: E731
                                        t.column("lat").cast(pa.string()))
    elif wrong == "metadata nested deep":
        change = lambda t: t.replace_schema_metadata(  # noqa: E731
            {**t.schema.metadata, b"atlas": b"[" * 100_000})
    elif wrong == "another entry's copy":
        change = lambda t: _with_atlas(t, key="another-entry")  # noqa: E731
    elif wrong == "rows missing":
        change = lambda t: t.slice(0, 10)  # noqa: E731
    if wrong == "a pipe":  # opened for mapping it would wait for a writer
        events_file.unlink()
        os.mkfifo(events_file)
    else:
        _rewritten(events_file, change)
    again = load_cached(csv_bytes, name="a.csv", cache_dir=tmp_path)
    assert loads == ["a.csv", "a.csv"]
    assert_same_store(first, again)
    load_cached(csv_bytes, name="a.csv", cache_dir=tmp_path)
    assert loads == ["a.csv", "a.csv"]  # the rebuilt entry is used


def test_a_file_replaced_while_it_loads_is_not_saved_under_the_old_content(tmp_path, monkeypatch):
    """The hash is of the file as it was; the loader reads it again: if another file was renamed
    over it in between, its events must not be kept as the first content's copy."""
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(to_csv_bytes(synthetic_events(50, seed=1)))
    second.write_bytes(to_csv_bytes(synthetic_events(70, seed=2)))
    source = tmp_path / "export.csv"
    source.write_bytes(first.read_bytes())
    real = cache.load_events

    def swapped(data, **kwargs):
        os.replace(second, source)  # a writer's rename lands between the hash and the read
        return real(data, **kwargs)

    monkeypatch.setattr(cache, "load_events", swapped)
    assert len(load_cached(source, cache_dir=tmp_path / "cache")) == 70  # what the file holds now
    monkeypatch.setattr(cache, "load_events", real)
    source.write_bytes(first.read_bytes())  # the first content again
    assert len(load_cached(source, cache_dir=tmp_path / "cache")) == 50


def test_the_start_after_the_first_does_not_hash_the_file(tmp_path, csv_bytes, loads, monkeypatch):
    """The first start makes the cache folder and remembers the hash it made there: the second
    start hashed a ten-million-event export again (5 s of its first map)."""
    source, folder = tmp_path / "export.csv", tmp_path / "cache"
    source.write_bytes(csv_bytes)
    load_cached(source, cache_dir=folder)
    hashed = count_file_hashes(monkeypatch)
    assert len(load_cached(source, cache_dir=folder)) == 300
    assert hashed == [] and loads == ["export.csv"]
