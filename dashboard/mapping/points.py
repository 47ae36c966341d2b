"""Many circles on a Leaflet map as one element: a compact JSON table and one loop in the browser.

folium makes every marker an element of its own (a tooltip and a popup are two more), and each
element compiles a template when rendered: a thousand markers took about a second to build and
over a megabyte to send on every rerun. This element sends the same circles, tooltips and popups
as columns plus a short table of distinct styles, builds in milliseconds whatever the count, and
still makes real Leaflet layers, so clusters, hover and streamlit-folium's click reporting (which
reads the clicked layer's tooltip) work as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from jinja2 import Template

from dashboard.mapping.safe import DataScript, script_json

KINDS = ("circleMarker", "circle")  # circle: radius in metres; circleMarker: in pixels


class PointLayer(DataScript):
    """Circles at (lat, lon), each drawn with one of ``styles`` (Leaflet path options).

    Text in ``tooltips`` and ``popups`` is inserted as HTML by Leaflet: escape data before
    (:func:`dashboard.mapping.safe.esc`); it travels as JSON data, never as script.
    An empty popup ("") means none for that point. A point clicked takes the ``picked`` style
    (the app's selection, shown at once in the page, since a click re-sends no layer) and removes
    the server-drawn ring (layers of class ``ring_class``) of the previous selection; the point
    ``marked`` (an index) starts in that style (the selection, seen once its cluster opens).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
    var d = {{ this.table_json }};
    var parent = {{ this._parent.get_name() }};
    var made = new Array(d.lat.length);
    function pick(e) {
        var target = e.target, map = target._map, last = window.atlasPicked;
        if (map && d.ring_class) {
            map.eachLayer(function (other) {
                if (other.options && other.options.className === d.ring_class) { map.removeLayer(other); }
            });
        }
        if (last && last.layer !== target) { last.layer.setStyle(last.style); }
        if (!last || last.layer !== target) {
            window.atlasPicked = {layer: target,
                                  style: {color: target.options.color, weight: target.options.weight}};
        }
        target.setStyle(d.picked);
    }
    for (var i = 0; i < d.lat.length; i++) {
        var layer = L[d.kind]([d.lat[i], d.lon[i]], d.styles[d.style[i]]);
        if (d.tooltip) { layer.bindTooltip(d.tooltip[i], {sticky: true}); }
        if (d.popup && d.popup[i]) {
            layer.bindPopup(d.popup[i], {maxWidth: d.max_width, autoPanPadding: [12, 12]});
        }
        if (d.picked) { layer.on("click", pick); }
        made[i] = layer;
    }
    if (d.marked !== null && made[d.marked]) {  // the selection, marked as a click marks it
        window.atlasPicked = {layer: made[d.marked], style: {color: made[d.marked].options.color,
                                                            weight: made[d.marked].options.weight}};
        made[d.marked].setStyle(d.picked);
    }
    if (parent.addLayers) { parent.addLayers(made); }
    else { for (var j = 0; j < made.length; j++) { parent.addLayer(made[j]); } }
})();
{% endmacro %}
"""
    )

    def __init__(
        self,
        lat: Sequence[float] | np.ndarray,
        lon: Sequence[float] | np.ndarray,
        *,
        styles: Sequence[Mapping[str, object]],
        style_index: Sequence[int] | np.ndarray | None = None,
        tooltips: Sequence[str] | None = None,
        popups: Sequence[str] | None = None,
        kind: str = "circleMarker",
        max_width: int = 360,
        digits: int = 5,
        picked: Mapping[str, object] | None = None,
        ring_class: str = "",
        marked: int | None = None,
    ) -> None:
        super().__init__()
        self._name = "PointLayer"
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        count = len(lat)
        index = np.zeros(count, dtype=int) if style_index is None else np.asarray(style_index)
        for label, column in (("lon", lon), ("style_index", index), ("tooltips", tooltips),
                              ("popups", popups)):
            if column is not None and len(column) != count:
                raise ValueError(f"{label} has {len(column)} values for {count} points")
        lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        keep = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))  # Leaflet throws on NaN

        def kept(column: Sequence[str] | None) -> list[str] | None:
            if column is None:
                return None
            values = list(column)
            return [str(values[i]) for i in keep]

        self.table = {
            "kind": kind,
            "lat": np.round(lat[keep], digits).tolist(),
            "lon": np.round(lon[keep], digits).tolist(),
            "styles": [dict(s) for s in styles],
            "style": index[keep].astype(int).tolist(),
            "tooltip": kept(tooltips),
            "popup": kept(popups),
            "max_width": max_width,
            "picked": dict(picked) if picked else None,
            "ring_class": ring_class,
            "marked": _position(keep, marked) if picked else None,
        }

    @property
    def table_json(self) -> str:
        """The table as a JS literal that cannot end its <script> element early."""
        return script_json(self.table)

    def __len__(self) -> int:
        return len(self.table["lat"])


def _position(keep: np.ndarray, index: int | None) -> int | None:
    """Where point ``index`` is among the kept points (None if it is not drawn)."""
    if index is None:
        return None
    where = np.flatnonzero(keep == index)
    return int(where[0]) if len(where) else None


def style_table(rows: Sequence[Mapping[str, object]]) -> tuple[list[dict], list[int]]:
    """Distinct styles and, for each row, the index of its style in them."""
    distinct: dict[tuple, int] = {}
    styles: list[dict] = []
    index = []
    for row in rows:
        key = tuple(sorted(row.items()))
        if key not in distinct:
            distinct[key] = len(styles)
            styles.append(dict(row))
        index.append(distinct[key])
    return styles, index
