"""The fixed part of the map: vector basemap, optional tile layers, legend and scale.

It is built once per dataset and colour mode and stays the same while filters change, so that
streamlit-folium keeps its iframe (and the user's zoom and pan) and only swaps the event layers.
"""

from __future__ import annotations

from collections.abc import Mapping

import folium
import xyzservices.providers as xyz
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.map import CustomPane
from folium.plugins import HeatMap, MarkerCluster
from jinja2 import Template
from xyzservices import TileProvider

from dashboard.books.placenames import CREDIT
from dashboard.books.regions import attribution
from dashboard.mapping.assets import APP_BASE_URL, localize
from dashboard.mapping.framing import SYRIA_BOUNDS, Bounds, fit_view
from dashboard.mapping.labels import CityLabels, Outlines
from dashboard.mapping.safe import DataScript, RawHtml, esc, figure_of, script_json
from dashboard.mapping.style import ColourMode, datasets_legend, legend_html

# Leaflet draws canvas layers (heat) below SVG ones in the same pane: the heat would sit under the
# basemap's filled land and show nothing. Heat gets a pane above the basemap, and the events a
# pane above the heat; neither pane takes the pointer (their interactive paths still do).
HEAT_PANE, EVENTS_PANE = "atlasHeat", "atlasEvents"
# Place names above the markers and cluster badges (below popups), taking no pointer events:
# a badge over a town hid its name.
LABELS_PANE = "atlasLabels"
# The online tile layers (off until the user allows them): their URLs and credits come from
# xyzservices, the registry of tile providers folium is built on, which keeps them current.
TILE_LAYERS: tuple[tuple[str, TileProvider], ...] = (
    ("OpenStreetMap (online)", xyz.OpenStreetMap.Mapnik),
    ("Esri World Imagery (online)", xyz.Esri.WorldImagery),
)


