"""Server-side aggregation: many events become a few grid cells, so a rerun stays small.

A million markers cannot be sent to a browser; a grid whose cells shrink as the user zooms in can.
Cells are sized in screen pixels, so the number sent is bounded by the map's size, not the data's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
        return pd.DataFrame({"lat": [], "lon": [], "count": [], "weight": []})
    row = np.floor(lat / size).astype(np.int64)
    col = np.floor(lon / size).astype(np.int64)
    row -= row.min()
    col -= col.min()
    width = int(col.max()) + 1
    key = row * width + col
    cells = int(row.max()) * width + width
    if cells > max(4 * len(lat), 1 << 20):
        key, uniques = pd.factorize(key, sort=True)
        cells = len(uniques)
    counts = np.bincount(key, minlength=cells)
    used = np.flatnonzero(counts)
    counts = counts[used]
    return pd.DataFrame(
        {
            "lat": np.bincount(key, weights=lat, minlength=cells)[used] / counts,
            "lon": np.bincount(key, weights=lon, minlength=cells)[used] / counts,
            "count": counts,
            "weight": counts.astype(float) if weights is None
            else np.bincount(key, weights=weights, minlength=cells)[used],
        }
    )
