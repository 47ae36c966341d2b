"""Store indexes: actors exploded once, governorates only for places known well enough."""

from __future__ import annotations

import pandas as pd

from dashboard.events.store import actor_links, index_store

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


def test_actor_links_read_from_category_codes_match_the_split_texts():
    texts = pd.Series(["A; B", None, "B", "", "C;A;B", "A; B"] * 2)
    plain = actor_links(texts)
    # The store's column: categories (with one no event has) and a missing value.
    held = pd.Series(pd.Categorical(texts, categories=["", "A; B", "B", "C;A;B", "Nobody"]))
    coded = actor_links(held)
    assert list(coded[0]) == ["A", "B", "C"] == list(plain[0])  # "Nobody" names no event
    for got, want in zip(coded[1:], plain[1:], strict=True):
        assert got.tolist() == want.tolist()
