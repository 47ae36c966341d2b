"""Integrity tests for the curated data in dashboard/data/ (events, sources, actors, gazetteer).

Pure standard library + pytest; no project imports.  The seed articles are looked up in
$ATLAS_SEEDS, else in <repo>/../shared/seeds.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "dashboard" / "data"
SEEDS = Path(os.environ.get("ATLAS_SEEDS") or Path(__file__).resolve().parents[2] / "shared" / "seeds")
# The articles live outside the repository: a checkout without them skips the checks that read
# them; under CI=true their absence fails instead.
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir() and not os.environ.get("CI"),
                                 reason=f"the seed articles are not in {SEEDS} (set ATLAS_SEEDS)")

EVENT_COLUMNS = [
    "id", "date", "date_end", "date_precision", "place", "actors", "event_type", "fatalities",
    "wounded", "summary", "claimed_by", "source", "quote", "dispute",
]
SOURCE_COLUMNS = ["id", "file", "title", "outlet", "author", "published", "published_note", "url"]
ACTOR_COLUMNS = ["name", "aliases", "parent", "coalition", "kind"]
PLACE_PROPERTIES = [
    "name", "aliases", "kind", "admin1", "country", "precision", "uncertainty_km", "coord_source",
]

EVENT_TYPES = {
    "battle", "airstrike", "territory", "deployment", "casualties", "statement", "diplomacy", "support",
}
PRECISIONS = {"day", "week", "month", "season", "year"}
COALITIONS = {
    "pro-government axis", "armed opposition", "jihadist groups", "outside powers", "Kurdish forces",
}
ACTOR_KINDS = {"state", "military", "militia", "armed group", "official", "media", "monitor"}
PLACE_KINDS = {"city", "town", "village", "air base", "front", "region", "governorate", "country"}
PLACE_PRECISIONS = {"exact", "approximate", "centroid"}
# season -> (start month, end month); winter runs from December into the next year
SEASONS = {3: 5, 6: 8, 9: 11, 12: 2}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_QUOTE = 450


def norm_ws(text: str) -> str:
    """Collapse every run of Unicode whitespace (incl. U+00A0) to one space."""
    return re.sub(r"\s+", " ", text)


def read_csv(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def parse_date(value: str) -> dt.date:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), f"not ISO YYYY-MM-DD: {value!r}"
    return dt.date.fromisoformat(value)


SOURCE_HEADER, SOURCES = read_csv("sources.csv")
EVENT_HEADER, EVENTS = read_csv("events.csv")
ACTOR_HEADER, ACTORS = read_csv("actors.csv")
with open(DATA / "places.geojson", encoding="utf-8") as _f:
    PLACES_FC = json.load(_f)
PLACES = PLACES_FC.get("features", [])

SOURCE_BY_ID = {s["id"]: s for s in SOURCES}
ACTOR_BY_NAME = {a["name"]: a for a in ACTORS}
PLACE_NAMES = {p["properties"]["name"] for p in PLACES}


def _seed_text(filename: str) -> str:
    return norm_ws((SEEDS / filename).read_text(encoding="utf-8"))


SEED_TEXT_CACHE: dict[str, str] = {}


def seed_text(filename: str) -> str:
    if filename not in SEED_TEXT_CACHE:
        SEED_TEXT_CACHE[filename] = _seed_text(filename)
    return SEED_TEXT_CACHE[filename]


def eid(row: dict[str, str]) -> str:
    return row.get("id") or "<no id>"


# ------------------------------------------------------------------ files and headers

@needs_seeds
def test_seed_directory_exists():
    assert SEEDS.is_dir(), f"seed dir not found: {SEEDS} (set ATLAS_SEEDS)"
    assert sorted(SEEDS.glob("*.txt")), "no seed files"


def test_headers():
    assert SOURCE_HEADER == SOURCE_COLUMNS
    assert EVENT_HEADER == EVENT_COLUMNS
    assert ACTOR_HEADER == ACTOR_COLUMNS


@pytest.mark.parametrize("name", ["sources.csv", "events.csv", "actors.csv", "places.geojson"])
def test_utf8_lf(name):
    raw = (DATA / name).read_bytes()
    raw.decode("utf-8")
    assert b"\r\n" not in raw, f"{name} must use LF line endings"


# ------------------------------------------------------------------ sources

def test_source_ids_unique():
    dupes = [k for k, v in Counter(s["id"] for s in SOURCES).items() if v > 1]
    assert not dupes


@needs_seeds
def test_every_seed_file_has_a_source():
    files = {s["file"] for s in SOURCES}
    missing = [p.name for p in sorted(SEEDS.glob("*.txt")) if p.name not in files]
    assert not missing, f"seed files without a sources.csv row: {missing}"


@pytest.mark.parametrize("src", SOURCES, ids=[s["id"] for s in SOURCES])
@needs_seeds
def test_source_row(src):
    assert SLUG.match(src["id"])
    assert (SEEDS / src["file"]).is_file(), src["file"]
    assert src["title"].strip() and src["outlet"].strip()
    parse_date(src["published"])
    if src["url"]:
        assert re.match(r"^https?://", src["url"])


# ------------------------------------------------------------------ events

def test_event_count():
    assert 40 <= len(EVENTS) <= 150


def test_event_ids_unique():
    dupes = [k for k, v in Counter(e["id"] for e in EVENTS).items() if v > 1]
    assert not dupes, f"duplicate event ids: {dupes}"


@pytest.mark.parametrize("src", SOURCES, ids=[s["id"] for s in SOURCES])
def test_every_source_has_at_least_three_events(src):
    n = sum(1 for e in EVENTS if e["source"] == src["id"])
    assert n >= 3, f"{src['id']} ({src['file']}) has only {n} events"


@needs_seeds
def test_every_seed_file_has_at_least_three_events():
    per_file = Counter(SOURCE_BY_ID[e["source"]]["file"] for e in EVENTS if e["source"] in SOURCE_BY_ID)
    for p in sorted(SEEDS.glob("*.txt")):
        assert per_file[p.name] >= 3, f"{p.name}: {per_file[p.name]} events"


@pytest.mark.parametrize("ev", EVENTS, ids=[eid(e) for e in EVENTS])
def test_event_fields(ev):
    assert SLUG.match(ev["id"]), "id must be a lowercase slug"
    assert ev["event_type"] in EVENT_TYPES
    assert ev["date_precision"] in PRECISIONS
    assert ev["source"] in SOURCE_BY_ID, f"unknown source {ev['source']!r}"
    assert ev["place"] in PLACE_NAMES, f"place {ev['place']!r} not in places.geojson"
    assert ev["summary"].strip() and ev["claimed_by"].strip()
    assert norm_ws(ev["summary"]).strip() != norm_ws(ev["quote"]).strip(), "summary must not copy the quote"
    for col in ("fatalities", "wounded"):
        if ev[col] != "":
            assert re.fullmatch(r"\d+", ev[col]), f"{col} must be a non-negative integer or empty"
    if ev["dispute"]:
        assert SLUG.match(ev["dispute"])


@pytest.mark.parametrize("ev", EVENTS, ids=[eid(e) for e in EVENTS])
def test_event_actors_known(ev):
    actors = ev["actors"].split(";")
    assert actors and all(a.strip() == a and a for a in actors), "actors must be ';'-separated, no blanks"
    unknown = [a for a in actors if a not in ACTOR_BY_NAME]
    assert not unknown, f"actors missing from actors.csv: {unknown}"
    assert len(actors) == len(set(actors)), "duplicate actor in row"


@pytest.mark.parametrize("ev", EVENTS, ids=[eid(e) for e in EVENTS])
def test_event_dates(ev):
    start = parse_date(ev["date"])
    end = parse_date(ev["date_end"]) if ev["date_end"] else None
    if end is not None:
        assert end >= start, "date_end before date"
    prec = ev["date_precision"]
    if prec == "month":
        assert start.day == 1, "month precision: date must be the first of the month"
    elif prec == "year":
        assert (start.month, start.day) == (1, 1), "year precision: date must be 1 January"
    elif prec == "season":
        assert start.day == 1 and start.month in SEASONS, "season must start on 03-01, 06-01, 09-01 or 12-01"
        assert end is not None, "season precision needs date_end"
        end_month = SEASONS[start.month]
        end_year = start.year + (1 if start.month == 12 else 0)
        nxt = dt.date(end_year + (end_month == 12), end_month % 12 + 1, 1)
        assert end == nxt - dt.timedelta(days=1), "season date_end must be the season's last day"
    # an event cannot be dated after the article that reports it
    published = parse_date(SOURCE_BY_ID[ev["source"]]["published"])
    assert start <= published, "event starts after its source was published"
    if end is not None:
        assert end <= published, "event ends after its source was published"


@pytest.mark.parametrize("ev", EVENTS, ids=[eid(e) for e in EVENTS])
@needs_seeds
def test_quote_is_verbatim(ev):
    quote = norm_ws(ev["quote"]).strip()
    assert quote, "empty quote"
    assert len(quote) <= MAX_QUOTE, f"quote too long ({len(quote)} chars)"
    text = seed_text(SOURCE_BY_ID[ev["source"]]["file"])
    assert quote in text, f"quote not found verbatim in {SOURCE_BY_ID[ev['source']]['file']}: {quote[:80]!r}"


def test_disputes_link_at_least_two_rows():
    counts = Counter(e["dispute"] for e in EVENTS if e["dispute"])
    lonely = [k for k, v in counts.items() if v < 2]
    assert not lonely, f"dispute slugs used by a single row: {lonely}"


def test_disputed_rows_have_distinct_claims():
    groups: dict[str, list[dict[str, str]]] = {}
    for e in EVENTS:
        if e["dispute"]:
            groups.setdefault(e["dispute"], []).append(e)
    for slug, rows in groups.items():
        keys = {(r["claimed_by"], r["quote"]) for r in rows}
        assert len(keys) == len(rows), f"{slug}: rows are not distinct claims"


# ------------------------------------------------------------------ actors

def test_actor_names_unique():
    dupes = [k for k, v in Counter(a["name"] for a in ACTORS).items() if v > 1]
    assert not dupes


@pytest.mark.parametrize("actor", ACTORS, ids=[a["name"] for a in ACTORS])
def test_actor_row(actor):
    assert actor["name"].strip() == actor["name"] and actor["name"]
    assert actor["coalition"] in COALITIONS
    assert actor["kind"] in ACTOR_KINDS
    if actor["parent"]:
        assert actor["parent"] in ACTOR_BY_NAME, f"parent {actor['parent']!r} is not an actor row"
        assert actor["parent"] != actor["name"]
    aliases = [x for x in actor["aliases"].split(";") if x]
    assert all(x.strip() == x for x in aliases)
    assert actor["name"] not in aliases


def test_actor_hierarchy_has_no_cycles():
    for a in ACTORS:
        seen = {a["name"]}
        cur = a["parent"]
        while cur:
            assert cur not in seen, f"cycle through {a['name']}"
            seen.add(cur)
            cur = ACTOR_BY_NAME[cur]["parent"]


@pytest.mark.parametrize(
    ("child", "parent"),
    [("Quds Force", "IRGC"), ("IRGC", "Iran"), ("Syrian Arab Army", "Syria (government)")],
)
def test_core_hierarchy(child, parent):
    assert ACTOR_BY_NAME[child]["parent"] == parent


def test_alias_does_not_shadow_another_actor():
    names = set(ACTOR_BY_NAME)
    for a in ACTORS:
        for alias in filter(None, a["aliases"].split(";")):
            assert alias not in names, f"alias {alias!r} of {a['name']} is another actor's name"


# ------------------------------------------------------------------ places

def test_feature_collection():
    assert PLACES_FC.get("type") == "FeatureCollection"
    assert str(PLACES_FC.get("attribution", "")).strip(), "top-level attribution missing"
    assert PLACES


def test_place_names_unique():
    dupes = [k for k, v in Counter(p["properties"]["name"] for p in PLACES).items() if v > 1]
    assert not dupes


@pytest.mark.parametrize("feat", PLACES, ids=[p["properties"].get("name", "?") for p in PLACES])
def test_place_feature(feat):
    props = feat["properties"]
    assert feat["type"] == "Feature"
    assert feat["geometry"]["type"] == "Point"
    lon, lat = feat["geometry"]["coordinates"]
    assert -180 <= lon <= 180 and -90 <= lat <= 90
    for key in PLACE_PROPERTIES:
        assert key in props, f"missing property {key}"
    assert isinstance(props["aliases"], list)
    assert props["kind"] in PLACE_KINDS
    assert props["precision"] in PLACE_PRECISIONS
    assert str(props["coord_source"]).strip(), "coord_source must be given"
    unc = props["uncertainty_km"]
    assert isinstance(unc, (int, float)) and unc >= 0
    if props["precision"] == "exact":
        assert unc == 0
    else:
        assert unc > 0, "approximate/centroid places need an uncertainty radius"
    if "estimated by the data curator" in props["coord_source"]:
        assert props["precision"] != "exact", "an estimate must not be marked exact"
    if props["country"] == "Syria" and props["kind"] != "country":
        # rough Syria bounding box (incl. the Golan)
        assert 35.5 <= lon <= 42.5 and 32.2 <= lat <= 37.4, "Syrian place outside Syria"
        assert props["admin1"], "Syrian places need a governorate (admin1)"


def test_every_event_place_in_gazetteer():
    missing = sorted({e["place"] for e in EVENTS} - PLACE_NAMES)
    assert not missing, f"places used by events but missing from places.geojson: {missing}"
