"""One map, composed in one place: the app's map and every exported map are drawn from a MapSpec.

The app and the exports used to assemble the map twice, with the same eight arguments threaded
through four modules, and they chose the legend's entries by two different rules. A
:class:`MapSpec` says what a map shows; :func:`compose` turns it into the fixed map and its
changing layers. What differs between the screen and a file is said by :class:`Screen`, never by
a second composition:

- on screen the fixed map (basemap, legend) must stay identical across reruns, or streamlit-folium
  re-creates its iframe and the user's pan and zoom are lost: it is not framed (the camera moves
  it) and its legend names the values of the whole dataset; with many events only those in the
  map's view are drawn; the selected event's popup opens right after a click;
- a file is framed by :func:`dashboard.mapping.framing.framing` and its legend names the values
  of the events it shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import folium
import pandas as pd

from dashboard.events.query import Query
from dashboard.events.store import EventStore
from dashboard.events.view import View, build_view
from dashboard.mapping.assets import APP_BASE_URL, INLINE_MARK
from dashboard.mapping.basemap import base_map
from dashboard.mapping.framing import Framing, framing
from dashboard.mapping.layers import DEFAULT_LAYERS, LayerOptions, event_layers
from dashboard.mapping.style import ColourMode, legend_values
from dashboard.model.box import BBox

EXPORT_MAP_PX = (1600, 820)  # the map's part of a default export, for the grid cells' zoom


@dataclass(frozen=True, kw_only=True)
class MapSpec:
    """What one map shows, on screen or in a file."""

    query: Query = field(default_factory=Query)
    layers: tuple[str, ...] = DEFAULT_LAYERS
    colour_mode: ColourMode = ColourMode.EVENT_TYPE
    selected: str | None = None  # an event id, ringed
    view_box: BBox | None = None  # the user's map view (south, west, north, east), when known
    title: str = "Event Atlas"
    cluster: bool = True


@dataclass(frozen=True, kw_only=True)
class Screen:
    """The app's map as the user left it: its zoom, whether it may ask tile servers, and the event
    its layers ring (a marker click rings its event in the page and re-sends no layer)."""

    zoom: float
    online_tiles: bool = False
    ring: str | None = None
    asset_url: str = APP_BASE_URL  # where the page finds Leaflet and its plugins


@dataclass
class Scene:
    """A composed map: the fixed part, the layers that change with the filter, and what they show."""

    fmap: folium.Map
    layers: list[folium.FeatureGroup]
    view: View
    options: LayerOptions
    framed: Framing | None  # how a file is framed (None on screen: the camera moves the map)
    # On screen, everything the fixed map is made of: equal keys, identical fixed maps, so the
    # app renders it once per key (ui/mapframe.py). None for a file.
    fixed_key: tuple | None = None


def whole_data_legend(store: EventStore, mode: ColourMode) -> list[str]:
    """The legend of the app's fixed map: the values of the whole dataset, worked out once."""
    key = f"legend:{mode}"
    if key not in store.memo:
        store.memo[key] = legend_values(store.events, mode, store.actors)
    return list(store.memo[key])


def dataset_names(store: EventStore) -> tuple[str, ...]:
    """The store's datasets in the order they were opened (one name for a single file)."""
    column = store.events["dataset"]
    return tuple(str(name) for name in column.cat.categories) if isinstance(
        column.dtype, pd.CategoricalDtype) else tuple(sorted(set(column.astype(str))))


def _only_in_view(view: View) -> bool:
    """On screen, too many events to draw them all: only those in the map's view are drawn."""
    return view.shown > LayerOptions().marker_limit


def screen_layers_key(spec: MapSpec, view: View, screen: Screen) -> tuple:
    """What :func:`compose`'s layers for ``screen`` depend on besides ``view``'s events: equal keys
    over the same view give the same layers, so the app draws them again only when one changes (a
    click or a pan over few events changes none)."""
    return (spec.layers, ColourMode(spec.colour_mode), spec.cluster,
            spec.view_box if _only_in_view(view) else None, screen)


def compose(
    store: EventStore,
    spec: MapSpec,
    *,
    sources: Mapping[str, Mapping] | None = None,
    view: View | None = None,
    screen: Screen | None = None,
) -> Scene:
    """The map ``spec`` describes, for ``screen`` (the app) or, without one, for a file.

    ``view`` is the filtered view when the caller has it already (the app builds it once per
    rerun for the list and the chart too).
    """
    view = view if view is not None else build_view(store, spec.query)
    mode = ColourMode(spec.colour_mode)
    datasets = dataset_names(store)
    if screen is not None:
        framed = None
        many = _only_in_view(view)
        opts = LayerOptions(colour_mode=mode, zoom=screen.zoom, cluster=spec.cluster,
                            selected_id=screen.ring, layers=spec.layers,
                            bbox=spec.view_box if many else None, asset_url=screen.asset_url,
                            datasets=datasets)
        legend = whole_data_legend(store, mode)
        fmap = base_map(colour_mode=mode, online_tiles=screen.online_tiles, asset_url=screen.asset_url,
                        legend_present=legend, legend_folded=True, datasets=list(datasets))
        fixed_key = ("screen", mode, screen.online_tiles, screen.asset_url, tuple(legend), datasets)
    else:
        events = view.events  # a file's export: every column of the events it frames
        framed = framing(events, spec.view_box)
        opts = LayerOptions(colour_mode=mode, zoom=framed.zoom(width_px=EXPORT_MAP_PX[0],
                                                               height_px=EXPORT_MAP_PX[1]),
                            cluster=spec.cluster, selected_id=spec.selected, layers=spec.layers,
                            asset_url=INLINE_MARK, datasets=datasets)
        fmap = base_map(colour_mode=mode, bounds=framed.bounds, online_tiles=False, asset_url=INLINE_MARK,
                        legend_present=legend_values(events, mode, store.actors), datasets=list(datasets))
        fixed_key = None
    layers = event_layers(view.rows, view.governorate_counts, actors=store.actors, sources=sources,
                          opts=opts)
    return Scene(fmap, layers, view, opts, framed, fixed_key)
