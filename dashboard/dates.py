"""Dates as analysts write them: several formats, and a precision that widens a date to a period.

A month-precision event "2016-02" happened some time in February 2016, so it spans the whole month
and matches any range that overlaps it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Tried in order on the values the previous formats could not read. The second member is the
# precision the format itself implies, or "" when it implies none.
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%d", ""),
    ("%Y-%m-%d %H:%M:%S.%f", ""),
    ("%Y-%m-%d %H:%M:%S", ""),
    ("%Y-%m-%dT%H:%M:%S", ""),
    ("%d %B %Y", ""),
    ("%d %b %Y", ""),
    ("%B %d, %Y", ""),
    ("%d/%m/%Y", ""),
    ("%Y/%m/%d", ""),
    ("%d.%m.%Y", ""),
    ("%Y-%m", "month"),
    ("%B %Y", "month"),
    ("%Y", "year"),
)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse date strings; returns (datetime64 series with NaT where unreadable, implied precision).

    Works on the unique values only, so a million rows with a few thousand distinct dates parse fast.
    """
    text = values.astype("string").fillna("").str.strip()
    uniques = pd.Series(text.unique())
    parsed = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]")
    implied = pd.Series("", index=uniques.index, dtype=object)
    todo = uniques != ""
    for fmt, precision in DATE_FORMATS:
        if not todo.any():
            break
        attempt = pd.to_datetime(uniques[todo], format=fmt, errors="coerce")
        hit = attempt.notna()
        hit_index = attempt.index[hit]
        parsed.loc[hit_index] = attempt[hit].dt.normalize()
        implied.loc[hit_index] = precision
        todo.loc[hit_index] = False
    lookup_dates = pd.Series(parsed.to_numpy(), index=uniques.to_numpy())
    lookup_prec = pd.Series(implied.to_numpy(), index=uniques.to_numpy())
    return (
        pd.Series(lookup_dates.reindex(text.to_numpy()).to_numpy(), index=values.index),
        pd.Series(lookup_prec.reindex(text.to_numpy()).to_numpy(), index=values.index),
    )


def period_end(start: pd.Series, precision: pd.Series) -> pd.Series:
    """The last day (inclusive) of the period a start date and a precision describe."""
    end = start.copy()
    offsets = {
        "week": pd.Timedelta(days=6),
    }
    for name, delta in offsets.items():
        sel = precision == name
        end[sel] = start[sel] + delta
    month = precision == "month"
    end[month] = start[month] + pd.offsets.MonthEnd(0)
    season = precision == "season"
    end[season] = start[season] + pd.DateOffset(months=3) - pd.Timedelta(days=1)
    year = precision == "year"
    end[year] = start[year] + pd.offsets.YearEnd(0)
    return end


def to_days(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as int32, the cheap form the filter compares."""
    return dates.to_numpy(dtype="datetime64[D]").astype(np.int32)


def from_days(days: int) -> pd.Timestamp:
    """Inverse of :func:`to_days` for one value."""
    return pd.Timestamp(np.datetime64(int(days), "D"))
