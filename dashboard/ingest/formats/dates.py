"""Dates as exports write them, turned into ISO text for the normaliser, by the one date parser.

ACLED has shipped "03 February 2016" and "2016-02-03"; UCDP adds a time ("2016-02-03
00:00:00.000"); a file that went through a spreadsheet may say 03/02/2016. All of them are read by
:mod:`dashboard.model.dates`, so an ambiguous or out-of-range date gets the same reason whatever the
format (slash dates need proof of their order; see there). Here they only become text again:
"YYYY-MM-DD", or "YYYY-MM"/"YYYY" where the text itself was a month or a year, so that the
normaliser keeps that precision.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dashboard.ingest.formats.vector import spread
from dashboard.model.dates import distinct_texts, numeric_order, parse_distinct, read_date

__all__ = ["iso_column", "numeric_order", "to_iso"]

_SHAPES = {"": 10, "month": 7, "year": 4}  # how much of YYYY-MM-DD each precision keeps


def iso_column(values: pd.Series, *, also: Sequence[pd.Series] = ()
               ) -> tuple[pd.Series, np.ndarray]:
    """(ISO date per row, "" where blank or bad; why each bad one failed, "" where fine).

    ``also`` are other date columns of the same file (UCDP's date_end), which help settle the
    order of slash dates. Each distinct text is parsed and written once."""
    codes, texts = distinct_texts(values)
    seen = set(texts)
    for other in also:
        seen.update(distinct_texts(other)[1])
    days, implied, why = parse_distinct(texts, numeric_order(seen))
    full = np.datetime_as_string(days, unit="D")
    iso = ["" if np.isnat(day) else text[: _SHAPES[precision]]
           for day, text, precision in zip(days, full, implied, strict=True)]
    reasons = np.asarray([*why, ""], dtype=object)[np.where(codes < 0, len(why), codes)]
    return spread(iso, codes), reasons


def to_iso(text: str, numeric: str | None = None) -> str:
    """The ISO date of ``text`` ("" when blank); ValueError saying why when it is not a readable
    date. ``numeric`` is the file's slash-date order ("dmy", "mdy" or None for unknown)."""
    day, _ = read_date(text, numeric)
    return "" if day is None else day.isoformat()
