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

from dashboard.events.scene import MapSpec, Screen, compose
from dashboard.events.store import EventStore
from dashboard.events.view import View
from dashboard.mapping.assets import localize
from dashboard.mapping.framing import MAP_HEIGHT_PX, fit_camera
from dashboard.mapping.layers import LayerOptions
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
    """The app's map for one view, composed as the app composes it (:func:`compose`, st_folium)."""
    began = time.perf_counter()
    camera = fit_camera(view.bounds)
    scene = compose(store, MapSpec(), view=view, screen=Screen(zoom=camera.zoom, asset_url=asset_url))
    large = view.shown > LayerOptions().marker_limit
    args = capture(scene.fmap, feature_group_to_add=scene.layers, center=camera.center, zoom=camera.zoom,
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
