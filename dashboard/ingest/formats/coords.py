"""Coordinates as people write them: 36.2, "36,2", 36°12′N, 36 12 34 N, N36.2, "None".

Exports from spreadsheets in many locales and hand-made tables from articles use all of these;
a value we cannot read is reported, never guessed.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from dashboard.ingest.readcsv import STR
from dashboard.model.text import numbers_in

MISSING = frozenset({"", "none", "na", "n/a", "nan", "null", "nil", "-", "--", "?", "unknown"})
HEMISPHERES = {"lat": {"N": 1, "S": -1}, "lon": {"E": 1, "W": -1}}
_MARKS = re.compile(r"''|[°º˚dDmMsS′’'″”\":]")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?$")
# Upper case only: a trailing lower-case "s" is the seconds mark of 36d12m34s, not South.
_HEMI_END = re.compile(r"^(.*?)\s*([NSEW])$")
_HEMI_START = re.compile(r"^([NSEW])\s*(.*)$")


def parse_coordinate(text: str, axis: str) -> float | None:
    """Decimal degrees from ``text`` for ``axis`` ("lat" or "lon"); None when it is blank.

    Raises ValueError with a reason a user can act on when the text is not a coordinate. The
    range is not checked here: an out-of-range value may be a swapped pair, which only the
    caller (seeing both values) can tell.
    """
    # Web exports write the marks as entities (35°48&#39;45&quot;N): decode them first.
    raw = " ".join(html.unescape(str(text)).split())
    if raw.casefold() in MISSING:
        return None
    sign = 1
    body = raw
    match = _HEMI_END.match(body) or _HEMI_START.match(body)
    if match:
        first, second = match.groups()
        letter, body = (second, first) if match.re is _HEMI_END else (first, second)
        letter = letter.upper()
        if letter not in HEMISPHERES[axis]:
            other = "longitude" if axis == "lat" else "latitude"
            raise ValueError(f"'{letter}' marks a {other}, not a {_word(axis)}")
        sign = HEMISPHERES[axis][letter]
    if "," in body and "." not in body and body.count(",") == 1:
        body = body.replace(",", ".")
    parts = _MARKS.sub(" ", body).split()
    if not 1 <= len(parts) <= 3 or not all(_NUMBER.match(p) for p in parts):
        raise ValueError(f"not a {_word(axis)} in degrees (decimal or degrees-minutes-seconds)")
    numbers = [float(p) for p in parts]
    if any(p[0] in "+-" for p in parts[1:]):
        raise ValueError("only the degrees may carry a sign")
    if parts[0].startswith("-"):
        if match:
            raise ValueError("both a minus sign and a hemisphere letter")
        sign, numbers[0] = -1, -numbers[0]
    if any(n >= 60 for n in numbers[1:]):
        raise ValueError("minutes and seconds must be below 60")
    if len(numbers) > 1 and numbers[0] != int(numbers[0]):
        raise ValueError("degrees with a fraction cannot be followed by minutes")
    degrees = numbers[0] + sum(n / 60**i for i, n in enumerate(numbers[1:], start=1))
    return sign * degrees


def _word(axis: str) -> str:
    return "latitude" if axis == "lat" else "longitude"


def coordinate_column(values: pd.Series, axis: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(degrees, NaN where blank or unreadable; why each unreadable one failed, "" if fine;
    True where the text already was a plain decimal number).

    Plain decimals, the bulk of any export, are converted in one vectorised step; only the
    rest go through :func:`parse_coordinate`, once per distinct text.
    """
    text = values.astype(STR)
    degrees = numbers_in(text).to_numpy(dtype=float, na_value=np.nan, copy=True)
    plain = np.isfinite(degrees)
    reasons = np.full(len(text), "", dtype=object)
    endless = np.isinf(degrees)
    reasons[endless] = "not a finite number"
    degrees[endless] = np.nan
    odd = np.flatnonzero(~plain & ~endless & (text != "").to_numpy(dtype=bool))
    if len(odd):
        codes, uniques = pd.factorize(text.iloc[odd])
        parsed, why = [], []
        for candidate in uniques:
            try:
                value = parse_coordinate(candidate, axis)
            except ValueError as exc:
                value, reason = None, str(exc)
            else:
                reason = ""
            parsed.append(np.nan if value is None else value)
            why.append(reason)
        degrees[odd] = np.asarray(parsed, dtype=float)[codes]
        reasons[odd] = np.asarray(why, dtype=object)[codes]
    return degrees, reasons, plain
