"""The layers that change with the filter: events, uncertainty, density, governorates, places.

They are plain folium FeatureGroups, handed to st_folium as ``feature_group_to_add`` so that a
slider move swaps them without rebuilding the map. Few events are drawn one by one (clustered
where they stack); many are drawn as server-side grid cells, which keeps every rerun small.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import folium
import numpy as np
import pandas as pd
from folium.plugins import HeatMap, MarkerCluster

from dashboard.actors import ActorBook
from dashboard.assets import APP_BASE_URL, localize
from dashboard.grid import aggregate
from dashboard.popup import popup_html, tooltip_text
from dashboard.regions import basemap_layer
from dashboard.style import HIGHLIGHT, side_colour, type_colour
from dashboard.text import esc

MARKER_LIMIT = 1000  # above this many events in view, draw grid cells instead of markers
HEAT_POINT_LIMIT = 20_000
PLACE_LIMIT = 300


@dataclass(frozen=True)
class LayerOptions:
    """How the event layers are drawn."""

    colour_mode: str = "event type"
    zoom: float = 6
    marker_limit: int = MARKER_LIMIT
    cluster: bool = True
    selected_id: str | None = None
    asset_url: str = APP_BASE_URL


def event_colour(event: Mapping, mode: str, actors: ActorBook) -> str:
    """Fill colour of one event: by its type, or by the side of its first actor."""
    if mode == "side":
        first = str(event.get("actors") or "").split(";")[0]
        return side_colour(actors.coalition_of(first))
    return type_colour(str(event.get("event_type")))


def _markers(events: pd.DataFrame, opts: LayerOptions, actors: ActorBook,
             sources: Mapping[str, Mapping]) -> tuple[folium.FeatureGroup, folium.FeatureGroup]:
    group = folium.FeatureGroup(name=f"Events ({len(events)})")
    radii = folium.FeatureGroup(name="Uncertainty radii")
    target = MarkerCluster(
        options={"maxClusterRadius": 30, "spiderfyOnMaxZoom": True, "showCoverageOnHover": False},
    ).add_to(group) if opts.cluster else group
    for event in events.to_dict("records"):
        colour = event_colour(event, opts.colour_mode, actors)
        exact = event["loc_precision"] == "exact"
        if not exact and event["uncertainty_km"]:
            folium.Circle(
                (event["lat"], event["lon"]), radius=float(event["uncertainty_km"]) * 1000,
                color=colour, weight=1.2, dash_array="6 5", fill=True, fill_opacity=0.05,
                interactive=False,
            ).add_to(radii)
        folium.CircleMarker(
            (event["lat"], event["lon"]), radius=7 if exact else 6,
            color="#222" if exact else colour, weight=1 if exact else 2,
            dash_array=None if exact else "3 2", fill=True, fill_color=colour,
            fill_opacity=0.9 if exact else 0.35, class_name="atlas-event",
            tooltip=esc(tooltip_text(event)),
            popup=folium.Popup(popup_html(event, sources.get(event["source"])), max_width=360),
        ).add_to(target)
    return group, radii


def _cells(events: pd.DataFrame, opts: LayerOptions) -> folium.FeatureGroup:
    cells = aggregate(events["lat"].to_numpy(float), events["lon"].to_numpy(float), zoom=opts.zoom)
    group = folium.FeatureGroup(name=f"Events ({len(events):,}, grouped; zoom in for detail)")
    top = max(int(cells["count"].max()), 1) if len(cells) else 1
    for cell in cells.itertuples(index=False):
        folium.CircleMarker(
            (round(cell.lat, 4), round(cell.lon, 4)), radius=4 + 16 * np.sqrt(cell.count / top),
            color="#333", weight=1, fill=True, fill_color="#d62728", fill_opacity=0.55,
            class_name="atlas-cell", tooltip=f"{int(cell.count):,} events here (zoom in for detail)",
        ).add_to(group)
    return group


def _heat(events: pd.DataFrame, opts: LayerOptions) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Density (heat)", show=False)
    if len(events) > HEAT_POINT_LIMIT:
        cells = aggregate(events["lat"].to_numpy(float), events["lon"].to_numpy(float),
                          zoom=opts.zoom + 2, cell_px=8)
        points = cells[["lat", "lon", "count"]].round(4).to_numpy().tolist()
    else:
        points = events[["lat", "lon"]].round(4).to_numpy().tolist()
    if points:
        HeatMap(points, radius=18, blur=14, min_opacity=0.3).add_to(group)
    return group


def _governorates(counts: Mapping[str, int]) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Governorates shaded by events")
    shapes = basemap_layer("governorate")
    top = max(counts.values(), default=0) or 1
    for feature in shapes["features"]:
        feature["properties"]["events"] = int(counts.get(feature["properties"]["name"], 0))
    folium.GeoJson(
        shapes,
        style_function=lambda f: {
            "fillColor": "#b30000", "color": "#666", "weight": 0.6,
            "fillOpacity": 0.05 + 0.5 * (f["properties"]["events"] / top) ** 0.7
            if f["properties"]["events"] else 0.0,
        },
        tooltip=folium.GeoJsonTooltip(["name", "events"], aliases=["Governorate", "Events shown"]),
    ).add_to(group)
    return group


def _places(events: pd.DataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Places", show=False)
    places = events.drop_duplicates(["place", "lat", "lon"]).head(PLACE_LIMIT)
    for place in places.to_dict("records"):
        folium.CircleMarker(
            (place["lat"], place["lon"]), radius=3, color="#000", weight=1, fill=True,
            fill_color="#fff", fill_opacity=1,
            tooltip=esc(f"{place['place']} ({place['loc_precision']}) {place['admin1']}"),
        ).add_to(group)
    return group


def _selected(event: Mapping) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Selected event")
    folium.CircleMarker((event["lat"], event["lon"]), radius=15, color=HIGHLIGHT, weight=5,
                        fill=False, interactive=False).add_to(group)
    return group


def event_layers(
    events: pd.DataFrame,
    governorate_counts: Mapping[str, int],
    *,
    actors: ActorBook,
    sources: Mapping[str, Mapping] | None = None,
    opts: LayerOptions = LayerOptions(),
) -> list[folium.FeatureGroup]:
    """Every changing layer for the filtered events, assets pointed at local copies."""
    if len(events) <= opts.marker_limit:
        layers = list(_markers(events, opts, actors, sources or {}))
    else:
        layers = [_cells(events, opts)]
    layers += [_heat(events, opts), _governorates(governorate_counts), _places(events)]
    chosen = events[events["id"] == opts.selected_id] if opts.selected_id else events.iloc[:0]
    if len(chosen):
        layers.append(_selected(chosen.iloc[0].to_dict()))
    for layer in layers:
        localize(layer, opts.asset_url)
    return layers
