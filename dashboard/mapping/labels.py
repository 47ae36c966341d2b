"""The fixed map's many small parts as single elements: place names and basemap outlines.

The fixed map is rebuilt on every rerun (st_folium needs a map object), so whatever it costs is
paid on every slider move. A folium marker compiles a template of its own when created, and a
folium GeoJson serialises its data and runs its style function over every feature when
rendered: 270 city names and the basemap's outlines took over 100 ms a rerun. These elements
serialise their data once per process and render with one class-level template each.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from folium.map import Layer
from jinja2 import Template

from dashboard.books.placenames import city_labels
from dashboard.books.regions import basemap_layer
from dashboard.mapping.safe import DataScript, esc, script_json

StyleFunction = Callable[[Mapping], Mapping[str, object]]


@functools.cache
def _city_table(pane: str) -> str:
    labels = city_labels()
    return script_json({"lat": [label.lat for label in labels], "lon": [label.lon for label in labels],
                       "text": [label.name for label in labels],
                       "major": [bool(label.major) for label in labels], "pane": pane})


class CityLabels(DataScript):
    """Town and city names (GeoNames) as non-interactive labels, added to the parent layer, in
    ``pane`` (a pane above the markers keeps cluster badges from hiding the names).

    Names are set as text (``textContent``), never parsed as HTML."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
    var d = {{ this.table_json }};
    var parent = {{ this._parent.get_name() }};
    for (var i = 0; i < d.lat.length; i++) {
        var box = document.createElement("div");
        box.className = d.major[i] ? "atlas-label major" : "atlas-label";
        box.textContent = d.text[i];
        parent.addLayer(L.marker([d.lat[i], d.lon[i]], {interactive: false, keyboard: false,
            pane: d.pane,
            icon: L.divIcon({html: box, className: "", iconSize: [0, 0], iconAnchor: [-4, 7]})}));
    }
})();
{% endmacro %}
"""
    )

    def __init__(self, *, pane: str = "markerPane") -> None:
        super().__init__()
        self._name = "CityLabels"
        self.table_json = _city_table(pane)


@functools.cache
def _outline_json(layer: str, style: StyleFunction, tooltip: str | None) -> str:
    """One basemap layer with each feature's style (and escaped tooltip) worked out once."""
    collection = basemap_layer(layer)
    for feature in collection["features"]:
        feature["properties"] = {
            "_style": dict(style(feature)),
            **({"_tip": esc(feature["properties"].get(tooltip, ""))} if tooltip else {}),
        }
    return script_json(collection)


class Outlines(Layer, DataScript):
    """A layer of the shipped basemap (countries, rivers, governorate borders) drawn from data
    serialised once; ``style`` must be a module-level function (it is the cache's key)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.geoJson({{ this.data_json }}, {
    interactive: {{ this.interactive | tojson }},
    style: function (f) { return f.properties._style; },
    onEachFeature: function (f, layer) {
        if (f.properties._tip) { layer.bindTooltip(f.properties._tip, {sticky: true}); }
    }
});
{% endmacro %}
"""
    )

    def __init__(self, layer: str, *, style: StyleFunction, name: str | None = None,
                 tooltip: str | None = None, control: bool = True, show: bool = True) -> None:
        super().__init__(name=name or layer, overlay=True, control=control, show=show)
        self._name = "Outlines"
        self.interactive = tooltip is not None
        self.data_json = _outline_json(layer, style, tooltip)
