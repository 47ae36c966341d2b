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

from dashboard.books.actors import ActorBook
from dashboard.books.regions import world_country_at
from dashboard.mapping.areas import ShadedAreas
from dashboard.mapping.assets import APP_BASE_URL, localize
from dashboard.mapping.basemap import EVENTS_PANE, HEAT_PANE
from dashboard.mapping.grid import aggregate, aggregate_rows
from dashboard.mapping.points import PointLayer, style_table
from dashboard.mapping.popup import popup_html, tooltip_text
from dashboard.mapping.safe import esc
from dashboard.mapping.style import (
    CORROBORATED_RADIUS,
    HIGHLIGHT,
    HIGHLIGHT_OUTLINE,
    ColourMode,
    dataset_outline,
    first_sides,
    side_colour,
    type_colour,
)
from dashboard.model.box import in_box, widened
from dashboard.model.place import drawable
from dashboard.model.rows import Rows

MARKER_LIMIT = 1000  # above this many events in view, draw grid cells instead of markers
HEAT_POINT_LIMIT = 20_000
PLACE_LIMIT = 300
LAYER_NAMES = ("events", "uncertainty", "heat", "governorates", "places")
DEFAULT_LAYERS = ("events", "uncertainty", "governorates")
POPUP_BUDGET = 900_000  # characters of popup HTML per rerun, so that a rerun stays under 2 MB


@dataclass(frozen=True)
class LayerOptions:
    """How the event layers are drawn."""

    colour_mode: ColourMode = ColourMode.EVENT_TYPE
    zoom: float = 6
    marker_limit: int = MARKER_LIMIT
    cluster: bool = True
    selected_id: str | None = None
    asset_url: str = APP_BASE_URL
    layers: tuple[str, ...] = DEFAULT_LAYERS
    # The map's current view (south, west, north, east), from st_folium's bounds: only events in
    # it (with a margin) are drawn, so zooming in on many events brings single markers back.
    bbox: tuple[float, float, float, float] | None = None
    # The open datasets, in the order the legend lists them: with two or more, each marker's
    # outline names its dataset.
    datasets: tuple[str, ...] = ()


def event_colours(events: pd.DataFrame, mode: ColourMode, actors: ActorBook) -> list[str]:
    """Fill colour of each event: by its type, or by the side of its first actor."""
    if mode == ColourMode.SIDE:
        return [side_colour(side) for side in first_sides(events["actors"], actors)]
    return [type_colour(str(t)) for t in events["event_type"]]


# Cluster bubbles in neutral ink, so that their colour is never read as an event type or a side;
# events placed only approximately cluster apart, in dashed bubbles marked "≈".
CLUSTER_ICON = """function (cluster) {
    var n = cluster.getChildCount(), size = n < 10 ? 28 : n < 100 ? 34 : 42;
    return L.divIcon({html: '<div>%s' + n + '</div>', className: 'atlas-cluster %s',
                      iconSize: L.point(size, size)});
}"""


class EventsGroup(folium.FeatureGroup):
    """The layer of the events themselves (markers or grid cells), told apart from the others by
    its class: the export draws its count and framing from it."""


def _cluster(approximate: bool) -> MarkerCluster:
    kind = ("≈", "atlas-cluster-approx") if approximate else ("", "atlas-cluster-exact")
    return MarkerCluster(
        icon_create_function=CLUSTER_ICON % kind,
        options={"maxClusterRadius": 30, "spiderfyOnMaxZoom": True, "showCoverageOnHover": False},
    )


