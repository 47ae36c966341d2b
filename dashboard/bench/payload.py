"""What one rerun sends to the browser, measured the honest way: through st_folium itself.

streamlit-folium hands its arguments (the map's script, the layers' script, the assets) to a
Streamlit component function, which sends them to the browser as JSON. Replacing that function
by one that keeps the arguments gives the exact text a rerun sends; its JSON length is the size.
This is the one module besides the app that imports streamlit (through streamlit_folium): it
measures st_folium, so it has to call it.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import folium
import pandas as pd
import streamlit_folium
from folium.plugins import MarkerCluster

from dashboard.events.store import EventStore
from dashboard.events.view import View
from dashboard.mapping.assets import localize
from dashboard.mapping.basemap import MAP_HEIGHT_PX, SYRIA_BOUNDS, base_map, fit_view
from dashboard.mapping.layers import LayerOptions, event_layers
from dashboard.mapping.popup import tooltip_text
from dashboard.mapping.safe import esc

logging.getLogger("streamlit").setLevel(logging.ERROR)


@dataclass
class Payload:
    """The component arguments of one rerun, how long they took to build and their JSON size."""

    args: dict
    seconds: float

    @property
    def size(self) -> int:
        return len(self.json)

    @property
    def json(self) -> str:
        return json.dumps(self.args)


def capture(fmap: folium.Map, **kwargs: object) -> dict:
    """Call st_folium as the app does and return the arguments it would send to the browser."""
    kept: dict = {}

    def component(**args: object) -> object:
        kept.update({k: v for k, v in args.items() if k != "on_change"})
        return args.get("default")

    real = streamlit_folium._component_func
    streamlit_folium._component_func = component
    try:
        streamlit_folium.st_folium(fmap, key="map", height=MAP_HEIGHT_PX, use_container_width=True,
                                   **kwargs)
    finally:
        streamlit_folium._component_func = real
    return kept


def ours(store: EventStore, view: View, *, asset_url: str) -> Payload:
    """The app's map for one view, built as app.draw_map builds it (basemap, layers, st_folium)."""
    began = time.perf_counter()
    bounds = view.bounds or SYRIA_BOUNDS
    center, zoom = fit_view(bounds[0][0], bounds[0][1], bounds[1][0], bounds[1][1])
    layers = event_layers(view.events, view.governorate_counts, actors=store.actors,
                          opts=LayerOptions(zoom=zoom, asset_url=asset_url))
    fmap = base_map(online_tiles=False, asset_url=asset_url,
                    legend_present=sorted(map(str, store.facets.types)))
    large = view.shown > LayerOptions().marker_limit
    args = capture(fmap, feature_group_to_add=layers, center=center, zoom=zoom,
                   layer_control=folium.LayerControl(collapsed=True),
                   returned_objects=["last_object_clicked_tooltip"] + (["bounds", "zoom"] if large else []))
    return Payload(args, time.perf_counter() - began)


def naive(events: pd.DataFrame, *, asset_url: str) -> Payload:
    """Folium's plain way: one circle marker (with its tooltip) per event in a MarkerCluster,
    added to the map itself, so every rerun rebuilds and resends the whole map."""
    began = time.perf_counter()
    fmap = folium.Map(location=(35.0, 38.5), zoom_start=7, tiles=None, prefer_canvas=False)
    fmap.options.update(maxZoom=18, minZoom=2)  # what a tile layer would give; clusters need it
    cluster = MarkerCluster().add_to(fmap)
    for event in events.to_dict("records"):
        folium.CircleMarker((event["lat"], event["lon"]), radius=6, fill=True,
                            tooltip=esc(tooltip_text(event))).add_to(cluster)
    localize(fmap, asset_url)
    args = capture(fmap, returned_objects=["last_object_clicked_tooltip"])
    return Payload(args, time.perf_counter() - began)
