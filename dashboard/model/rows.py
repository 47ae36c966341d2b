"""Some of a store's events, named by a mask over its rows and copied only column by column.

A view of ten million events that took every selected row out of the store's frame cost over a
second a slider move and a second copy of the frame per session, to use a few columns of it: the
map's coordinates, the glance's counts, the list's first rows. :class:`Rows` keeps the mask; each
consumer takes the columns it reads (``column``, ``frame``) or the first rows (``head``), and the
copies are freed with the rerun that made them. Labels are the store's row positions, as a
frame taken from the store has them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

HEAD_BLOCK = 1 << 16
# Rows a block, for the passes over every row of a store that a view's counts make: a block's
# copies and casts are a few MB, which the allocator hands out again block after block, where whole
# columns of ten million rows were fresh memory the kernel had to clear at every move.
BLOCK_ROWS = 1 << 19


def blocks(length: int) -> Iterator[slice]:
    """Consecutive slices of BLOCK_ROWS rows covering ``length`` rows."""
    for first in range(0, length, BLOCK_ROWS):
        yield slice(first, min(first + BLOCK_ROWS, length))


def tally(codes: np.ndarray, size: int, where: np.ndarray | None = None) -> np.ndarray:
    """How many rows (of those ``where`` holds) have each code 0..size-1 (negative codes left out):
    ``np.bincount`` block by block, since it casts whatever it counts to 64 bits first."""
    counts = np.zeros(size, np.int64)
    for part in blocks(len(codes)):
        found = codes[part] if where is None else codes[part][where[part]]
        counts += np.bincount(found[found >= 0], minlength=size)[:size]
    return counts


@dataclass(frozen=True, eq=False)
class Rows:
    """The rows of ``table`` where ``mask`` holds (every row when it is None)."""

    table: pd.DataFrame
    mask: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.table) if self.mask is None else int(np.count_nonzero(self.mask))

    @property
    def everything(self) -> bool:
        return self.mask is None

    def positions(self) -> np.ndarray:
        """The rows' positions in the table, ascending."""
        return np.arange(len(self.table)) if self.mask is None else np.flatnonzero(self.mask)

    def column(self, name: str) -> pd.Series:
        """One column of these rows (the table's own column when every row is in)."""
        held = self.table[name]
        return held if self.mask is None else held[self.mask]

    def values(self, name: str, dtype: type | None = None) -> np.ndarray:
        """One column of these rows as a numpy array: indexing the array itself, not the Series
        (whose index made it ten times slower at ten million rows)."""
        held = self.table_values(name, dtype)
        return held if self.mask is None else held[self.mask]

    def frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """These rows with ``columns`` (every column when None): a copy of those columns only."""
        names = list(self.table.columns if columns is None else columns)
        if self.mask is None:
            return self.table[names].copy(deep=False)
        # Each column's array indexed by the mask, then one frame around them: half the time of
        # indexing the frame (which also works out a new index per block).
        return pd.DataFrame({name: self.table[name].array[self.mask] for name in names},
                            index=pd.Index(np.flatnonzero(self.mask)), copy=False)

    def first_positions(self, n: int) -> np.ndarray:
        """The positions of the first ``n`` of these rows, read from the start of the mask only as
        far as they reach (a list's first rows of ten million: a few blocks, not the whole mask)."""
        if self.mask is None:
            return np.arange(min(n, len(self.table)))
        found, count, block = [], 0, HEAD_BLOCK
        for start in range(0, len(self.mask), block):
            part = np.flatnonzero(self.mask[start:start + block]) + start
            found.append(part)
            count += len(part)
            if count >= n:
                break
        return np.concatenate(found)[:n] if found else np.zeros(0, np.int64)

    def head(self, n: int, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The first ``n`` of these rows (all columns unless ``columns``)."""
        table = self.table if columns is None else self.table[list(columns)]
        return table.take(self.first_positions(n))

    def where(self, keep: np.ndarray) -> Rows:
        """Those of these rows where ``keep`` (one flag per row of these, in order) holds."""
        keep = np.asarray(keep, dtype=bool)
        if keep.all():
            return self
        if self.mask is None:
            return Rows(self.table, keep)
        mask = self.mask.copy()
        mask[mask] = keep
        return Rows(self.table, mask)

    def also(self, flags: np.ndarray) -> Rows:
        """Those of these rows whose flag holds, with one flag per row of the *table*: a test run
        on the table's own columns in place (no column of these rows copied to run it on)."""
        flags = np.asarray(flags, dtype=bool)
        if self.mask is None:
            return self if flags.all() else Rows(self.table, flags)
        return Rows(self.table, flags & self.mask)

    def table_values(self, name: str, dtype: type | None = None) -> np.ndarray:
        """The table's whole column as a numpy array (a view when it needs no conversion), for
        :meth:`also`."""
        held = self.table[name]
        return held.to_numpy(dtype=dtype) if dtype is not None else held.to_numpy()

    def matching(self, name: str, value: object) -> Rows:
        """Those of these rows whose ``name`` column equals ``value`` (an id: compared in Arrow,
        with no Python string per row)."""
        held = self.table[name]
        if isinstance(held.dtype, pd.StringDtype) and held.dtype.storage == "pyarrow":
            arrow = pa.array(held.array)  # its Arrow data (through __arrow_array__), no copy
            found = pc.fill_null(pc.equal(arrow, pa.scalar(value, type=arrow.type)), False) \
                .to_numpy(zero_copy_only=False)
        else:
            found = (held == value).to_numpy(bool)
        return Rows(self.table, found if self.mask is None else found & self.mask)
