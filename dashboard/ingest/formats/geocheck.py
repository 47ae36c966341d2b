"""Coordinate pairs that cannot be right: out of range, swapped, or the 0,0 placeholder.

Swapped latitude/longitude is the commonest hand-entry error and puts a Syrian village in
Turkey or Iran. It is repaired only where the region is known and the evidence is clear: the
row's country box (or, for rows without a country, the box of the country nearly all the
file's rows lie in) holds the swapped pair but not the pair as written. A swap that still lands
in a plausible place (Aleppo's 36.2, 37.2 read as 37.2, 36.2 is in Turkey, next door) cannot
be told from data and is left alone; so are swaps in files from regions not listed below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# (south, north, west, east) in degrees, a little generous; countries this atlas is likely
# to be fed (ACLED's and UCDP's names), keyed by casefolded name.
BOXES: dict[str, tuple[float, float, float, float]] = {
    "syria": (32.3, 37.35, 35.6, 42.4),
    "iraq": (29.0, 37.4, 38.7, 48.7),
    "turkey": (35.8, 42.2, 25.6, 44.9),
    "türkiye": (35.8, 42.2, 25.6, 44.9),
    "lebanon": (33.0, 34.7, 35.0, 36.7),
    "jordan": (29.1, 33.4, 34.9, 39.35),
    "israel": (29.4, 33.4, 34.2, 35.95),
    "palestine": (31.2, 32.6, 34.2, 35.6),
    "iran": (25.0, 39.8, 44.0, 63.4),
    "yemen": (12.0, 19.0, 42.5, 54.6),
    "libya": (19.5, 33.2, 9.3, 25.2),
    "egypt": (22.0, 31.7, 24.7, 36.9),
    "saudi arabia": (16.3, 32.2, 34.5, 55.7),
    "afghanistan": (29.3, 38.5, 60.5, 74.9),
    "ukraine": (44.3, 52.4, 22.1, 40.3),
}
MARGIN = 0.3  # degrees around a country box: border towns, coastal waters
REGION_MIN_ROWS = 5
REGION_SHARE = 0.8  # a file's region is the country box holding this share of its rows


@dataclass
class CheckedCoordinates:
    """Latitudes and longitudes after repair, and which rows were repaired or are unusable."""

    lat: np.ndarray
    lon: np.ndarray
    swapped: np.ndarray  # reason per row ("" when not swapped)
    placeholder: np.ndarray  # 0,0 cleared
    out_of_range: np.ndarray
    outside_country: np.ndarray


def check_coordinates(lat: np.ndarray, lon: np.ndarray, country: pd.Series) -> CheckedCoordinates:
    """Repair or flag every pair; NaN means the pair is missing (to be looked up by place).

    Only the rows with a pair are looked at: a file of rows without coordinates (they are
    placed by name, or rejected) costs no country box per row."""
    lat, lon = lat.astype(float).copy(), lon.astype(float).copy()
    count = len(lat)
    swapped = np.full(count, "", dtype=object)
    placeholder = (lat == 0) & (lon == 0)
    lat[placeholder] = lon[placeholder] = np.nan
    known = np.isfinite(lat) & np.isfinite(lon)
    rows = slice(None) if known.all() else np.flatnonzero(known)
    pair = _check_pairs(lat[rows], lon[rows], country.iloc[rows])
    lat[rows], lon[rows], swapped[rows] = pair.lat, pair.lon, pair.swapped
    out_of_range = np.zeros(count, dtype=bool)
    outside_country = np.zeros(count, dtype=bool)
    out_of_range[rows], outside_country[rows] = pair.out_of_range, pair.outside_country
    return CheckedCoordinates(lat, lon, swapped, placeholder, out_of_range, outside_country)


def _check_pairs(lat: np.ndarray, lon: np.ndarray, country: pd.Series) -> CheckedCoordinates:
    """check_coordinates for rows that all have a pair (``lat`` and ``lon`` are changed)."""
    swapped = np.full(len(lat), "", dtype=object)
    south, north, west, east = _country_boxes(country)
    named = np.isfinite(south)
    region = _region(lat, lon, ~named & _in_range(lat, lon))
    if region is not None:
        for bound, value in zip((south, north, west, east), region, strict=True):
            bound[~named] = value
    inside = _inside(lat, lon, south, north, west, east)
    flipped = _inside(lon, lat, south, north, west, east)
    _swap(lat, lon, swapped, ~inside & flipped & named,
          "the pair lies outside the row's country but inside it swapped")
    _swap(lat, lon, swapped, ~inside & flipped & ~named,
          "the pair lies outside the region of the file's other rows but inside it swapped")

    out_of_range = ~_in_range(lat, lon)
    inside = _inside(lat, lon, south, north, west, east)
    outside_country = named & ~inside & ~out_of_range
    none = np.zeros(len(lat), dtype=bool)
    return CheckedCoordinates(lat, lon, swapped, none, out_of_range, outside_country)


def _swap(lat: np.ndarray, lon: np.ndarray, swapped: np.ndarray, mask: np.ndarray,
          reason: str) -> None:
    mask = mask & (swapped == "")
    lat[mask], lon[mask] = lon[mask], lat[mask].copy()
    swapped[mask] = reason


def _in_range(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return (np.abs(lat) <= 90) & (np.abs(lon) <= 180)


def _inside(lat: np.ndarray, lon: np.ndarray, south: np.ndarray | float,
            north: np.ndarray | float, west: np.ndarray | float,
            east: np.ndarray | float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return ((lat >= south - MARGIN) & (lat <= north + MARGIN)
                & (lon >= west - MARGIN) & (lon <= east + MARGIN))


def _country_boxes(country: pd.Series) -> tuple[np.ndarray, ...]:
    codes, uniques = pd.factorize(country)
    table = np.array([BOXES.get(str(name).strip().casefold(), (np.nan,) * 4) for name in uniques]
                     + [(np.nan,) * 4], dtype=float).reshape(-1, 4)
    rows = table[codes]  # code -1 (missing) picks the NaN row at the end
    return rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]


def _region(lat: np.ndarray, lon: np.ndarray,
            usable: np.ndarray) -> tuple[float, float, float, float] | None:
    """The box of the country that holds nearly all usable rows, if there is one."""
    total = int(usable.sum())
    if total < REGION_MIN_ROWS:
        return None
    counts = {name: int((_inside(lat, lon, *box) & usable).sum()) for name, box in BOXES.items()}
    best = max(counts, key=counts.__getitem__)
    return BOXES[best] if counts[best] >= REGION_SHARE * total else None
