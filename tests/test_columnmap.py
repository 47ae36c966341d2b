"""A file in none of our formats, read through the user's choice of columns (ingest/columnmap.py)."""

from __future__ import annotations

import pytest

from dashboard.ingest.columnmap import ColumnMap, guess
from dashboard.ingest.load import load_events

HEADER = ["link", "location", "latitude", "longitude", "date", "violation", "weapons", "description"]
ARCHIVE = (",".join(HEADER) + "\n"
           "https://example.org/1,Aleppo,36.2,37.16,2016-02-03,Airstrike,Barrel bomb,"
           "\"Market struck, 12 killed\"\n"
           "https://example.org/2,Idlib,35.93,36.63,2016-02-04,Shelling,Mortar,School shelled\n"
           "https://example.org/3,Nowhere,95,37,2016-02-05,Airstrike,,Bad latitude\n"
           "https://example.org/4,Homs,34.73,36.71,sometime,Airstrike,,Bad date\n").encode()


def test_a_file_in_no_format_is_refused_with_what_each_format_needs_and_the_way_out():
    store = load_events(ARCHIVE, name="archive.csv")
    assert store.fmt == "unknown" and len(store) == 0
    (problem,) = store.problems
    assert "Expected the columns of one of" in problem.reason
    assert "say which of your columns" in problem.reason


def test_the_columns_are_guessed_from_their_names():
    chosen = dict(guess(HEADER).pairs)
    assert chosen == {"date": "date", "place": "location", "latitude": "latitude", "longitude": "longitude",
                      "summary": "description", "source": "link"}
    assert guess(HEADER).missing() == []


def test_read_through_the_users_columns_every_valid_row_is_kept_and_bad_ones_named_by_line():
    columns = ColumnMap.of({"date": "date", "latitude": "latitude", "longitude": "longitude",
                            "summary": "description", "source": "link", "place": "location"})
    store = load_events(ARCHIVE, name="archive.csv", fmt=columns)
    assert store.fmt == "mapped"
    events = store.events.set_index("id")
    assert list(events.index) == ["line-2", "line-3"]
    assert events.loc["line-2", "summary"] == "Market struck, 12 killed"
    assert events.loc["line-2", "source"] == "https://example.org/1"
    assert events.loc["line-2", "event_type"] == "other" and events.loc["line-3", "place"] == "Idlib"
    assert (events.loc["line-3", "lat"], events.loc["line-3", "lon"]) == (35.93, 36.63)
    assert sorted((p.line, p.field.split("/")[0]) for p in store.problems) == [(4, "latitude"), (5, "date")]


def test_coordinates_alone_make_a_place_and_a_missing_date_is_asked_for():
    columns = ColumnMap.of({"date": "date", "latitude": "latitude", "longitude": "longitude"})
    store = load_events(ARCHIVE, name="archive.csv", fmt=columns)
    assert store.events["place"].tolist() == ["36.2, 37.16", "35.93, 36.63"]
    assert store.events["source"].tolist() == ["archive.csv"] * 2, "the file itself is the source"
    assert ColumnMap.of({"place": "location"}).missing() == ["a date column"]
    assert ColumnMap.of({"date": "date", "latitude": "latitude"}).missing() == [
        "a place column, or latitude and longitude"]


def test_a_map_naming_a_column_the_file_lacks_is_refused_and_different_maps_are_told_apart():
    with pytest.raises(ValueError, match="no such column"):
        load_events(ARCHIVE, name="archive.csv", fmt=ColumnMap.of({"date": "when", "place": "location"}))
    assert str(ColumnMap.of({"date": "date", "place": "location"})) != str(
        ColumnMap.of({"date": "date", "place": "link"}))
    with pytest.raises(ValueError, match="not fields"):
        ColumnMap.of({"colour": "x"})
