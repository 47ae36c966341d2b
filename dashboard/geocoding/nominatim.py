"""OpenStreetMap's Nominatim through geopy's own ``Nominatim`` class.

The public server's policy (https://operations.osmfoundation.org/policies/nominatim/) asks for
an identifying User-Agent and at most one request a second, so both are options here and the
rate is enforced by the caller's :class:`~dashboard.geocoding.retry.RetryingGeocode`. The HTTP
adapter is built without urllib3's own retries, so that every retry is ours: spaced, counted and
reported. ``domain`` and ``scheme`` point it at a self-hosted Nominatim (or a test server).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from geopy.adapters import RequestsAdapter
from geopy.geocoders import Nominatim
from geopy.location import Location

from dashboard.geocoding.base import (
    Found,
    SearchArea,
    alias_tuple,
    bbox_radius_km,
    describe,
    search_options,
)
from dashboard.model.place import Place

# The policy wants the application named; add a contact (an e-mail) with --user-agent.
DEFAULT_USER_AGENT = "event-atlas/0.1 (python -m dashboard geocode)"
PUBLIC_DOMAIN = "nominatim.openstreetmap.org"

# Nominatim addresstypes whose point stands for an administrative area: a centroid.
AREA_TYPES = frozenset({"country", "state", "state_district", "region", "province", "county",
                        "district", "municipality", "subdistrict", "governorate"})
SETTLEMENT_TYPES = frozenset({"city", "town", "village", "hamlet", "isolated_dwelling", "farm",
                              "suburb", "quarter", "neighbourhood", "city_district", "borough"})
# Natural and land-use features are areas whose extent is wider than the point: approximate.
WIDE_CLASSES = frozenset({"natural", "landuse", "waterway", "water", "leisure"})
POINT_TYPES = frozenset({"peak", "spring", "cave_entrance", "volcano", "saddle", "well"})
# OSM's English names say "Aleppo Governorate"; the gazetteer and the basemap say "Aleppo".
ADMIN_SUFFIX = re.compile(r"\s+(Governorate|Province)$", re.IGNORECASE)


def make_nominatim(
    *,
    user_agent: str = DEFAULT_USER_AGENT,
    domain: str = PUBLIC_DOMAIN,
    scheme: str = "https",
    timeout: float = 10.0,
    proxies: dict[str, str] | None = None,
) -> Nominatim:
    """geopy's Nominatim, with an adapter that leaves retrying to us."""
    return Nominatim(user_agent=user_agent, domain=domain, scheme=scheme, timeout=timeout,
                     proxies=proxies, adapter_factory=partial(RequestsAdapter, max_retries=0))


def precision_of(raw: dict[str, Any]) -> str:
    """exact for a settlement or a site, centroid for an admin area, approximate for a region."""
    kind = raw.get("addresstype") or raw.get("type") or ""
    category = raw.get("class") or raw.get("category") or ""
    if kind in SETTLEMENT_TYPES:
        return "exact"
    if kind in AREA_TYPES or category == "boundary":
        return "centroid"
    if category in WIDE_CLASSES and raw.get("type") not in POINT_TYPES:
        return "approximate"
    return "exact"


@search_options.register
def _(geocoder: Nominatim, area: SearchArea) -> dict[str, Any]:
    options: dict[str, Any] = {"addressdetails": True, "language": "en"}
    if area.country_codes:
        options["country_codes"] = list(area.country_codes)
    if area.viewbox is not None:
        options["viewbox"] = area.viewbox
        options["bounded"] = area.bounded
    return options


@describe.register
def _(geocoder: Nominatim, query: str, location: Location, *, today: str) -> Found:
    raw = location.raw
    address = raw.get("address") if isinstance(raw.get("address"), dict) else {}
    osm = f"{raw.get('osm_type', '?')}/{raw.get('osm_id', '?')}"
    precision, radius = precision_of(raw), 0.0  # an exact point is the place, as in the gazetteer
    box = raw.get("boundingbox")
    if precision != "exact" and isinstance(box, list) and len(box) == 4:
        south, north, west, east = (float(v) for v in box)
        radius = bbox_radius_km(south, north, west, east)
    source = f"Nominatim ({geocoder.domain}) query {query!r}, {osm}, {today}"
    place = Place(query.strip(), location.latitude, location.longitude,
                  kind=str(raw.get("addresstype") or raw.get("type") or ""),
                  admin1=ADMIN_SUFFIX.sub("", str(address.get("state") or "")),
                  country=str(address.get("country") or ""),
                  precision=precision, uncertainty_km=radius, coord_source=source,
                  aliases=alias_tuple(query, raw.get("name")))
    return Found(place, f"osm:{osm}")
