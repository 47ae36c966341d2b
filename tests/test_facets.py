"""Per-view counts from codes give exactly what counting the selected rows gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.bench.synth import synthetic_events
from dashboard.events.facets import region_counts, timeline
from dashboard.events.query import Query, select
from dashboard.events.store import index_store
from dashboard.events.timeline import counts_over_time

from .conftest import SMALL_EVENTS, event, make_actor_book


def direct_regions(store, mask) -> dict[str, int]:
    counts = pd.Series(store.governorates[mask]).value_counts()
    return {str(k): int(v) for k, v in counts.items() if k}


@pytest.fixture(scope="module")
def big_store():
    raw = synthetic_events(5000, seed=7)
    frame = pd.DataFrame([
        event(f"e{i}", d, lat=la, lon=lo, event_type=t, actors=a)
        for i, (d, la, lo, t, a) in enumerate(zip(
            raw["event_date"], raw["latitude"], raw["longitude"],
            np.where(raw["event_type"] == "Battles", "battle", "shelling"), raw["actor1"], strict=True))
    ])
    return index_store("synthetic", frame)


@pytest.mark.parametrize(("seed", "block"), [(0, 1 << 19), (1, 1 << 19), (2, 512), (3, 7)])
def test_counts_from_codes_equal_counts_of_the_rows(big_store, seed, block, monkeypatch):
    monkeypatch.setattr("dashboard.model.rows.BLOCK_ROWS", block)  # counted block by block too
    rng = np.random.default_rng(seed)
    first = big_store.span[0]
    start = first + pd.Timedelta(days=int(rng.integers(0, 3000)))
    mask = select(big_store, Query(start=start, end=start + pd.Timedelta(days=int(rng.integers(1, 900)))))
    assert 0 < mask.sum() < len(big_store)
    expected = counts_over_time(big_store.events[mask], freq=big_store.facets.freq)
    pd.testing.assert_frame_equal(timeline(big_store.facets, mask, big_store.events),
                                  expected.reset_index(drop=True), check_dtype=False)
    assert region_counts(big_store.facets, mask) == direct_regions(big_store, mask)


def test_nothing_selected_gives_empty_counts(small_store):
    mask = np.zeros(len(small_store), dtype=bool)
    assert region_counts(small_store.facets, mask) == {}
    empty = timeline(small_store.facets, mask, small_store.events)
    assert empty.empty and list(empty.columns) == ["period", "event_type", "events"]


def test_regions_are_listed_most_first_and_without_the_outside():
    rows = [*SMALL_EVENTS, event("dam", "2016-01-01", place="Damascus", lat=33.51, lon=36.29)]
    store = index_store("t", pd.DataFrame(rows), actors=make_actor_book())
    counts = region_counts(store.facets, np.ones(len(store), dtype=bool))
    assert list(counts) == ["Aleppo", "Damascus"] and counts["Aleppo"] == 4  # Tehran left out


def test_an_empty_store_has_empty_facets():
    store = index_store("empty", pd.DataFrame([event("x", "2016-01-01")]).iloc[:0])
    assert region_counts(store.facets, np.zeros(0, dtype=bool)) == {}
    assert timeline(store.facets, np.zeros(0, dtype=bool), store.events).empty


@pytest.mark.parametrize("freq", ["day", "week", "month", "quarter", "year"])
def test_period_codes_are_each_start_s_period(freq, monkeypatch):
    """Every start's code names its period, undated starts -1, days before 1970 (negative day
    numbers) and times within a day included, the days taken a few blocks at a time."""
    from dashboard.events import facets
    from dashboard.model import rows

    monkeypatch.setattr(rows, "BLOCK_ROWS", 7)
    rng = np.random.default_rng(3)
    stamps = (np.datetime64("1969-11-20", "ns") + rng.integers(0, 200, 50).astype("timedelta64[D]")
              + rng.integers(0, 86_400 * 10**9, 50).astype("timedelta64[ns]"))
    stamps[[0, 13, 49]] = np.datetime64("NaT")
    codes, periods = facets._period_codes(stamps, freq)
    want = pd.Series(stamps).dt.to_period(facets.PERIODS[freq]).dt.start_time
    got = pd.Series(np.where(codes >= 0, periods.to_numpy()[np.maximum(codes, 0)], np.datetime64("NaT")))
    pd.testing.assert_series_equal(got, want, check_names=False, check_dtype=False)
    assert periods.is_monotonic_increasing and periods.is_unique
    assert list(facets._period_codes(np.array(["NaT"] * 2, "datetime64[ns]"), freq)[0]) == [-1, -1]