def _markers(events: pd.DataFrame, opts: LayerOptions, actors: ActorBook,
             sources: Mapping[str, Mapping]) -> tuple[EventsGroup, folium.FeatureGroup]:
    group = EventsGroup(name=f"Events ({len(events)})")
    radii = folium.FeatureGroup(name="Uncertainty radii")
    rows = events.to_dict("records")
    if not rows:
        return group, radii
    lat, lon = events["lat"].to_numpy(float), events["lon"].to_numpy(float)
    colours = event_colours(events, opts.colour_mode, actors)
    exact = np.array([event["loc_precision"] == "exact" for event in rows])
    ids = events["id"].astype(str).to_numpy()
    outlines, larger = _dataset_marks(events, opts.datasets)
    styles, index = style_table([
        {"radius": (7 if x else 6) + more, "color": line or ("#222" if x else c),
         "weight": (1 if x else 2) + (1.5 if line else 0),
         "dashArray": None if x else "3 2", "fill": True, "fillColor": c,
         "fillOpacity": 0.9 if x else 0.35, "className": "atlas-event", "pane": EVENTS_PANE}
        for c, x, line, more in zip(colours, exact, outlines, larger, strict=True)])
    texts = [popup_html(event, sources.get(event["source"])) for event in rows]
    # Over the budget, a click still selects the event, and its record shows beside the map.
    popups = texts if sum(map(len, texts)) <= POPUP_BUDGET else None
    tooltips = [esc(tooltip_text(event)) for event in rows]
    for approximate in (False, True):
        pick = np.flatnonzero(exact != approximate)
        if not len(pick):
            continue
        target = _cluster(approximate).add_to(group) if opts.cluster else group
        marked = np.flatnonzero(ids[pick] == opts.selected_id) if opts.selected_id else np.empty(0, int)
        PointLayer(lat[pick], lon[pick], styles=styles, style_index=np.asarray(index)[pick],
                   popups=[popups[i] for i in pick] if popups else None,
                   tooltips=[tooltips[i] for i in pick], picked=PICKED_STYLE,
                   ring_class=RING_CLASS, marked=int(marked[0]) if len(marked) else None).add_to(target)
    wide = [i for i, event in enumerate(rows)
            if not exact[i] and pd.notna(event["uncertainty_km"]) and event["uncertainty_km"] > 0]
    # One ring per place: two dozen events at one place must not stack two dozen translucent discs.
    wide = list({(lat[i], lon[i], rows[i]["uncertainty_km"]): i for i in reversed(wide)}.values())
    if wide:
        styles, index = style_table([
            {"radius": float(rows[i]["uncertainty_km"]) * 1000, "color": "#444", "weight": 1.2,
             "dashArray": "6 5", "fill": True, "fillOpacity": 0.05, "interactive": False}
            for i in wide])
        PointLayer(lat[wide], lon[wide], styles=styles, style_index=index, kind="circle").add_to(radii)
    return group, radii


def _dataset_marks(events: pd.DataFrame, datasets: tuple[str, ...]) -> tuple[list[str], list[int]]:
    """Each marker's outline colour (its dataset's; "" with one dataset open) and the pixels
    added to its radius when it may be recorded in another dataset too."""
    if len(datasets) < 2 or "dataset" not in events:
        return [""] * len(events), [0] * len(events)
    number = {name: i for i, name in enumerate(datasets)}
    outlines = [dataset_outline(number.get(str(name), 0)) for name in events["dataset"]]
    recorded = events["recorded_in"].to_numpy() if "recorded_in" in events else np.ones(len(events))
    return outlines, [CORROBORATED_RADIUS if n > 1 else 0 for n in recorded]


def _cells(rows: Rows, opts: LayerOptions) -> EventsGroup:
    within = widened(opts.bbox, VIEW_MARGIN) if opts.bbox is not None else None
    cells = aggregate_rows(rows, zoom=opts.zoom, within=within)
    group = EventsGroup(name=f"Events ({len(rows):,}, grouped; zoom in for detail)")
    if cells.empty:
        return group
    counts = cells["count"].to_numpy()
    radius = np.round(2 * (4 + 16 * np.sqrt(counts / max(int(counts.max()), 1)))) / 2
    styles, index = style_table([
        {"radius": float(r), "color": "#333", "weight": 1, "fill": True, "fillColor": "#d62728",
         "fillOpacity": 0.55, "className": "atlas-cell"} for r in radius])
    tooltips = [f"{int(c):,} events here (zoom in for detail)" for c in counts]
    PointLayer(cells["lat"].to_numpy(float), cells["lon"].to_numpy(float), styles=styles,
               style_index=index, digits=4, tooltips=tooltips).add_to(group)
    return group


def _heat(lat: np.ndarray, lon: np.ndarray, opts: LayerOptions) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Density (heat)")
    if len(lat) > HEAT_POINT_LIMIT:
        cells = aggregate(lat, lon, zoom=opts.zoom + 2, cell_px=8)
        points = cells[["lat", "lon", "count"]].round(4).to_numpy().tolist()
    else:
        points = np.column_stack([lat, lon]).round(4).tolist()
    if points:
        HeatMap(points, radius=18, blur=14, min_opacity=0.3, pane=HEAT_PANE).add_to(group)
    return group


def _governorates(counts: Mapping[str, int]) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Governorates shaded by events")
    ShadedAreas(counts, layer="governorate", label="Governorate", counted="Events shown").add_to(group)
    return group


VAGUE_CLASS = "atlas-vague"


def _country_level(events: pd.DataFrame) -> folium.FeatureGroup:
    """Events known only to their country, outlined on that country with their count: a point at
    its centroid would read as a place."""
    group = folium.FeatureGroup(name=f"Known only at country level ({len(events):,})")
    counts: dict[str, tuple[dict, int]] = {}
    points = events.groupby(["lat", "lon"], sort=False).size()
    for (lat, lon), count in zip(points.index.tolist(), points.tolist(), strict=True):
        feature = world_country_at(lat, lon)
        if feature is None:
            continue
        key = str(feature["properties"].get("name"))  # one outline per country, whatever its centroids
        held = counts.get(key)
        counts[key] = (held[0] if held else feature, (held[1] if held else 0) + int(count))
    features = []
    for feature, count in counts.values():
        feature["properties"].update(events=count, atlasVague=True,
                                     label=f"{count:,} event{'s' if count != 1 else ''} known only "
                                           "at country level: see the list")
        features.append(feature)
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            style_function=lambda f: {"color": HIGHLIGHT_OUTLINE, "weight": 2.5, "dashArray": "8 5",
                                      "fillColor": HIGHLIGHT_OUTLINE, "fillOpacity": 0.06,
                                      "className": VAGUE_CLASS},
            tooltip=folium.GeoJsonTooltip(["name", "label"], aliases=["", ""], labels=False),
        ).add_to(group)
    return group


