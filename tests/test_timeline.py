"""The chart's counts and the play control's windows."""

from __future__ import annotations

from itertools import pairwise

import altair as alt
import pandas as pd
import pytest

from dashboard.events.query import Query
from dashboard.events.store import EventStore, index_store
from dashboard.events.timeline import (
    LABELS,
    PERIODS,
    bin_size,
    counts_over_time,
    next_window,
    play_windows,
    timeline_spec,
    wide_counts,
)
from dashboard.events.view import build_view

from .conftest import event, make_actor_book

T = pd.Timestamp


def test_counts_per_month_and_type_then_wide():
    events = pd.DataFrame({"start": [T("2016-01-03"), T("2016-01-20"), T("2016-02-02")],
                           "event_type": ["battle", "battle", "statement"]})
    long = counts_over_time(events, freq="month")
    assert long.to_dict("records") == [
        {"period": T("2016-01-01"), "event_type": "battle", "events": 2},
        {"period": T("2016-02-01"), "event_type": "statement", "events": 1},
    ]
    wide = wide_counts(long)
    assert list(wide.columns) == ["battle", "statement"]
    assert wide.loc[T("2016-01-01")].tolist() == [2, 0]
    assert wide.to_numpy().sum() == 3


def test_the_chart_covers_the_selected_range_bar_by_bar():
    events = pd.DataFrame({"start": [T("2016-01-03"), T("2016-03-20")], "event_type": ["battle", "battle"]})
    wide = wide_counts(counts_over_time(events, freq="month"), freq="month",
                       start=T("2015-12-15"), end=T("2016-04-02"))
    assert list(wide.index) == ["2015-12", "2016-01", "2016-02", "2016-03", "2016-04"]
    assert wide["battle"].tolist() == [0, 1, 0, 1, 0]


# Most of what a February range shows started before February: a year, a season, a month, spans.
SPANS = [
    event("year", "2016-01-01", end="2016-12-31", precision="year"),
    event("winter", "2015-12-01", end="2016-02-29", precision="season", event_type="deployment"),
    event("january", "2016-01-01", end="2016-01-31", precision="month"),
    event("siege", "2016-01-20", end="2016-03-05", event_type="territory"),
    event("long", "2015-06-01", end="2016-06-30", event_type="statement"),
    event("feb10", "2016-02-10"),
    event("feb20", "2016-02-20", end="2016-04-02"),
    event("mar15", "2016-03-15", event_type="deployment"),
    event("before", "2015-03-01"),
]


def _span_store(anchor: str | None) -> EventStore:
    """SPANS, with an early event (``anchor``) that stretches the data and so widens the bins."""
    rows = SPANS + ([event("anchor", anchor)] if anchor else [])
    frame = pd.DataFrame(rows)
    frame["fatalities"] = frame["fatalities"].astype("Int64")
    frame["wounded"] = frame["wounded"].astype("Int64")
    return index_store("spans", frame, actors=make_actor_book())


@pytest.mark.parametrize(("anchor", "freq"), [(None, "week"), ("2010-01-01", "month"),
                                               ("1990-01-01", "year")])
@pytest.mark.parametrize(("start", "end", "shown"), [
    ("2016-02-01", "2016-02-29", 6),  # year, winter, siege, long, feb10, feb20
    ("2016-02-15", "2016-03-10", 5),  # mid-week, mid-month: year, winter, siege, long, feb20
    ("2016-03-01", "2016-03-31", 5),  # year, siege, long, feb20, mar15
    ("2015-12-20", "2016-01-10", 4),  # year, winter, january, long: across New Year
])
def test_chart_bars_add_up_to_the_events_shown(anchor, freq, start, end, shown):
    store = _span_store(anchor)
    view = build_view(store, Query(start=T(start), end=T(end)))
    wide = wide_counts(view.timeline, freq=view.timeline_bin, start=T(start), end=T(end))
    assert view.timeline_bin == freq
    assert view.shown == shown
    assert int(wide.to_numpy().sum()) == view.shown
    assert (wide.to_numpy() >= 0).all()


@pytest.mark.parametrize("freq", list(PERIODS))
def test_events_started_before_the_range_count_in_its_first_bar(freq):
    start, end = T("2016-02-10"), T("2016-03-20")
    events = pd.DataFrame({
        "start": [T("2015-01-01"), T("2016-01-01"), T("2016-02-09"), T("2016-03-18")],
        "event_type": ["battle", "statement", "battle", "battle"],
    })
    wide = wide_counts(counts_over_time(events, freq=freq), freq=freq, start=start, end=end)
    assert int(wide.to_numpy().sum()) == len(events)
    first_bar = wide.iloc[0]
    assert first_bar["statement"] == 1 and first_bar["battle"] >= 2  # the early ones, by type
    # An event that starts inside the range keeps its own period's bar.
    inside = T("2016-03-18").to_period(PERIODS[freq]).start_time.strftime(LABELS[freq])
    assert wide.loc[inside, "battle"] >= 1
    if wide.index[0] != inside:
        assert first_bar["battle"] == 2


def test_empty_data_gives_empty_charts():
    events = pd.DataFrame({"start": pd.Series(dtype="datetime64[ns]"), "event_type": []})
    assert counts_over_time(events).empty and wide_counts(counts_over_time(events)).empty


@pytest.mark.parametrize(("days", "size"), [(30, "day"), (400, "week"), (3000, "month"), (8000, "year")])
def test_bin_size_keeps_bars_readable(days, size):
    assert bin_size(T("2010-01-01"), T("2010-01-01") + pd.Timedelta(days=days)) == size


def test_play_steps_through_the_span_without_gaps():
    span = (T("2016-01-15"), T("2016-04-10"))
    windows = play_windows(*span, step="month")
    assert windows[0] == (T("2016-01-15"), T("2016-02-14"))
    assert windows[-1][1] == span[1]
    for (_, end), (start, _) in pairwise(windows):
        assert start == end + pd.Timedelta(days=1)
    assert next_window(windows[0], span, step="month") == windows[1]
    assert next_window(windows[-1], span, step="month") is None


def test_the_timeline_spec_is_valid_vega_lite_with_the_map_colours():
    wide = pd.DataFrame({"battle": [1, 0, 3], "protest": [0, 2, 0]},
                        index=pd.Index(["2016-01", "2016-02", "2016-03"], name="period"))
    colours = {"battle": "#d62728", "airstrike": "#1f77b4", "protest": "#bcbd22"}
    data, spec = timeline_spec(wide, colours, height=110)
    # Altair checks the spec against Vega-Lite's schema (the app no longer does, on every rerun).
    alt.Chart.from_dict({**spec, "data": {"values": data.to_dict("records")}}).to_dict(validate=True)
    assert spec["encoding"]["color"]["scale"] == {"domain": ["battle", "protest"],
                                                  "range": ["#d62728", "#bcbd22"]}
    assert spec["encoding"]["x"]["scale"]["domain"] == ["2016-01", "2016-02", "2016-03"]
    assert spec["height"] == 110
    assert sorted(map(tuple, data.to_numpy().tolist())) == [
        ("2016-01", "battle", 1), ("2016-02", "protest", 2), ("2016-03", "battle", 3)]
