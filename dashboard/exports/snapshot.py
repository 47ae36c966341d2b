"""A map as a file: one self-contained HTML page, framed for a report, and its PNG picture.

Users paste maps into reports and briefings, where a map without its date range, filters,
count, legend and sources misleads. The page carries all of that around the same Leaflet map
the app draws, with every script inlined so it opens offline and asks no server for anything;
the PNG is that very page photographed by headless Chromium with the network cut off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

import folium
import pandas as pd

from dashboard.books.regions import attribution
from dashboard.events.query import BBox, Query
from dashboard.events.scene import MapSpec, compose
from dashboard.events.store import EventStore
from dashboard.exports.snapshot_png import ChromiumMissingError, SnapshotError, render_png, render_pngs
from dashboard.mapping.assets import inline_assets
from dashboard.mapping.layers import events_layer
from dashboard.mapping.safe import RawHtml, esc, figure_of
from dashboard.model.box import in_box
from dashboard.model.place import drawable

__all__ = [
    "ChromiumMissingError", "SnapshotError", "render_png", "render_pngs", "source_credits",
    "standalone_html",
]

CREDIT_LIMIT = 8

FRAME_CSS = """<style>
html,body{height:100%;margin:0}
body{display:grid;grid-template-rows:auto minmax(0,1fr) auto auto;grid-template-columns:minmax(0,1fr);
 font:13px/1.4 "DejaVu Sans",Arial,sans-serif;color:#222;background:#fff}
.atlas-head{grid-row:1;padding:8px 14px 6px;border-bottom:1px solid #bbb}
.atlas-head h1{font-size:20px;margin:0 0 2px}
.atlas-head .atlas-when{font-size:15px;font-weight:600}
.folium-map{grid-row:2;position:relative!important;width:auto!important;height:auto!important}
.atlas-legend{grid-row:3;position:static!important;width:auto!important;max-width:none!important;
 border:0!important;border-top:1px solid #bbb!important;border-radius:0!important;padding:5px 14px!important}
.atlas-legend div{display:inline-block;margin:0 14px 0 0!important}
.atlas-legend details{display:contents}
.atlas-legend summary{display:inline;list-style:none;pointer-events:none}
.atlas-legend summary::-webkit-details-marker{display:none}
.atlas-legend b{margin-right:12px}
.atlas-foot{grid-row:4;padding:3px 14px 7px;font-size:11.5px;color:#444}
.atlas-foot div{margin-top:1px}
</style>"""

READY_JS = """
window.addEventListener("load", function () {
  var map = %(map)s, events = %(events)s;
  function leaves(layer, out) {
    if (layer instanceof L.CircleMarker && !(layer instanceof L.Circle)) { out.push(layer); }
    else if (typeof layer.getLayers === "function") {
      layer.getLayers().forEach(function (child) { leaves(child, out); });
    }
    return out;
  }
  // Leaflet objects, not DOM nodes: clustered markers have no node until unclustered.
  window.atlasEventMarkers = function () { return events ? leaves(events, []) : []; };
  window.atlasMarkers = function () {
    var all = window.atlasEventMarkers();
    return {total: all.length, drawn: all.filter(function (m) { return map.hasLayer(m); }).length};
  };
  map.whenReady(function () {
    // A fit leaves far outliers out of the frame: the header says how many markers the picture
    // holds when that is fewer than the events it counts (text only, no markup).
    var all = window.atlasEventMarkers(), shown = map.getBounds(), inside = all.filter(function (m) {
      return shown.contains(m.getLatLng());
    }).length, note = document.querySelector(".atlas-inview");
    if (note && %(fitted)s && inside < all.length) {
      note.textContent = "; " + inside.toLocaleString("en") + " of them within the map area shown";
    }
    requestAnimationFrame(function () { requestAnimationFrame(function () {
      window.atlasReady = true;
    }); });
  });
});
"""


def source_credits(events: pd.DataFrame, sources: Mapping[str, Mapping] | None) -> list[str]:
    """The sources the events rest on, most used first: title and outlet when known, else the id."""
    counts = Counter(str(s) for s in events["source"] if str(s).strip())
    cited = []
    for source_id, _ in counts.most_common():
        row = (sources or {}).get(source_id)
        if row and row.get("title"):
            outlet = f" ({row['outlet']})" if row.get("outlet") else ""
            cited.append(f"{row['title']}{outlet}")
        else:
            cited.append(source_id)
    if len(cited) > CREDIT_LIMIT:
        cited = [*cited[:CREDIT_LIMIT], f"and {len(cited) - CREDIT_LIMIT:,} more"]
    return cited


def _date_range(query: Query, events: pd.DataFrame) -> str:
    if query.start is None and query.end is None:
        if events.empty:
            return "All dates"
        return (f"All dates ({events['start'].min().date().isoformat()} to "
                f"{events['end'].max().date().isoformat()})")
    first = query.start.date().isoformat() if query.start is not None else "the first event"
    last = query.end.date().isoformat() if query.end is not None else "the last event"
    return f"{first} to {last}"


def _count_line(events: pd.DataFrame, view_bbox: BBox | None, marker_limit: int) -> str:
    text = f"{len(events):,} event{'s' if len(events) != 1 else ''}"
    points = events[drawable(events["uncertainty_km"])] if len(events) else events
    if view_bbox is not None and len(points):
        inside = int(in_box(points["lat"].to_numpy(float), points["lon"].to_numpy(float),
                            view_bbox).sum())
        if inside != len(points):
            text += f" match; {inside:,} within the map area shown"
    if len(points) != len(events):
        text += f"; {len(events) - len(points):,} known only at country level (outlined)"
    if len(events) > marker_limit:
        text += " (drawn as grid cells: too many for single markers)"
    return text


def frame_html(
    *, title: str, query: Query, events: pd.DataFrame, store_name: str, cited: list[str],
    view_bbox: BBox | None = None, made: datetime, marker_limit: int,
) -> tuple[str, str]:
    """The header and the footer around the map (everything from data escaped)."""
    filters = replace(query, start=None, end=None).describe()
    head = (
        f'<header class="atlas-head"><h1>{esc(title)}</h1>'
        f'<div class="atlas-when">{esc(_date_range(query, events))} · '
        f'{esc(_count_line(events, view_bbox, marker_limit))}<span class="atlas-inview"></span></div>'
        f'<div class="atlas-filters">Filters: {esc("; ".join(filters) or "none")}</div></header>'
    )
    foot = (
        f'<footer class="atlas-foot"><div>Data: {esc(store_name)}'
        + (f" · Sources: {esc('; '.join(cited))}" if cited else "") + "</div>"
        f"<div>Basemap: {esc(attribution())}</div>"
        f'<div>Made {esc(made.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"))} with Event Atlas'
        " · dates overlap the range; dashed circles: approximate places</div></footer>"
    )
    return head, foot


def standalone_html(
    store: EventStore,
    spec: MapSpec,
    *,
    sources: Mapping[str, Mapping] | None = None,
    made: datetime | None = None,
) -> str:
    """One HTML file: the map ``spec`` describes on the shipped basemap, framed, with a header
    (title, dates, count, filters) and a footer (data, sources, basemap), and no external request.

    ``spec.view_box`` (south, west, north, east) is the extent to show (the app's map view), edge
    to edge however small (up to zoom 13); without it the map fits the events.
    """
    scene = compose(store, spec, sources=sources)
    fmap, layers, events, frame = scene.fmap, scene.layers, scene.view.events, scene.framed
    assert frame is not None  # a file is always framed
    bounds = frame.bounds
    for layer in layers:
        layer.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.options.update(zoomSnap=frame.zoom_snap)
    fmap.fit_bounds([list(bounds[0]), list(bounds[1])],
                    padding=(frame.padding_px, frame.padding_px), max_zoom=frame.max_zoom)
    query, title, view_bbox, opts = spec.query, spec.title, spec.view_box, scene.options
    head, foot = frame_html(
        title=title, query=query, events=events, store_name=store.name,
        cited=source_credits(events, sources), view_bbox=view_bbox,
        made=made or datetime.now(UTC), marker_limit=opts.marker_limit,
    )
    root = figure_of(fmap)
    # RawHtml: the header and footer hold the user's text (escaped), which no template may parse.
    root.header.add_child(RawHtml(f"<title>{esc(title)}</title>{FRAME_CSS}"))
    root.html.add_child(RawHtml(head))
    root.html.add_child(RawHtml(foot))
    events_group = events_layer(layers)
    events_name = events_group.get_name() if events_group is not None else "null"
    root.script.add_child(RawHtml(READY_JS % {"map": fmap.get_name(), "events": events_name,
                                              "fitted": "true" if view_bbox is None else "false"}))
    return inline_assets(root.render())
