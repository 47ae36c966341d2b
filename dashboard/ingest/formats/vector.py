"""Column work done once per distinct value and spread back over the rows.

Exports repeat the same few thousand actor, type, code and date strings across a million rows;
mapping the distinct values in Python and spreading the results with pyarrow's take keeps
that to milliseconds, and keeps every column a pyarrow-backed string column.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.ingest.readcsv import STR


def as_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """A pyarrow string array as a pandas string column (no copy)."""
    return values.to_pandas(types_mapper=lambda t: STR)


def arrow_text(values: pd.Series) -> pa.ChunkedArray:
    """A string column as pyarrow large strings (no copy for our columns)."""
    array = pa.chunked_array(pa.array(values.astype(STR)))
    return array if array.type == pa.large_string() else pc.cast(array, pa.large_string())


def spread(results: list[str], codes: np.ndarray) -> pd.Series:
    """``results[code]`` for every row, as a string column (code -1 reads as "")."""
    table = pa.array([*results, ""], type=pa.string())
    index = np.where(codes < 0, len(results), codes)
    return as_series(pc.take(table, pa.array(index)))


def per_combo(parts: list[pd.Series], func: Callable[..., str]) -> pd.Series:
    """``func(a, b, ...)`` once per distinct combination of the columns' values, spread back."""
    factorized = [pd.factorize(part) for part in parts]
    sizes = [len(u) + 1 for _, u in factorized]
    if float(np.prod(sizes, dtype=float)) < 2.0**62:
        key = np.zeros(len(parts[0]), dtype=np.int64)
        for (codes, _), size in zip(factorized, sizes, strict=True):
            key *= size
            key += codes + 1
        inverse, keys = pd.factorize(key)
        combos = np.zeros((len(keys), len(parts)), dtype=np.int64)
        rest = np.asarray(keys, dtype=np.int64)
        for position in reversed(range(len(parts))):
            rest, combos[:, position] = np.divmod(rest, sizes[position])
    else:
        stacked = np.stack([c for c, _ in factorized], axis=1).astype(np.int64) + 1
        combos, inverse = np.unique(stacked, axis=0, return_inverse=True)
    results = [func(*("" if c == 0 else str(u[c - 1]) for (_, u), c in
                      zip(factorized, combo, strict=True))) for combo in combos]
    return spread(results, np.asarray(inverse).reshape(-1))


