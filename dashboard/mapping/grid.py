"""Server-side aggregation: many events become a few grid cells, so a rerun stays small.

A million markers cannot be sent to a browser; a grid whose cells shrink as the user zooms in can.
Cells are sized in screen pixels, so the number sent is bounded by the map's size, not the data's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.model.box import BBox
from dashboard.model.rows import Rows, blocks

CELL_PX = 36


def cell_degrees(zoom: float, *, cell_px: int = CELL_PX) -> float:
    """Cell size in degrees for a zoom level (one 256-px tile spans 360 / 2**zoom degrees)."""
    return 360.0 / (2.0 ** float(zoom)) * cell_px / 256.0


def aggregate(
    lat: np.ndarray, lon: np.ndarray, *, zoom: float, weights: np.ndarray | None = None,
    cell_px: int = CELL_PX,
) -> pd.DataFrame:
    """Cells with their event count and the mean position of their events (lat, lon, count,
    weight), in the grid's row-major order.

    The cells are numbered within the box the points span, so each sum is one ``np.bincount``:
    hashing every point's cell (``pd.factorize``) cost 0.15 s of a move at ten million events.
    Points so far apart that the box holds far more cells than points are hashed after all.
    """
    size = cell_degrees(zoom, cell_px=cell_px)
    if len(lat) == 0:
        return _frame(np.zeros(0), np.zeros(0), np.zeros(0, np.int64), np.zeros(0))
    grid = _Grid.spanning(float(lat.min()), float(lat.max()), float(lon.min()), float(lon.max()), size)
    if grid.cells > max(4 * len(lat), 1 << 20):
        return _hashed(lat, lon, weights, size)
    return grid.count([(lat, lon, weights)])


# Above this many cells in the grid's box, each block's sums (three arrays of every cell) would cost
# more than one pass over the rows copied whole.
BLOCK_CELLS = 1 << 18


def aggregate_rows(rows: Rows, *, zoom: float, cell_px: int = CELL_PX,
                   within: BBox | None = None) -> pd.DataFrame:
    """:func:`aggregate` of the coordinates of ``rows``, read from the table block by block (no
    column of the rows is copied whole). ``within`` (a box every row lies in, such as the map's
    view) bounds the grid when the table's own extent is wider."""
    size = cell_degrees(zoom, cell_px=cell_px)
    lat_all, lon_all = rows.table_values("lat", float), rows.table_values("lon", float)
    count = len(rows)
    if count == 0:
        return aggregate(np.zeros(0), np.zeros(0), zoom=zoom, cell_px=cell_px)
    south, north = float(np.nanmin(lat_all)), float(np.nanmax(lat_all))
    west, east = float(np.nanmin(lon_all)), float(np.nanmax(lon_all))
    if within is not None:
        south, west = max(south, within[0]), max(west, within[1])
        north, east = min(north, within[2]), min(east, within[3])
    grid = _Grid.spanning(south, north, west, east, size) if south <= north and west <= east else None
    if grid is None or grid.cells > BLOCK_CELLS:
        return aggregate(rows.values("lat", float), rows.values("lon", float), zoom=zoom, cell_px=cell_px)
    mask = rows.mask

    def coordinates() -> Iterator[tuple[np.ndarray, np.ndarray, None]]:
        for part in blocks(len(lat_all)):  # a few MB of copies at a time, not whole columns
            if mask is None:
                yield lat_all[part], lon_all[part], None
            else:
                keep = mask[part]
                yield lat_all[part][keep], lon_all[part][keep], None

    return grid.count(coordinates())


@dataclass(frozen=True)
class _Grid:
    """The cells of ``size`` degrees from (first_row, first_col), ``width`` to a row: anchored at
    multiples of ``size``, so a cell is the same cell whatever box numbers it."""

    size: float
    first_row: int
    first_col: int
    width: int
    cells: int

    @classmethod
    def spanning(cls, south: float, north: float, west: float, east: float, size: float) -> _Grid:
        first_row, last_row = int(np.floor(south / size)), int(np.floor(north / size))
        first_col, last_col = int(np.floor(west / size)), int(np.floor(east / size))
        width = last_col - first_col + 1
        return cls(size, first_row, first_col, width, (last_row - first_row + 1) * width)

    def count(self, blocks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray | None]]) -> pd.DataFrame:
        counts = np.zeros(self.cells, np.int64)
        lat_sum, lon_sum = np.zeros(self.cells), np.zeros(self.cells)
        weight_sum: np.ndarray | None = None
        for lat, lon, weights in blocks:
            if not len(lat):
                continue
            key = np.floor(lat / self.size).astype(np.int64)
            key -= self.first_row
            key *= self.width
            col = np.floor(lon / self.size).astype(np.int64)
            col -= self.first_col
            key += col
            counts += np.bincount(key, minlength=self.cells)
            lat_sum += np.bincount(key, weights=lat, minlength=self.cells)
            lon_sum += np.bincount(key, weights=lon, minlength=self.cells)
            if weights is not None:
                weight_sum = (weight_sum if weight_sum is not None else np.zeros(self.cells)) + \
                    np.bincount(key, weights=weights, minlength=self.cells)
        used = np.flatnonzero(counts)
        found = counts[used]
        weight = weight_sum[used] if weight_sum is not None else found.astype(float)
        return _frame(lat_sum[used] / found, lon_sum[used] / found, found, weight)


def _hashed(lat: np.ndarray, lon: np.ndarray, weights: np.ndarray | None, size: float) -> pd.DataFrame:
    """Cells of points too far apart to number every cell of their box: each point's cell hashed."""
    row = np.floor(lat / size).astype(np.int64)
    col = np.floor(lon / size).astype(np.int64)
    row -= row.min()
    col -= col.min()
    key, _ = pd.factorize(row * (int(col.max()) + 1) + col, sort=True)
    counts = np.bincount(key)
    return _frame(np.bincount(key, weights=lat) / counts, np.bincount(key, weights=lon) / counts, counts,
                  counts.astype(float) if weights is None else np.bincount(key, weights=weights))


def _frame(lat: np.ndarray, lon: np.ndarray, count: np.ndarray, weight: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"lat": lat, "lon": lon, "count": count, "weight": weight})
