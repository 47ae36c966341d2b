"""Dates as exports write them, turned into ISO YYYY-MM-DD.

ACLED has shipped "03 February 2016" and "2016-02-03"; UCDP adds a time ("2016-02-03
00:00:00.000"); a file that went through a spreadsheet may say 03/02/2016. Numeric dates with
slashes are read day-first or month-first only when some value in the column proves which
(a 25 in the first or second place); otherwise they are refused as ambiguous rather than
guessed. Each distinct text is parsed once, so a million rows cost a few thousand parses.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

import numpy as np
import pandas as pd

from dashboard.formats.vector import spread

MONTHS: dict[str, int] = {}
for _number in range(1, 13):
    MONTHS[calendar.month_name[_number].casefold()] = _number
    MONTHS[calendar.month_abbr[_number].casefold()] = _number
MONTHS["sept"] = 9

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?$")
_DAY_MONTH = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)\.?,?[ -](\d{4}|\d{2})$")
_MONTH_DAY = re.compile(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})$")
_NUMERIC = re.compile(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})$")


def iso_column(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(ISO date per row, "" where blank or bad; why each bad one failed, "" where fine)."""
    codes, uniques = pd.factorize(values)
    texts = [str(u).strip() for u in uniques]
    order = numeric_order(texts)
    dates, reasons = [], []
    for text in texts:
        try:
            dates.append(to_iso(text, order))
            reasons.append("")
        except ValueError as exc:
            dates.append("")
            reasons.append(str(exc))
    why = np.asarray([*reasons, ""], dtype=object)[np.where(codes < 0, len(reasons), codes)]
    return spread(dates, codes), why


def numeric_order(texts: list[str]) -> str | None:
    """"dmy" or "mdy" when some slash date proves the order, None when none can."""
    day_first = month_first = False
    for text in texts:
        match = _NUMERIC.match(text)
        if match and match.group(2) == "/":
            first, second = int(match.group(1)), int(match.group(3))
            day_first |= first > 12
            month_first |= second > 12
    if day_first == month_first:
        return None
    return "dmy" if day_first else "mdy"


def to_iso(text: str, numeric: str | None = None) -> str:
    """The ISO date of ``text``; ValueError saying why when it is not a readable date.

    ``numeric`` is the column's slash-date order ("dmy", "mdy" or None for unknown); dates with
    dots (03.02.2016) are always day-first, as everywhere they are used.
    """
    text = " ".join(text.split())
    if not text:
        return ""
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_MONTH.match(text):
        day, month, year = int(match.group(1)), _month(match.group(2)), _year(match.group(3))
    elif match := _MONTH_DAY.match(text):
        month, day, year = _month(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _NUMERIC.match(text):
        first, second, year = int(match.group(1)), int(match.group(3)), _year(match.group(4))
        order = "dmy" if match.group(2) == "." or first > 12 else numeric
        order = "mdy" if order is None and second > 12 else order
        if order is None:
            raise ValueError("ambiguous day/month order; write dates as YYYY-MM-DD")
        day, month = (first, second) if order == "dmy" else (second, first)
    else:
        raise ValueError("not a date (expected YYYY-MM-DD or '03 February 2016')")
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError as exc:
        raise ValueError(f"not a real date ({exc})") from exc


def _month(name: str) -> int:
    try:
        return MONTHS[name.casefold()]
    except KeyError:
        raise ValueError(f"unknown month name {name!r}") from None


def _year(digits: str) -> int:
    year = int(digits)
    return year if len(digits) == 4 else (2000 + year if year < 70 else 1900 + year)
