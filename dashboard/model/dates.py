"""Dates as analysts and exports write them, read by one parser with one rule for every format.

A month-precision event "2016-02" happened some time in February 2016, so it spans the whole month
and matches any range that overlaps it.

Every format (ours, ACLED, UCDP) goes through :func:`read_dates`, so a date means the same thing
whichever file it comes from:

- ISO dates (2016-02-03, with or without a time), "03 February 2016", "Feb 3, 2016", "2016-02"
  and "February 2016" (month precision), "2016" (year precision), 03.02.2016 (dots: day-first, as
  everywhere dots are used).
- Slash dates such as 03/02/2016 are read day-first or month-first only when that is certain: the
  value itself proves it (25/02/2016), or some other value in the file does (a 25 first and none
  second). Otherwise the date is reported as ambiguous, never guessed.
- Years outside 1678-2261 are refused with a reason ("02 June 3023" is a typo): pandas holds dates
  as nanoseconds, and one such value used to crash the whole load.

Each distinct text is parsed once, so a million rows with a few thousand distinct dates parse fast;
plain ISO dates, the bulk of any file, are parsed in one vectorised step.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# The years a datetime64[ns] holds whole, with room for a season or a year to end inside them.
FIRST_YEAR, LAST_YEAR = 1678, 2261
ISO_HINT = "write dates as YYYY-MM-DD"

MONTHS: dict[str, int] = {}
for _number in range(1, 13):
    MONTHS[calendar.month_name[_number].casefold()] = _number
    MONTHS[calendar.month_abbr[_number].casefold()] = _number
MONTHS["sept"] = 9

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$")
_YEAR_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})$")
_YEAR = re.compile(r"(\d{4})$")
_DAY_MONTH = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)\.?,?[ -](\d{4}|\d{2})$")
_MONTH_DAY = re.compile(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})$")
_MONTH_YEAR = re.compile(r"([A-Za-z]+)\.?,? (\d{4})$")
_NUMERIC = re.compile(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})$")
_PLAIN_ISO = r"^\d{4}-\d{2}-\d{2}$"


class Dates(NamedTuple):
    """A column of dates: the day (NaT where blank or unreadable), the precision the text itself
    implies ("month" for "2016-02", "" when none) and why each unreadable one failed ("" if fine)."""

    start: pd.Series
    implied: pd.Series
    why: np.ndarray


def numeric_order(texts: Iterable[str]) -> str | None:
    """ "dmy" or "mdy" when some slash date proves the order, None when none does (or both do)."""
    day_first = month_first = False
    for text in texts:
        match = _NUMERIC.match(" ".join(str(text).split()))
        if match and match.group(2) == "/":
            first, second = int(match.group(1)), int(match.group(3))
            day_first |= first > 12 >= second
            month_first |= second > 12 >= first
    if day_first == month_first:
        return None
    return "dmy" if day_first else "mdy"


def read_date(text: str, order: str | None = None) -> tuple[dt.date | None, str]:
    """(the date, the precision the text implies or "") of one text; (None, "") when blank.

    ``order`` is the file's slash-date order ("dmy", "mdy" or None when nothing settles it).
    Raises ValueError with a reason a user can act on when the text is not a usable date.
    """
    text = " ".join(str(text).split())
    if not text:
        return None, ""
    implied = ""
    day = 1
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _YEAR_MONTH.match(text):
        year, month, implied = int(match.group(1)), int(match.group(2)), "month"
    elif match := _YEAR.match(text):
        year, month, implied = int(match.group(1)), 1, "year"
    elif match := _DAY_MONTH.match(text):
        day, month, year = int(match.group(1)), _month(match.group(2)), _year(match.group(3))
    elif match := _MONTH_DAY.match(text):
        month, day, year = _month(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _MONTH_YEAR.match(text):
        month, year, implied = _month(match.group(1)), int(match.group(2)), "month"
    elif match := _NUMERIC.match(text):
        first, second, year = int(match.group(1)), int(match.group(3)), _year(match.group(4))
        day, month = _day_month(text, first, second, "dmy" if match.group(2) == "." else order)
    else:
        raise ValueError(f"not a date (expected YYYY-MM-DD or '03 February 2016'); {ISO_HINT}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} is outside {FIRST_YEAR}-{LAST_YEAR} (a typo?)")
    try:
        return dt.date(year, month, day), implied
    except ValueError as exc:
        raise ValueError(f"not a real date ({exc})") from exc


def _day_month(text: str, first: int, second: int, order: str | None) -> tuple[int, int]:
    """(day, month) of a numeric date: certain when one part is over 12 or both are equal,
    else as ``order`` says; ambiguous (an error) when nothing settles it."""
    if first > 12 and second > 12:
        raise ValueError("not a real date (neither part is a month)")
    if first > 12 or first == second:
        return first, second
    if second > 12:
        return second, first
    if order == "dmy":
        return first, second
    if order == "mdy":
        return second, first
    raise ValueError(f"ambiguous: {text} could be {first} {calendar.month_name[second]} or "
                     f"{second} {calendar.month_name[first]} and no other date in the file "
                     f"settles the order; {ISO_HINT}")


def _month(name: str) -> int:
    try:
        return MONTHS[name.casefold()]
    except KeyError:
        raise ValueError(f"unknown month name {name!r}") from None


def _year(digits: str) -> int:
    year = int(digits)
    return year if len(digits) == 4 else (2000 + year if year < 70 else 1900 + year)


def distinct_texts(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes per row (-1 where missing) and the distinct texts, stripped."""
    codes, uniques = pd.factorize(values.astype("str").fillna("").str.strip())
    return np.asarray(codes), [str(u) for u in uniques]


