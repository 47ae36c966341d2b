"""Events over time for the small chart under the date slider, and the play control's windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
PERIODS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
STEPS: dict[str, pd.Timedelta | pd.DateOffset] = {
    "week": pd.Timedelta(days=7), "month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3),
}


def bin_size(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """A bin width that gives a readable number of bars for the span."""
    # As Python dates: pandas' Timedelta overflows past 292 years (a file dated 1700 and 2000).
    days = (end.date() - start.date()).days
    if days <= 90:
        return "day"
    if days <= 3 * 365:
        return "week"
    if days <= 15 * 365:
        return "month"
    return "year"


def counts_over_time(events: pd.DataFrame, *, by: str = "event_type", freq: str = "week") -> pd.DataFrame:
    """Event counts per period and per ``by`` value, in long form (period, by, events).

    Events are counted at their start date; a month-precision event falls in its month's first bin.
    """
    if events.empty:
        return pd.DataFrame({"period": pd.Series(dtype="datetime64[ns]"), by: [], "events": []})
    periods = events["start"].dt.to_period(PERIODS[freq]).dt.start_time
    table = (
        pd.DataFrame({"period": periods, by: events[by].to_numpy()})
        .groupby(["period", by], observed=True).size().rename("events").reset_index()
    )
    return table


def play_window(start: pd.Timestamp, last: pd.Timestamp, *, step: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The window of one ``step`` that begins on ``start`` (its last day included), cut at ``last``.

    The one rule for Play's windows: the app's Play, the exported series and the tests use it.
    """
    return start, min(start + STEPS[step] - pd.Timedelta(days=1), last)


def next_window(
    current: tuple[pd.Timestamp, pd.Timestamp], span: tuple[pd.Timestamp, pd.Timestamp], *, step: str
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The window that begins the day after ``current`` ends, or None past the end of the span."""
    start = current[1] + pd.Timedelta(days=1)
    if start > span[1]:
        return None
    return play_window(start, span[1], step=step)


def play_windows(
    start: pd.Timestamp, end: pd.Timestamp, *, step: str = "month"
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Consecutive windows of one step each, from the span's start to its end."""
    if start > end:
        return []
    windows = [play_window(start, end, step=step)]
    while (following := next_window(windows[-1], (start, end), step=step)) is not None:
        windows.append(following)
    return windows


LABELS = {"day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m", "quarter": "%Y-%m", "year": "%Y"}


def _pivot(long: pd.DataFrame, by: str) -> pd.DataFrame:
    # A groupby and unstack: the same table as pivot_table, in a third of its time (every move).
    return long.groupby(["period", by], observed=True)["events"].sum().unstack(fill_value=0)


def wide_counts(
    long: pd.DataFrame, *, by: str = "event_type", freq: str | None = None,
    start: pd.Timestamp | None = None, end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Counts as one column per ``by`` value and one row per period, for a stacked bar chart.

    With ``freq``, ``start`` and ``end``, every period of the range gets a row (empty ones at 0)
    labelled as text ("2016-02"), so the chart shows the range the slider selects, bar by bar.
    Events shown are those overlapping the range, and many started before it (a year, a season,
    a siege): they count in the range's first period, as if starting with it, so that the bars
    add up to the events listed instead of leaving them out of the chart.
    """
    if long.empty:
        return pd.DataFrame(index=pd.Index([], name="period"))
    if freq is None or start is None or end is None:
        return _pivot(long, by)
    first = start.to_period(PERIODS[freq]).start_time
    wide = _pivot(long.assign(period=long["period"].where(long["period"] >= first, first)), by)
    periods = pd.period_range(first, end, freq=PERIODS[freq]).start_time
    wide = wide.reindex(periods, fill_value=0)
    wide.index = pd.Index(periods.strftime(LABELS[freq]), name="period")
    return wide


def timeline_spec(wide: pd.DataFrame, colours: dict[str, str], *,
                  height: int = 130) -> tuple[pd.DataFrame, dict]:
    """A stacked bar chart of ``wide`` (periods x types) in the map's colours: its data and its
    Vega-Lite spec (offline).

    A plain spec, not an Altair chart: building the chart and validating it against Vega-Lite's
    schema cost about 0.1 s of the app's CPU on every slider move. The spec is what Altair wrote
    for the same chart.
    """
    # Long form (period, type, events), type by type as melt() gives it, without melt's cost.
    counts = wide.to_numpy().T.ravel()
    long = pd.DataFrame({"period": np.tile(np.asarray(wide.index, dtype=object), wide.shape[1]),
                         "type": np.repeat(np.asarray(wide.columns, dtype=object), wide.shape[0]),
                         "events": counts})
    types = set(wide.columns)
    present = [t for t in colours if t in types]
    periods = [str(p) for p in wide.index]
    nonzero = long["events"] > 0
    spec = {
        "$schema": VEGA_LITE_SCHEMA,
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "sort": periods, "scale": {"domain": periods},
                  "axis": {"title": None, "labelAngle": 0, "labelOverlap": True}},
            "y": {"field": "events", "type": "quantitative", "aggregate": "sum",
                  "axis": {"title": "events", "tickMinStep": 1}},
            "color": {"field": "type", "type": "nominal",
                      "scale": {"domain": present, "range": [colours[t] for t in present]},
                      "legend": {"orient": "right", "title": None, "labelFontSize": 10,
                                 "symbolSize": 50, "rowPadding": 0}},
            "tooltip": [{"field": "period", "type": "ordinal"}, {"field": "type", "type": "nominal"},
                        {"field": "events", "type": "quantitative"}],
        },
        "height": height,
    }
    return (long[nonzero] if nonzero.any() else long), spec
