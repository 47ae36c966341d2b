"""Dates in several formats, and precision widening a date to its period."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.dates import parse_dates, period_end


@pytest.mark.parametrize(
    ("text", "expected", "implied"),
    [
        ("2016-02-03", "2016-02-03", ""),
        ("03 February 2016", "2016-02-03", ""),
        ("3 Feb 2016", "2016-02-03", ""),
        ("2016-02-03 00:00:00.000", "2016-02-03", ""),
        ("2016/02/03", "2016-02-03", ""),
        ("2016-02", "2016-02-01", "month"),
        ("February 2016", "2016-02-01", "month"),
        ("2016", "2016-01-01", "year"),
        (" 2016-02-03 ", "2016-02-03", ""),
    ],
)
def test_parse_dates_reads_common_formats(text, expected, implied):
    parsed, precision = parse_dates(pd.Series([text]))
    assert parsed.iloc[0] == pd.Timestamp(expected)
    assert precision.iloc[0] == implied


@pytest.mark.parametrize("text", ["", "yesterday", "2016-13-01", "2016-02-30", "31/31/2016"])
def test_unreadable_dates_are_nat(text):
    parsed, _ = parse_dates(pd.Series([text]))
    assert pd.isna(parsed.iloc[0])


@pytest.mark.parametrize(
    ("start", "precision", "end"),
    [
        ("2016-02-03", "day", "2016-02-03"),
        ("2016-02-03", "week", "2016-02-09"),
        ("2016-02-01", "month", "2016-02-29"),
        ("2016-03-01", "season", "2016-05-31"),
        ("2015-12-01", "season", "2016-02-29"),
        ("2016-01-01", "year", "2016-12-31"),
    ],
)
def test_period_end(start, precision, end):
    result = period_end(pd.Series([pd.Timestamp(start)]), pd.Series([precision]))
    assert result.iloc[0] == pd.Timestamp(end)
