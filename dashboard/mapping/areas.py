"""Areas shaded by a count (events per governorate) as one element: outlines made once, counts per redraw.

folium's ``GeoJson`` serialises the outlines, calls a style function per feature and compiles its
templates on every render: about a tenth of a slider move's app CPU at 100,000 events, for
outlines that never change. Here the outlines are one JSON text made once per process, and each
redraw sends only a short table (an opacity and a tooltip per area) that the page's own script
applies to them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from jinja2 import Template

from dashboard.books.regions import basemap_layer
from dashboard.mapping.safe import DataScript, esc, script_json


@functools.lru_cache(maxsize=8)
def _outlines(layer: str) -> tuple[str, tuple[str, ...]]:
    """The basemap layer's features as JSON (each numbered in ``atlasIndex``) and their names."""
    features = basemap_layer(layer)["features"]
    names = tuple(str(f["properties"].get("name", "")) for f in features)
    shapes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": f["geometry"], "properties": {"atlasIndex": i}}
        for i, f in enumerate(features)]}
    return script_json(shapes), names


def shading(counts: Sequence[int]) -> list[float]:
    """Fill opacity per area: none without events, then rising with the count (a root, so that a
    few busy areas do not leave the rest blank)."""
    top = max(counts, default=0) or 1
    return [round(0.04 + 0.3 * (c / top) ** 0.7, 4) if c else 0.0 for c in counts]


class ShadedAreas(DataScript):
    """The areas of a basemap layer (``governorate``), each filled by its count in ``counts`` (by
    name; missing names count 0) and telling it in a tooltip."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
    var shade = {{ this.table_json }};
    var areas = L.geoJson({{ this.shapes_json }}, {
        style: function (f) {
            return {fillColor: shade.fill, color: shade.line, weight: shade.weight,
                    fillOpacity: shade.opacity[f.properties.atlasIndex]};
        },
        onEachFeature: function (f, layer) {
            layer.bindTooltip(shade.tooltip[f.properties.atlasIndex], {sticky: true});
        }
    });
    {{ this._parent.get_name() }}.addLayer(areas);
})();
{% endmacro %}
"""
    )

    def __init__(self, counts: Mapping[str, int], *, layer: str = "governorate", label: str = "Governorate",
                 counted: str = "Events shown", fill: str = "#b30000", line: str = "#666",
                 weight: float = 0.6) -> None:
        super().__init__()
        self._name = "ShadedAreas"
        self.shapes_json, names = _outlines(layer)
        per_area = [int(counts.get(name, 0)) for name in names]
        self.table = {
            "opacity": shading(per_area),
            "tooltip": [f"<table><tr><th>{esc(label)}</th><td>{esc(name)}</td></tr>"
                        f"<tr><th>{esc(counted)}</th><td>{count:,}</td></tr></table>"
                        for name, count in zip(names, per_area, strict=True)],
            "fill": fill, "line": line, "weight": weight,
        }

    @property
    def table_json(self) -> str:
        """The counts' table as a JS literal that cannot end its <script> element early."""
        return script_json(self.table)
