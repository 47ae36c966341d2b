"""The chart's counts and the play control's windows."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import pytest

from dashboard.timeline import bin_size, counts_over_time, next_window, play_windows, wide_counts

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
