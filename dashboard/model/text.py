"""Small text helpers shared by the loaders: folding names for matching, cells safe for spreadsheets.

Escaping for pages lives in :mod:`dashboard.mapping.safe`."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """A case-, accent- and spacing-insensitive key, so "Hezbollah " matches "hezbollah"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def squash_spaces(text: str) -> str:
    """Every run of Unicode whitespace (non-breaking spaces included) as one plain space."""
    return _SPACES.sub(" ", text).strip()


# A leading quote is added before any run of quotes followed by a trigger, so that removing one
# quote (unneutralise_cell) gives back exactly the original text, even text that began with "'=".
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise_cell(text: str) -> str:
    """``text`` made inert for spreadsheets: a leading ``'`` when it would start a formula."""
    return "'" + text if _FORMULA.match(text) else text


def neutralise_column(values: pd.Series) -> pd.Series:
    """:func:`neutralise_cell` over a column of text, vectorised (a problems table of five
    million rows took a Python call per cell)."""
    return values.astype("str").fillna("").str.replace(r"^('*[=+\-@\t\r])", r"'\1", regex=True)


def unneutralise_cell(text: str) -> str:
    """The inverse of :func:`neutralise_cell` (for a loader reading our own exports back)."""
    return text[1:] if _NEUTRALISED.match(text) else text


def unneutralise_column(values: pd.Series) -> pd.Series:
    """:func:`unneutralise_cell` over a column of text, vectorised for large files."""
    return values.str.replace(r"^'(?='*[=+\-@\t\r])", "", regex=True)


# Above this a float no longer holds every whole number: such counts go through pandas, exactly.
_EXACT_WHOLE = 2.0**53


def numbers_in(text: pd.Series) -> pd.Series:
    """What ``pd.to_numeric(text, errors="coerce")`` gives: NaN where blank or not a number.
    Arrow's cast when every non-blank value is a number (the bulk of any export: a tenth of the
    time at a million rows), pandas otherwise (and for whole numbers too big for a float to hold
    exactly, which it keeps as integers), so both give the same answer."""
    # Only text that pandas also reads as NaN-missing text: it gives other columns (mixed values,
    # or pd.NA's "string") types of their own.
    if isinstance(text.dtype, pd.StringDtype) and text.dtype.na_value is np.nan:
        array = pa.chunked_array(pa.array(text, from_pandas=True))
        try:
            found = pc.cast(pc.if_else(pc.equal(array, ""), pa.scalar(None, array.type), array),
                            pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            found = None  # a value that is not a plain number
        if found is not None:
            numbers = found.to_numpy(zero_copy_only=False).astype(float)
            finite = numbers[np.isfinite(numbers)]
            if not len(finite) or np.abs(finite).max() < _EXACT_WHOLE:
                return pd.Series(numbers, index=text.index, name=text.name)
    return pd.to_numeric(text, errors="coerce")
