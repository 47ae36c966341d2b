"""What every geocoding provider shares: the area to search, and what an answer becomes.

Each provider module (offline, nominatim) registers two hooks for its geopy geocoder class:
``search_options`` turns a :class:`SearchArea` into that provider's keyword arguments, and
``describe`` turns its geopy ``Location`` into a gazetteer :class:`Place` that says where the
coordinates came from. Keeping them as single-dispatch functions lets :func:`resolve_places` work
with any geopy geocoder, not only the two wired here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import singledispatch
from typing import Any

from geopy.geocoders.base import Geocoder
from geopy.location import Location

from dashboard.model.place import Place, normalize_name

# (lat, lon) corners of Syria and its neighbours (the basemap's clip box): preferred, not required.
REGION_VIEWBOX: tuple[tuple[float, float], tuple[float, float]] = ((29.0, 32.0), (40.0, 45.0))
# Syria and the countries around it, for --countries when a search must stay in the region.
NEIGHBOUR_COUNTRY_CODES: tuple[str, ...] = ("sy", "tr", "iq", "jo", "lb", "il", "ps")
KM_PER_DEGREE = 111.2


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchArea:
    """Where to look: ``country_codes`` restricts (empty: anywhere), ``viewbox`` biases, and
    restricts too when ``bounded``."""

    country_codes: tuple[str, ...] = ()
    viewbox: tuple[tuple[float, float], tuple[float, float]] | None = REGION_VIEWBOX
    bounded: bool = False


@dataclass(frozen=True, slots=True)
class Found:
    """A geocoder's answer as a place; ``identity`` names the thing found (osm:node/1,
    geonames:170063) so that two spellings of one place become one place with an alias."""

    place: Place
    identity: str


def in_box(lat: float, lon: float, box: tuple[tuple[float, float], tuple[float, float]] | None,
           ) -> bool:
    """Whether (lat, lon) lies in a box given by two (lat, lon) corners; anywhere if no box."""
    if box is None:
        return True
    (lat1, lon1), (lat2, lon2) = box
    return min(lat1, lat2) <= lat <= max(lat1, lat2) and min(lon1, lon2) <= lon <= max(lon1, lon2)


def bbox_radius_km(south: float, north: float, west: float, east: float) -> float:
    """Half the diagonal of a bounding box: how far the thing may lie from its centre."""
    dy = (north - south) * KM_PER_DEGREE
    dx = (east - west) * KM_PER_DEGREE * math.cos(math.radians((north + south) / 2))
    return round(max(math.hypot(dx, dy) / 2, 0.1), 1)


def alias_tuple(query: str, *names: Any) -> tuple[str, ...]:
    """The provider's own names for the place, minus any that match the query anyway."""
    seen, out = {normalize_name(query)}, []
    for name in names:
        if isinstance(name, str) and name.strip() and normalize_name(name) not in seen:
            seen.add(normalize_name(name))
            out.append(name.strip())
    return tuple(out)


@singledispatch
def search_options(geocoder: Geocoder, area: SearchArea) -> dict[str, Any]:
    """Keyword arguments for ``geocoder.geocode`` that apply ``area``; none for an unknown one."""
    return {}


@singledispatch
def describe(geocoder: Geocoder, query: str, location: Location, *, today: str) -> Found:
    """An unknown geocoder's answer: the point, with no claim about how exact it is."""
    name = type(geocoder).__name__
    place = Place(query.strip(), location.latitude, location.longitude, precision="approximate",
                  coord_source=f"{name} query {query!r}: {location.address}, {today}")
    return Found(place, f"{name}:{location.latitude:.6f},{location.longitude:.6f}")