def parse_distinct(texts: Sequence[str], order: str | None
                   ) -> tuple[np.ndarray, list[str], list[str]]:
    """datetime64[ns] per distinct text (NaT where blank or bad), implied precisions, reasons.

    ``order`` is the file's slash-date order (see :func:`numeric_order`)."""
    days = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[ns]")
    implied = [""] * len(texts)
    why = [""] * len(texts)
    plain = np.zeros(len(texts), dtype=bool)
    if texts:
        array = pa.array(texts, pa.string())
        plain = pc.match_substring_regex(array, _PLAIN_ISO).to_numpy(zero_copy_only=False)
    if plain.any():
        # The bulk: YYYY-MM-DD in one step; years out of range fall through for their reason.
        chosen = np.flatnonzero(plain)
        candidates = pd.Series([texts[i] for i in chosen.tolist()])
        years = candidates.str.slice(0, 4).astype(int)
        in_range = years.between(FIRST_YEAR, LAST_YEAR).to_numpy()
        parsed = pd.to_datetime(candidates.where(in_range), format="%Y-%m-%d", errors="coerce")
        good = parsed.notna().to_numpy()
        days[chosen[good]] = parsed[good].to_numpy(dtype="datetime64[ns]")
        plain[chosen[~good]] = False
    for position in np.flatnonzero(~plain).tolist():
        try:
            day, implied[position] = read_date(texts[position], order)
        except ValueError as exc:
            why[position] = str(exc)
            continue
        if day is not None:
            days[position] = np.datetime64(day, "ns")
    return days, implied, why


def read_dates(values: pd.Series, *, also: Sequence[pd.Series] = ()) -> Dates:
    """Parse a date column; the slash-date order is settled by ``values`` and the ``also``
    columns together (a file's start and end dates are written the same way)."""
    codes, texts = distinct_texts(values)
    seen = set(texts)
    for other in also:
        seen.update(distinct_texts(other)[1])
    days, implied, why = parse_distinct(texts, numeric_order(seen))
    index = np.where(codes < 0, len(texts), codes)
    start = np.append(days, np.datetime64("NaT", "ns"))[index]
    return Dates(
        pd.Series(start, index=values.index, dtype="datetime64[ns]"),
        pd.Series(np.asarray([*implied, ""], dtype=object)[index], index=values.index),
        np.asarray([*why, ""], dtype=object)[index],
    )


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(datetime64 series with NaT where blank or unreadable, implied precision): see
    :func:`read_dates`, which also says why each unreadable date failed."""
    dates = read_dates(values)
    return dates.start, dates.implied


def period_start(start: pd.Series, precision: pd.Series) -> pd.Series:
    """The first day of the period: a month-precision "2022-10-15" (ACLED's time_precision 3)
    happened some time in October, so its period starts on the 1st; a year's on 1 January."""
    first = start.copy()
    month = (precision == "month").to_numpy(dtype=bool) & start.notna().to_numpy()
    first[month] = start[month].dt.to_period("M").dt.start_time
    year = (precision == "year").to_numpy(dtype=bool) & start.notna().to_numpy()
    first[year] = start[year].dt.to_period("Y").dt.start_time
    return first


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


def on_or_after(stamps: np.ndarray, day: np.datetime64, *, missing: bool = False) -> np.ndarray:
    """Which ``stamps`` fall on ``day`` or later, compared as integers in the stamps' own unit (no
    copy of them); a day beyond what that unit can hold (nanoseconds end in 2262) is before or
    after every stamp, not wrapped around. Missing stamps give ``missing``."""
    unit, count = np.datetime_data(stamps.dtype)
    per_day = int(np.timedelta64(1, "D").astype(f"timedelta64[{count}{unit}]").astype(np.int64))
    ticks = int(day.astype(np.int64)) * per_day
    raw = stamps.view(np.int64)
    absent = np.iinfo(np.int64).min  # NaT
    if ticks <= absent:
        found = np.ones(len(raw), bool)
    elif ticks > np.iinfo(np.int64).max:
        found = np.zeros(len(raw), bool)
    else:
        found = raw >= ticks
    found[raw == absent] = missing
    return found
