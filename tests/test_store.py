"""Store indexes: actors exploded once, governorates only for places known well enough."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.events.query import actor_mask
from dashboard.events.store import actor_combos, index_store

from .conftest import SMALL_EVENTS, event, make_actor_book


def test_vague_places_are_not_counted_in_a_governorate():
    rows = [*SMALL_EVENTS, event("syria", "2016-01-01", place="Syria", lat=35.0, lon=38.5,
                                 loc_precision="centroid", uncertainty_km=300)]
    store = index_store("t", pd.DataFrame(rows), actors=make_actor_book())
    govs = dict(zip(store.events["id"], store.governorates, strict=True))
    assert govs["syria"] == ""  # the country's centroid lies in Homs, but says nothing about Homs
    assert govs["a"] == "Aleppo" and govs["d"] == ""  # Tehran is outside Syria


def test_actor_counts_count_each_event_once_per_actor(small_store):
    counts = small_store.actor_counts()
    assert counts["Hezbollah"] == 2 and counts["IRGC"] == 1 and counts["Quds Force"] == 1
    assert counts.sum() == sum(len(e["actors"].split(";")) for e in SMALL_EVENTS)


def test_actor_lists_are_split_once_and_rows_keep_their_list_code():
    texts = pd.Series(["A; B", None, "B", "", "C;A;B", "A; B", "B;B"] * 2)
    # The store's column: categories (with one no event has) and a missing value.
    held = pd.Series(pd.Categorical(texts, categories=["", "A; B", "B", "B;B", "C;A;B", "Nobody"]))
    names, first, members = actor_combos(held)
    assert list(names) == ["A", "B", "C"]  # "Nobody" names no event
    lists = [list(names[members[first[i]:first[i + 1]]]) for i in range(len(first) - 1)]
    assert lists == [[], ["A", "B"], ["B"], ["B"], ["C", "A", "B"], []]  # in the list's order, once


def test_links_masks_and_counts_follow_each_events_own_actors():
    rows = [event(str(i), "2016-01-01", actors=text) for i, text in
            enumerate(["IRGC;Hezbollah", "", "Hezbollah", "Hezbollah;Hezbollah", "Quds Force;IRGC"])]
    store = index_store("t", pd.DataFrame(rows), actors=make_actor_book())
    row, actor = store.links()
    pairs = sorted(zip(row.tolist(), store.actor_names[actor].tolist(), strict=True))
    lists = ["IRGC;Hezbollah", "", "Hezbollah", "Hezbollah", "Quds Force;IRGC"]
    want = sorted((i, name) for i, text in enumerate(lists) for name in text.split(";") if name)
    assert pairs == want  # an actor named twice in one list is one link
    assert np.flatnonzero(actor_mask(store, {"IRGC"})).tolist() == [0, 4]
    assert np.flatnonzero(actor_mask(store, {"Hezbollah", "Quds Force"})).tolist() == [0, 2, 3, 4]
    assert not actor_mask(store, {"Nobody"}).any()
    assert store.actor_counts().to_dict() == {"Hezbollah": 3, "IRGC": 2, "Quds Force": 1}


def test_whole_numbers_are_held_in_32_bits_only_when_every_value_fits():
    rows = [{**event("a", "2016-01-01"), "fatalities": 3}, event("b", "2016-01-02"),
            {**event("c", "2016-01-03"), "fatalities": 2**31}]
    book = make_actor_book()
    narrow = index_store("t", pd.DataFrame(rows[:2]).astype({"fatalities": "Int64"}), actors=book)
    assert str(narrow.events["fatalities"].dtype) == "Int32" and str(narrow.events["line"].dtype) == "int32"
    assert narrow.events["fatalities"].tolist()[0] == 3 and pd.isna(narrow.events["fatalities"][1])
    wide = index_store("t", pd.DataFrame(rows).astype({"fatalities": "Int64"}), actors=book)
    assert str(wide.events["fatalities"].dtype) == "Int64" and wide.events["fatalities"][2] == 2**31


def test_ids_read_in_many_pieces_are_held_in_one():
    """A Parquet copy gives the ids in many chunks, and every take joined them first: the store
    holds them in one piece, with the same values and type."""
    import pyarrow as pa

    rows = [event(f"e{i}", "2016-01-01") for i in range(6)]
    frame = pd.DataFrame(rows)
    pieces = pa.chunked_array([pa.array([f"e{i}" for i in range(j, j + 2)], pa.large_string())
                               for j in range(0, 6, 2)])
    frame["id"] = pd.Series(pd.arrays.ArrowStringArray(pieces))
    held = frame["id"].dtype
    store = index_store("t", frame, actors=make_actor_book())
    data = pa.array(store.events["id"].array)
    assert not isinstance(data, pa.ChunkedArray) or data.num_chunks == 1
    assert store.events["id"].tolist() == [f"e{i}" for i in range(6)] and store.events["id"].dtype == held


def test_a_nullable_line_column_stays_nullable():
    """Lines held as nullable numbers (a foreign frame) keep their missing values: a plain
    32-bit integer cannot hold them."""
    rows = [event("a", "2016-01-01"), event("b", "2016-01-02")]
    frame = pd.DataFrame(rows)
    frame["line"] = pd.array([2, None], dtype="Int64")
    store = index_store("t", frame, actors=make_actor_book())
    assert store.events["line"].isna().tolist() == [False, True] and store.events["line"].tolist()[0] == 2


def test_the_datasets_and_their_sizes_are_counted_once_per_store():
    from dashboard.events.combine import combine

    first = index_store("first", pd.DataFrame(SMALL_EVENTS))
    second = index_store("second", pd.DataFrame(SMALL_EVENTS[:2]))
    both = combine([first, second], labels=["first", "second"])
    assert both.dataset_sizes == (("first", 5), ("second", 2))
    assert both.dataset_sizes is both.dataset_sizes  # worked out once
    assert first.dataset_sizes == (("first", 5),)
