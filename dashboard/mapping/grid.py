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
    """Cells with their event count and the mean position of their events (lat, lon, count)."""
    size = cell_degrees(zoom, cell_px=cell_px)
    if len(lat) == 0:
        return pd.DataFrame({"lat": [], "lon": [], "count": []})
    row = np.floor(lat / size).astype(np.int64)
    col = np.floor(lon / size).astype(np.int64)
    key = row * 1_000_003 + col
    inverse, uniques = pd.factorize(key)
    counts = np.bincount(inverse, minlength=len(uniques))
    w = np.ones(len(lat)) if weights is None else weights
    return pd.DataFrame(
        {
            "lat": np.bincount(inverse, weights=lat, minlength=len(uniques)) / counts,
            "lon": np.bincount(inverse, weights=lon, minlength=len(uniques)) / counts,
            "count": counts,
            "weight": np.bincount(inverse, weights=w, minlength=len(uniques)),
        }
    )
