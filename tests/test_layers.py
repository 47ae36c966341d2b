"""Folium objects and their rendered HTML: local assets only, escaped text, honest precision."""

from __future__ import annotations

import json
import re

import folium
import pandas as pd
import pytest

from dashboard.events.query import Query
from dashboard.events.view import build_view, country_level_line, list_frame
from dashboard.mapping.assets import INLINE_MARK, STATIC_DIR, UnknownAssetError, inline_assets, localize
from dashboard.mapping.basemap import base_map
from dashboard.mapping.framing import fit_view
from dashboard.mapping.layers import LayerOptions, event_layers

from .conftest import SMALL_EVENTS, event, make_actor_book

REMOTE = re.compile(r'(?:src|href)="(https?:)?//', re.I)


def render(events: list[dict], **opts) -> str:
    frame = pd.DataFrame(events)
    fmap = base_map(online_tiles=False)
    for layer in event_layers(frame, {"Aleppo": len(frame)}, actors=make_actor_book(),
                              opts=LayerOptions(**opts)):
        layer.add_to(fmap)
    folium.LayerControl().add_to(fmap)
    return fmap.get_root().render()


def test_map_loads_no_script_or_style_from_another_host():
    html = render(SMALL_EVENTS)
    assert not REMOTE.search(html), REMOTE.search(html)
    assert '<script src="/app/static/leaflet.js"></script>' in html
    assert "leaflet.markercluster.js" in html
    for cdn in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "bootstrapcdn"):
        assert cdn not in html


def test_online_tiles_are_opt_in():
    assert "tile.openstreetmap.org" not in base_map(online_tiles=False).get_root().render()
    assert "tile.openstreetmap.org" in base_map(online_tiles=True).get_root().render()


def test_data_text_is_escaped_in_the_map():
    payload = '<img src=x onerror="document.title=1">'
    html = render([event("x", "2016-01-01", summary=payload, quote=payload, place=payload)])
    assert payload not in html
    assert "onerror=\\\"document" not in html


def test_approximate_places_get_a_dashed_radius_not_a_pin():
    approximate = event("f", "2016-01-01", loc_precision="approximate", uncertainty_km=15)
    html = render([approximate], cluster=False)
    assert '"radius": 15000.0' in html
    assert '"dashArray": "6 5"' in html
    exact_only = render([event("g", "2016-01-01")], cluster=False)
    assert '"dashArray": "6 5"' not in exact_only


