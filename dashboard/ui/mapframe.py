"""The app's map component, its fixed part rendered once instead of on every rerun.

``st_folium`` renders the whole folium map on each call (basemap, panes, legend: some 47 Jinja
templates) and hashes the 340 kB script it made, though on screen only the layers change: the
fixed map has to stay identical across reruns, or streamlit-folium re-creates its iframe and the
user's zoom is lost. That cost about a sixth of a slider move's app CPU at 100,000 events. Here
the fixed map is rendered once per :attr:`dashboard.events.scene.Scene.fixed_key`, with
streamlit-folium's own functions in st_folium's order, and kept; a rerun renders only the layers
and the layer control (against the kept map, which is then restored) and hands the component the
arguments st_folium would (tests/test_mapframe.py compares them with st_folium's).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import folium
import folium.elements
import streamlit_folium as sf

FIXED_LIMIT = 16  # fixed maps kept (colour modes x tile choices x datasets)
# st_folium's return values before the first interaction, for the keys it knows.
_NONE_DEFAULTS = ("last_clicked", "last_object_clicked", "last_object_clicked_count",
                  "last_object_clicked_tooltip", "last_object_clicked_popup", "all_drawings",
                  "last_active_drawing", "last_circle_radius", "last_circle_polygon", "selected_layers",
                  "selected_tags", "last_geocoder_result")


@dataclass
class FixedMap:
    """A fixed map rendered as st_folium renders it, and what it sends for it."""

    fmap: folium.Map
    script: str
    header: str
    html: str
    map_id: str
    bounds: dict
    zoom: object
    css_links: list[str]
    js_links: list[str]
    hashes: dict[str, str] = field(default_factory=dict)  # the component's key per caller's key
    lock: threading.Lock = field(default_factory=threading.Lock)  # sessions share it
    # The map's and its page's children once rendered: restored after each rerun's layers.
    kept: list[tuple[dict, dict]] = field(default_factory=list)

    def component_key(self, key: str) -> str:
        if key not in self.hashes:
            self.hashes[key] = sf.generate_js_hash(self.script, key, False)
        return self.hashes[key]


def _links(fmap: folium.Map) -> tuple[list[str], list[str]]:
    """The stylesheets and scripts of the map's plugins, deduplicated in order (as st_folium)."""
    css: list[str] = []
    js: list[str] = []
    stack: list[object] = [fmap]
    while stack:
        element = stack.pop(0)
        if isinstance(element, folium.elements.JSCSSMixin):
            css += [href for _, href in getattr(element, "default_css", [])]
            js += [src for _, src in getattr(element, "default_js", [])]
        children = list(getattr(element, "_children", {}).values())
        stack[:0] = children  # depth first, children in order
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def _bounds(fmap: folium.Map) -> dict:
    try:
        (south, west), (north, east) = fmap.get_bounds()
    except AttributeError:
        south = west = north = east = None
    return {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}


def render_fixed(fmap: folium.Map) -> FixedMap:
    """Render ``fmap`` once, in st_folium's order (its ids are rewritten on the way)."""
    fmap.get_root().render()
    fmap.render()
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    css, js = _links(fmap)
    fixed = FixedMap(fmap=fmap, script=script, header=header, html=html, map_id=sf.get_full_id(fmap),
                     bounds=_bounds(fmap), zoom=fmap.options.get("zoom"), css_links=css, js_links=js)
    root = fmap.get_root()
    parts = [fmap, *(getattr(root, name) for name in ("header", "html", "script") if hasattr(root, name))]
    fixed.kept = [(part._children, dict(part._children)) for part in parts]
    return fixed


_FIXED: dict[Hashable, FixedMap] = {}
_FIXED_LOCK = threading.Lock()


def fixed_map(key: Hashable, fmap: folium.Map) -> FixedMap:
    """The rendered fixed map for ``key``; ``fmap`` (that map, freshly composed) is rendered only
    the first time the key is seen."""
    with _FIXED_LOCK:
        if key not in _FIXED:
            if len(_FIXED) >= FIXED_LIMIT:
                _FIXED.pop(next(iter(_FIXED)))
            _FIXED[key] = render_fixed(fmap)
        return _FIXED[key]


def layer_scripts(fixed: FixedMap, layers: Sequence[folium.FeatureGroup],
                  control: folium.LayerControl | None) -> tuple[str, str | None]:
    """The layers' and the layer control's scripts, as st_folium makes them, against the kept
    map; the map and its page are put back as they were (no layer stays attached)."""
    with fixed.lock:
        try:
            groups = "".join(sf._get_feature_group_string(group, map=fixed.fmap, idx=idx)
                             for idx, group in enumerate(layers))
            switch = sf._get_layer_control_string(control, fixed.fmap) if control is not None else None
        finally:
            for children, before in fixed.kept:
                children.clear()
                children.update(before)
    return groups, switch


@dataclass(frozen=True)
class DrawnLayers:
    """A fixed map and the scripts of the layers and layer control drawn on it."""

    fixed: FixedMap
    groups: str
    switch: str | None


def draw_layers(fixed_key: Hashable, fmap: folium.Map, layers: Sequence[folium.FeatureGroup],
                layer_control: folium.LayerControl | None) -> DrawnLayers:
    """The fixed map for ``fixed_key`` (``fmap`` rendered the first time the key is seen) and the
    scripts of ``layers`` on it."""
    fixed = fixed_map(fixed_key, fmap)
    groups, switch = layer_scripts(fixed, layers, layer_control)
    return DrawnLayers(fixed, groups, switch)


def send_map(
    drawn: DrawnLayers,
    *,
    key: str,
    height: int,
    center: tuple[float, float] | None,
    zoom: float | None,
    returned_objects: Sequence[str],
    on_change: Callable[[str], None],
) -> object:
    """Hand the component what ``st_folium`` would for the drawn map; ``on_change`` gets the
    component's own session key (where its value is), which st_folium copies under ``key`` before
    calling its callback."""
    fixed = drawn.fixed
    known = {**dict.fromkeys(_NONE_DEFAULTS), "bounds": fixed.bounds, "zoom": fixed.zoom}
    component_key = fixed.component_key(key)
    return sf._component_func(
        script=fixed.script, header=fixed.header, html=fixed.html, id=fixed.map_id, key=component_key,
        height=height, width=None, returned_objects=list(returned_objects),
        default={k: v for k, v in known.items() if k in returned_objects}, zoom=zoom, center=center,
        feature_group=drawn.groups, return_on_hover=False,
        layer_control=drawn.switch, pixelated=False, css_links=fixed.css_links, js_links=fixed.js_links,
        on_change=lambda: on_change(component_key), wrap_longitude=False,
    )
