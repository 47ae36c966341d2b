"""The map box (south, west, north, east) and the one test of whether points lie in it."""

from __future__ import annotations

import numpy as np

BBox = tuple[float, float, float, float]  # south, west, north, east


def in_box(lat: np.ndarray, lon: np.ndarray, box: BBox, *, margin: float = 0.0) -> np.ndarray:
    """Which points lie in ``box`` (south, west, north, east), widened by ``margin`` of its height
    and width on each side: the one box test of the filter, the map's layers and the exports."""
    south, west, north, east = widened(box, margin)
    inside = lat >= south
    inside &= lat <= north  # in place: four flags a point, one array
    inside &= lon >= west
    inside &= lon <= east
    return inside


def widened(box: BBox, margin: float) -> BBox:
    """``box`` grown by ``margin`` of its height and width on each side."""
    south, west, north, east = box
    tall, wide = (north - south) * margin, (east - west) * margin
    return south - tall, west - wide, north + tall, east + wide