PLACE_TIP_COLUMNS = ("place", "lat", "lon", "loc_precision", "admin1")  # what a place's tooltip reads


def _places(events: pd.DataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Places")
    head = events.iloc[:50_000]  # enough rows for PLACE_LIMIT places, without a 1M-row dedup
    places = head.drop_duplicates(["place", "lat", "lon"]).head(PLACE_LIMIT)
    if len(places) < PLACE_LIMIT and len(events) > len(head):
        places = events.drop_duplicates(["place", "lat", "lon"]).head(PLACE_LIMIT)
    if len(places):
        PointLayer(places["lat"].to_numpy(float), places["lon"].to_numpy(float), styles=[
            {"radius": 3, "color": "#000", "weight": 1, "fill": True, "fillColor": "#fff",
             "fillOpacity": 1}], tooltips=[
            esc(f"{p['place']} ({p['loc_precision']}) {p['admin1']}")
            for p in places.to_dict("records")]).add_to(group)
    return group


RING_CLASS = "atlas-ring"  # the page takes this ring away when the user clicks another marker
PICKED_STYLE = {"color": HIGHLIGHT, "weight": 5}  # a clicked marker, restyled in the page


def _selected(event: Mapping) -> folium.FeatureGroup:
    """A ring around the selected event (picked in the list, or kept across a redraw)."""
    group = folium.FeatureGroup(name="Selected event")
    folium.CircleMarker((event["lat"], event["lon"]), radius=15, color=HIGHLIGHT, weight=5,
                        fill=False, interactive=False, pane=EVENTS_PANE,
                        class_name=RING_CLASS).add_to(group)
    return group


def event_layers(
    events: pd.DataFrame | Rows,
    governorate_counts: Mapping[str, int],
    *,
    actors: ActorBook,
    sources: Mapping[str, Mapping] | None = None,
    opts: LayerOptions = LayerOptions(),
) -> list[folium.FeatureGroup]:
    """The changing layers the options ask for, assets pointed at local copies.

    ``events`` may be a view's :class:`Rows`: then only the columns a layer reads are taken out of
    the store (coordinates for grid cells and heat), and every column only for markers, which
    are few. Layers are chosen here rather than hidden in the layer control because
    streamlit-folium shows every layer it is handed.
    """
    wanted = set(opts.layers)
    rows = events if isinstance(events, Rows) else Rows(events)
    # Tests on the table's own columns, in place (Rows.also): at ten million events, copies of
    # these rows' coordinates were fresh memory the kernel cleared at every move.
    points = drawable(rows.table_values("uncertainty_km", float))
    vague = rows.also(~points)
    rows = rows.also(points)
    if opts.bbox is not None and len(rows):
        rows = rows.also(in_box(rows.table_values("lat", float), rows.table_values("lon", float),
                                opts.bbox, margin=VIEW_MARGIN))
    # Leaflet draws later layers on top: areas first, clickable events last.
    layers: list[folium.FeatureGroup] = []
    if "governorates" in wanted:
        layers.append(_governorates(governorate_counts))
    if "heat" in wanted:
        layers.append(_heat(rows.values("lat", float), rows.values("lon", float), opts))
    if len(rows) <= opts.marker_limit:
        shown = rows.frame()
        markers, radii = _markers(shown, opts, actors, sources or {})
        layers += [radii] if "uncertainty" in wanted else []
        layers += [_places(shown)] if "places" in wanted else []
        layers += [markers] if "events" in wanted else []
    else:
        layers += [_places(rows.frame(PLACE_TIP_COLUMNS))] if "places" in wanted else []
        layers += [_cells(rows, opts)] if "events" in wanted else []
    if len(vague) and "events" in wanted:
        layers.insert(0, _country_level(vague.frame(("lat", "lon"))))
    chosen = rows.matching("id", opts.selected_id).frame() if opts.selected_id else rows.head(0)
    if len(chosen):
        layers.append(_selected(chosen.iloc[0].to_dict()))
    for layer in layers:
        localize(layer, opts.asset_url)
    return layers


VIEW_MARGIN = 0.5  # events this far (a share of the view's size) outside it are drawn too


def events_layer(layers: list[folium.FeatureGroup]) -> folium.FeatureGroup | None:
    """The layer that holds the events themselves (markers or grid cells), if it was asked for."""
    return next((layer for layer in layers if isinstance(layer, EventsGroup)), None)
