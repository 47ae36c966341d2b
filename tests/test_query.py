"""The one filter function: dates overlap, actors with sub-units and sides, types, text, box."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.books.actors import coalition_key, selection_label, side_of
from dashboard.events.query import Query, events_in, select
from dashboard.events.store import index_store


def ids(store, query: Query) -> list[str]:
    return sorted(events_in(store, query)["id"])


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, ["a", "b", "c", "d", "e"]),
        ("2016-02-15", "2016-02-15", ["b"]),  # inside a month-precision span
        ("2016-02-29", "2016-03-01", ["b", "e"]),  # touches the end of one span, the start of another
        ("2016-05-06", "2016-05-06", ["c", "e"]),  # a day inside a season
        ("2015-01-01", "2015-09-30", []),
        ("2016-06-01", None, ["d"]),
    ],
)
def test_dates_match_when_periods_overlap(small_store, start, end, expected):
    query = Query(start=pd.Timestamp(start) if start else None, end=pd.Timestamp(end) if end else None)
    assert ids(small_store, query) == expected


@pytest.mark.parametrize("unit", ["s", "ns"])
def test_a_range_takes_whole_days_in_any_unit_the_dates_are_held_in(small_store, unit):
    """The filter compares the frame's own dates: a range's last day runs to its midnight, an
    event ending at noon of the range's first day is in, whatever the columns' resolution."""
    events = small_store.events.copy()
    events["start"] = events["start"].astype(f"datetime64[{unit}]")
    events["end"] = events["end"].astype(f"datetime64[{unit}]")
    row = events.index[events["id"] == "a"][0]
    day = events.at[row, "start"]
    events.at[row, "start"] = day + pd.Timedelta(hours=23)
    events.at[row, "end"] = day + pd.Timedelta(hours=12)
    store = index_store("t", events, actors=small_store.actors)
    assert "a" in ids(store, Query(start=day, end=day))
    assert "a" not in ids(store, Query(start=day + pd.Timedelta(days=1)))
    assert "a" not in ids(store, Query(end=day - pd.Timedelta(days=1)))
    assert "a" in ids(store, Query(end=day))


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("1600-01-01", "2300-01-01", ["a", "b", "c", "d", "e"]), ("2016-03-01", "9999-12-31", ["c", "d", "e"]),
    ("1600-01-01", None, ["a", "b", "c", "d", "e"]), (None, "1200-01-01", []), ("2400-01-01", None, [])])
def test_a_range_reaching_past_what_nanoseconds_hold_is_still_a_range(small_store, start, end, expected):
    """The store's dates are nanoseconds, which end in 2262 and begin in 1677: a range's day
    beyond them is before or after every event (cast to nanoseconds it wrapped round and the
    range matched nothing)."""
    events = small_store.events.astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})
    store = index_store("t", events, actors=small_store.actors)  # as a Parquet copy holds them
    query = Query(start=pd.Timestamp(start) if start else None, end=pd.Timestamp(end) if end else None)
    assert ids(store, query) == expected


@pytest.mark.parametrize(
    ("actors", "subunits", "expected"),
    [
        (("IRGC",), True, ["a", "b"]),  # Quds Force is part of the IRGC
        (("IRGC",), False, ["a"]),
        (("Revolutionary Guards",), True, ["a", "b"]),  # an alias
        (("Iran",), True, ["a", "b", "d"]),
        (("coalition:armed opposition",), True, ["c"]),
        (("coalition:pro-government axis",), True, ["a", "b", "d", "e"]),
        (("Hezbollah", "Jabhat al-Nusra"), True, ["a", "c", "e"]),
        (("Nobody",), True, []),
    ],
)
def test_actor_filter(small_store, actors, subunits, expected):
    assert ids(small_store, Query(actors=actors, include_subunits=subunits)) == expected


def test_types_text_and_box_combine(small_store):
    assert ids(small_store, Query(event_types=("territory", "statement"))) == ["c", "d"]
    assert ids(small_store, Query(text="KHAN TUMAN")) == ["b", "c"]  # place or quote, any case
    assert ids(small_store, Query(text="aleppo")) == ["a", "d", "e"]  # summaries and places
    box = (35.0, 36.0, 37.0, 38.0)  # around Aleppo, not Tehran
    assert ids(small_store, Query(bbox=box)) == ["a", "b", "c", "e"]
    assert ids(small_store, Query(bbox=box, event_types=("statement",))) == []


def test_select_returns_a_mask_over_the_store(small_store):
    mask = select(small_store, Query(event_types=("battle",)))
    assert mask.dtype == bool and len(mask) == len(small_store)
    assert mask.sum() == 2


def test_describe_names_every_active_filter():
    query = Query(start=pd.Timestamp("2016-01-01"), end=pd.Timestamp("2016-03-01"),
                  actors=("IRGC", "coalition:jihadist groups"), event_types=("battle",), text="Aleppo")
    words = " | ".join(query.describe())
    for part in ("2016-01-01 to 2016-03-01", "IRGC", "side: jihadist groups", "battle", "Aleppo"):
        assert part in words


def test_a_side_is_spelled_in_one_place(small_store):
    key = coalition_key("armed opposition")
    assert side_of(key) == "armed opposition" and side_of("IRGC") is None
    assert key in small_store.actors.coalition_keys()
    assert selection_label(key) == "Side: armed opposition"
    # only the prefix makes a side: a name that holds the word elsewhere stays as it is
    assert selection_label("Front (coalition: north)") == "Front (coalition: north)"
    assert ids(small_store, Query(actors=(key,))) == ids(small_store, Query(actors=("Syrian rebels",)))


def test_search_finds_places_and_actors_by_their_other_names():
    from dashboard.ingest.load import load_bundled

    store = load_bundled()
    at_khan_tuman = set(store.events.loc[store.events["place"] == "Khan Tuman", "id"])
    assert at_khan_tuman
    assert at_khan_tuman <= set(events_in(store, Query(text="Khan Touman"))["id"])
    named = set(events_in(store, Query(text="Hezbollah"))["id"])
    by_alias = set(events_in(store, Query(text="Hizbullah"))["id"])
    with_actor = set(store.events.loc[store.events["actors"].str.contains("Hezbollah"), "id"])
    assert with_actor <= by_alias <= named
