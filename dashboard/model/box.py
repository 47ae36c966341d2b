"""The map box (south, west, north, east) and the one test of whether points lie in it."""

from __future__ import annotations

import numpy as np

BBox = tuple[float, float, float, float]  # south, west, north, east


def in_box(lat: np.ndarray, lon: np.ndarray, box: BBox, *, margin: float = 0.0) -> np.ndarray:
    """Which points lie in ``box`` (south, west, north, east), widened by ``margin`` of its height
    and width on each side: the one box test of the filter, the map's layers and the exports."""
    south, west, north, east = box
    tall, wide = (north - south) * margin, (east - west) * margin
    return (lat >= south - tall) & (lat <= north + tall) & (lon >= west - wide) & (lon <= east + wide)