def test_many_events_become_grid_cells_not_markers():
    many = [event(f"id{i}", "2016-01-01", lat=36 + (i % 40) * 0.01, lon=37 + (i // 40) * 0.01)
            for i in range(1200)]
    html = render(many, marker_limit=1000, zoom=8)
    assert "zoom in for detail" in html
    cells = html.count("events here (zoom in for detail)")
    assert 0 < cells < 50
    assert html.count("L.circleMarker(") < 1200
    assert "id1199" not in html


def test_selected_event_is_highlighted():
    html = render(SMALL_EVENTS, selected_id="c")
    assert "Selected event" in html and "#ffd400" in html
    assert "openPopup" not in html  # a row picked in the list: no popup over the map


def test_a_clicked_marker_is_restyled_in_the_page_and_takes_the_old_ring_away():
    html = render(SMALL_EVENTS, selected_id="c")
    tables = [json.loads(found) for found in re.findall(r"var d = (\{.*?\});\n", html)]
    events = [t for t in tables if t.get("tooltip") and t["kind"] == "circleMarker"]
    assert events and all(t["picked"] == {"color": "#ffd400", "weight": 5} for t in events)
    assert all(t["ring_class"] == "atlas-ring" for t in events)
    assert '"className": "atlas-ring"' in html  # the server's ring is the one a click removes
    assert 'layer.on("click", pick)' in html


def test_unknown_plugin_asset_is_refused():
    class Plugin(folium.MacroElement):
        default_js = [("mystery", "https://cdn.example.com/x.js")]  # noqa: RUF012

    with pytest.raises(UnknownAssetError):
        localize(Plugin())


def test_inline_assets_makes_a_self_contained_page():
    fmap = base_map(online_tiles=False, asset_url=INLINE_MARK)
    html = inline_assets(fmap.get_root().render())
    assert INLINE_MARK not in html
    assert "<script src=" not in html and '<link rel="stylesheet"' not in html
    # Leaflet's own code and style are in the page (the map's script names Leaflet either way)
    leaflet_js = (STATIC_DIR / "leaflet.js").read_text(encoding="utf-8")
    assert f"<script>{leaflet_js}</script>" in html
    styles = "".join(re.findall(r"<style>(.*?)</style>", html, re.S))
    assert "/* required styles */" in styles and ".leaflet-zoom-box" in styles  # leaflet.css's own


def test_fit_view_zooms_in_on_small_areas():
    (_, _), wide = fit_view(32, 35, 37, 42)
    (lat, lon), close = fit_view(36.0, 37.0, 36.1, 37.1)
    assert close > wide
    assert lat == pytest.approx(36.05) and lon == pytest.approx(37.05)


def test_view_counts_events_per_governorate(small_store):
    view = build_view(small_store, Query())
    assert view.shown == 5
    assert view.governorate_counts.get("Aleppo") == 4  # Tehran is outside Syria
    assert view.timeline["events"].sum() == 5


def test_the_map_names_cities_without_any_tile_server():
    from dashboard.books.placenames import city_labels

    names = [label.name for label in city_labels()]
    for city in ("Aleppo", "Damascus", "Homs", "Latakia", "Idlib", "Beirut"):
        assert city in names
    assert "Jaramānā" not in names  # a Damascus suburb: too close to a larger name
    html = base_map(online_tiles=False).get_root().render()
    table = json.loads(re.search(r'var d = (\{"lat".*?\});\n', html).group(1))
    assert table["major"][table["text"].index("Aleppo")] is True
    assert "box.textContent = d.text[i];" in html  # a name is text, never HTML


def test_basemap_outlines_carry_their_style_and_escaped_names():
    fmap = base_map(online_tiles=False)
    folium.LayerControl().add_to(fmap)
    html = fmap.get_root().render()
    world, countries = (json.loads(found) for found in re.findall(  # in drawing order
        r'L\.geoJson\((\{"type": "FeatureCollection".*?\}), \{\n    interactive: true', html))
    fills = {f["properties"]["_tip"]: f["properties"]["_style"]["fillColor"]
             for f in countries["features"]}
    assert fills["Syria"] == "#f4f1ea" and fills["Turkey"] == "#e3e3e0"
    # The world beneath the region, so that events in Munich or Moscow sit on land.
    assert {"Germany", "Russia", "Iran"} <= {f["properties"]["_tip"] for f in world["features"]}
    assert html.count("L.geoJson(") == 5  # world, countries, lakes, rivers, governorate borders
    assert '"Governorate borders"' in html  # the borders can be switched off
    assert "Place names: GeoNames (CC BY 4.0)" in html


COUNTRY_LEVEL = [
    *SMALL_EVENTS,
    event("s1", "2015-01-01", end="2015-12-31", precision="year", place="Syria", lat=35.0, lon=38.5,
          loc_precision="centroid", uncertainty_km=200, summary="Deaths in the year"),
    event("s2", "2016-01-01", precision="month", place="Syria", lat=35.0, lon=38.5,
          loc_precision="centroid", uncertainty_km=200, summary="Advisers in the country"),
    event("i1", "2016-01-01", place="Iran", lat=32.4, lon=53.7, loc_precision="centroid",
          uncertainty_km=700, summary="Funerals reported"),
]


def test_events_known_only_to_their_country_are_outlined_with_their_count_not_drawn_as_points():
    frame = pd.DataFrame(COUNTRY_LEVEL)
    layers = event_layers(frame, {}, actors=make_actor_book(), opts=LayerOptions(cluster=False))
    names = [layer.layer_name for layer in layers]
    assert "Known only at country level (3)" in names and "Events (5)" in names
    fmap = folium.Map(tiles=None)
    for layer in layers:
        layer.add_to(fmap)
    html = fmap.get_root().render()
    tables = [json.loads(found) for found in re.findall(r"var d = (\{.*?\});\n", html)]
    drawn = {point for t in tables if t["kind"] == "circleMarker"
             for point in zip(t["lat"], t["lon"], strict=True)}
    assert (35.0, 38.5) not in drawn and (32.4, 53.7) not in drawn, "no point at a country's centroid"
    outline = next(layer for layer in layers if layer.layer_name.startswith("Known only"))
    shapes = next(child for child in outline._children.values() if isinstance(child, folium.GeoJson))
    outlined = sorted((f["properties"]["name"], f["properties"]["events"]) for f in shapes.data["features"])
    assert outlined == [("Iran", 1), ("Syria", 2)]


def test_the_view_says_how_many_events_are_known_only_at_country_level():
    line = country_level_line(pd.DataFrame(COUNTRY_LEVEL))
    assert line == "3 events known only at country level (Syria 2, Iran 1)"
    assert country_level_line(pd.DataFrame(SMALL_EVENTS)) == ""


def test_no_country_outline_when_every_event_has_a_place():
    layers = event_layers(pd.DataFrame(SMALL_EVENTS), {}, actors=make_actor_book(), opts=LayerOptions())
    assert not [layer for layer in layers if layer.layer_name.startswith("Known only")]


def test_the_list_shows_each_events_stated_fatalities():
    events = [dict(e) for e in SMALL_EVENTS]
    events[0]["fatalities"] = 42
    frame = list_frame(pd.DataFrame(events))
    assert list(frame.columns[:8]) == ["", "Date", "Summary", "Place", "Type", "Actors", "Fatalities",
                                       "Claimed by"]
    assert frame["Fatalities"].iloc[0] == 42 and frame["Fatalities"].isna().sum() == len(events) - 1


def test_an_event_takes_the_side_of_its_first_actor_however_the_list_is_spaced():
    from dashboard.mapping.layers import event_colours
    from dashboard.mapping.style import ColourMode, side_colour

    book = make_actor_book()
    spaced = pd.DataFrame({"actors": [" Syrian rebels ; IRGC", ";Syrian rebels"], "event_type": "battle"})
    assert event_colours(spaced, ColourMode.SIDE, book) == [side_colour("armed opposition")] * 2
    assert book.lead_coalition(" Syrian rebels ; IRGC") == book.lead_coalition("Syrian rebels")


def test_governorates_are_shaded_by_their_counts_from_outlines_made_once():
    from dashboard.books.regions import basemap_layer
    from dashboard.mapping.areas import ShadedAreas

    names = [f["properties"]["name"] for f in basemap_layer("governorate")["features"]]
    html = render(SMALL_EVENTS, layers=("governorates",))
    shade = json.loads(re.search(r"var shade = (\{.*?\});\n", html).group(1))
    assert len(shade["opacity"]) == len(shade["tooltip"]) == len(names)
    shaded = {names[i] for i, o in enumerate(shade["opacity"]) if o > 0}
    assert shaded == {"Aleppo"}  # render() counts every event in Aleppo, nowhere else
    aleppo = names.index("Aleppo")
    assert f"<td>{len(SMALL_EVENTS):,}</td>" in shade["tooltip"][aleppo]
    assert "<td>0</td>" in shade["tooltip"][names.index("Idlib")]
    # Busier areas darker; the outlines' text is the same object whatever the counts.
    busy, quiet = ShadedAreas({"Aleppo": 100, "Idlib": 1}), ShadedAreas({"Idlib": 7})
    assert busy.table["opacity"][aleppo] > busy.table["opacity"][names.index("Idlib")] > 0
    assert busy.shapes_json is quiet.shapes_json