class _Credit(DataScript):
    """The basemap's credit in Leaflet's attribution box (folium's GeoJson does not put it there);
    Leaflet inserts it as HTML, so it is escaped, and it travels as data."""

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text_json }});
{% endmacro %}
""")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Credit"
        self.text_json = script_json(esc(text))


class _FocusWithoutScrolling(MacroElement):
    """Leaflet focuses the map on the first mouse-down (for its keyboard controls). Focusing an
    element in an iframe scrolls the page to show all of it, so with the map partly below the
    fold the page jumped under the pointer and the first click on a marker was lost. The map's
    keyboard handler is re-bound to a focus that does not scroll."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
    if (!map.keyboard) { return; }
    map.keyboard.disable();
    map.keyboard._onMouseDown = function () {
        if (!this._focused) { this._map._container.focus({preventScroll: true}); }
    };
    map.keyboard.enable();
})({{ this._parent.get_name() }});
{% endmacro %}
""")


class _LayerPlugins(JSCSSMixin):
    """The plugins' scripts any later rerun's layers may use (clusters, heat), loaded with the map.

    streamlit-folium loads scripts only when it first draws the map; a first view of many events
    (grid cells, no cluster) followed by a narrower one (clustered markers) failed with
    "L.markerClusterGroup is not a function".
    """

    def __init__(self) -> None:
        super().__init__()
        self.default_js = [*MarkerCluster.default_js, *HeatMap.default_js]
        self.default_css = [*MarkerCluster.default_css, *HeatMap.default_css]


def _country_style(feature: Mapping) -> dict[str, object]:
    """Syria drawn in detail over the world map; its neighbours, clipped to the region file's box,
    left to the world map (their fill and the box's straight edges would draw a frame on it),
    transparent but still there for their names on hover."""
    if feature["properties"].get("iso_a3") == "SYR":
        return {"fillColor": "#f4f1ea", "color": "#777", "weight": 1.2, "fillOpacity": 1.0}
    return {"fillColor": "#e3e3e0", "color": "#777", "weight": 0, "fillOpacity": 0.0}


def _world_style(feature: Mapping) -> dict[str, object]:
    return {"fillColor": "#e3e3e0", "color": "#999", "weight": 0.7, "fillOpacity": 1.0}


def _lake_style(feature: Mapping) -> dict[str, object]:
    return {"color": "#a9cbe3", "fillColor": "#a9cbe3", "weight": 0.5, "fillOpacity": 0.9}


def _river_style(feature: Mapping) -> dict[str, object]:
    return {"color": "#6fa3cf", "fillColor": "#6fa3cf", "weight": 1.5, "fillOpacity": 0.9}


def _border_style(feature: Mapping) -> dict[str, object]:
    return {"color": "#999", "weight": 0.8, "dashArray": "3 3", "fill": False}


def start_view(fmap: folium.Map) -> tuple[tuple[float, float], float]:
    """The centre and zoom ``fmap`` opens at (its own view, before the user or the camera moves it)."""
    (lat, lon), zoom = fmap.location, fmap.options["zoom"]
    if not isinstance(zoom, int | float):
        raise TypeError(f"a map's zoom is a number, not {zoom!r}")
    return (float(lat), float(lon)), float(zoom)


def base_map(
    *,
    colour_mode: ColourMode = ColourMode.EVENT_TYPE,
    bounds: Bounds = SYRIA_BOUNDS,
    online_tiles: bool = True,
    asset_url: str = APP_BASE_URL,
    legend_present: list[str] | None = None,
    legend_folded: bool = False,
    datasets: list[str] | None = None,
) -> folium.Map:
    """A Leaflet map with the shipped vector basemap and no request to any third party by default."""
    (south, west), (north, east) = bounds
    center, zoom = fit_view(south, west, north, east)
    fmap = folium.Map(
        location=center, zoom_start=zoom, tiles=None, control_scale=True, prefer_canvas=False,
        attribution_control=True,
    )
    # With no tile layer to take them from, Leaflet (and MarkerCluster) need the zoom limits here.
    fmap.options.update(maxZoom=18, minZoom=2)
    CustomPane(HEAT_PANE, z_index=450, pointer_events=False).add_to(fmap)
    CustomPane(EVENTS_PANE, z_index=460, pointer_events=False).add_to(fmap)
    CustomPane(LABELS_PANE, z_index=650, pointer_events=False).add_to(fmap)
    Outlines("world", style=_world_style, tooltip="name", control=False).add_to(fmap)
    Outlines("country", style=_country_style, tooltip="name", control=False).add_to(fmap)
    Outlines("lake", style=_lake_style, control=False).add_to(fmap)
    Outlines("river", style=_river_style, control=False).add_to(fmap)
    Outlines("governorate", style=_border_style, name="Governorate borders").add_to(fmap)
    names = folium.FeatureGroup(name="Place names (GeoNames)")
    CityLabels(pane=LABELS_PANE).add_to(names)
    names.add_to(fmap)
    if online_tiles:
        for name, provider in TILE_LAYERS:
            folium.TileLayer(provider.build_url(), name=name, attr=provider.html_attribution,
                             overlay=True, show=False, max_zoom=18, opacity=0.85).add_to(fmap)
    page = figure_of(fmap)
    page.html.add_child(RawHtml(legend_html(colour_mode, legend_present, folded=legend_folded,
                                              extra=datasets_legend(datasets or []))))
    _Credit(f"{attribution()} | {CREDIT}").add_to(fmap)
    _LayerPlugins().add_to(fmap)
    _FocusWithoutScrolling().add_to(fmap)
    page.header.add_child(RawHtml(
        "<style>.leaflet-container{background:#cfe0ee}.atlas-popup th{padding-right:6px;"
        "color:#555;font-weight:600}.leaflet-tooltip{font:12px sans-serif}"
        ".atlas-cluster div{width:100%;height:100%;border-radius:50%;display:flex;align-items:center;"
        "justify-content:center;font:bold 12px sans-serif;box-sizing:border-box}"
        ".atlas-cluster-exact div{background:rgba(40,40,40,.85);color:#fff;border:2px solid #fff}"
        ".atlas-cluster-approx div{background:rgba(255,255,255,.85);color:#222;"
        "border:2px dashed #222}"
        ".leaflet-control-attribution{font-size:10px;max-width:60%}"
        ".atlas-label{font:11px sans-serif;color:#555;white-space:nowrap;pointer-events:none;"
        "text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff}.atlas-label.major{font-size:12.5px;"
        "color:#333;font-weight:600}.atlas-label:before{content:'';position:absolute;left:-6px;top:5px;"
        "width:4px;height:4px;border-radius:50%;background:#555}</style>"))
    return localize(fmap, asset_url)
