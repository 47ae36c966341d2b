"""A map as a file: one self-contained HTML page, framed for a report, and its PNG picture.

Users paste maps into reports and briefings, where a map without its date range, filters,
count, legend and sources misleads. The page carries all of that around the same Leaflet map
the app draws, with every script inlined so it opens offline and asks no server for anything;
the PNG is that very page photographed by headless Chromium with the network cut off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import folium
import pandas as pd

from dashboard.books.regions import attribution
from dashboard.events.query import BBox, Query
from dashboard.events.store import EventStore
from dashboard.events.view import FIT_MAX_ZOOM, build_view, fit_bounds
from dashboard.exports.snapshot_png import ChromiumMissingError, SnapshotError, render_png, render_pngs
from dashboard.mapping.assets import INLINE_MARK, inline_assets
from dashboard.mapping.basemap import SYRIA_BOUNDS, base_map, fit_view
from dashboard.mapping.layers import DEFAULT_LAYERS, LayerOptions, event_layers, events_layer
from dashboard.mapping.safe import RawHtml, esc
from dashboard.model.box import in_box

__all__ = [
    "ChromiumMissingError", "SnapshotError", "render_png", "render_pngs", "source_credits",
    "standalone_html",
]

CREDIT_LIMIT = 8
MAP_PX = (1600, 820)  # the map's part of a default snapshot, for the grid cells' zoom

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
    if view_bbox is not None and len(events):
        inside = int(in_box(events["lat"].to_numpy(float), events["lon"].to_numpy(float),
                            view_bbox).sum())
        if inside != len(events):
            text += f" match; {inside:,} within the map area shown"
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
        f'{esc(_count_line(events, view_bbox, marker_limit))}</div>'
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


@dataclass(frozen=True)
class Framing:
    """What the exported map fits to, and how closely.

    A box the user chose (their zoomed-in map view) is shown edge to edge and as close as it
    takes: a cap meant for events (zoom 9) turned a box around Aleppo into most of northern Syria
    while the header named that box. Fitting events keeps a margin and a cap, so that a few events
    in one town do not fill the page with streets.
    """

    bounds: tuple[tuple[float, float], tuple[float, float]]
    max_zoom: int
    padding_px: int
    zoom_snap: float  # Leaflet's zoom step when fitting: finer steps frame a box more tightly


VIEW_MAX_ZOOM = 13  # a neighbourhood: as close as the shipped basemap and place names are useful
EVENTS_PADDING_PX = 24


def framing(events: pd.DataFrame, view_bbox: BBox | None) -> Framing:
    """The user's on-screen view when known, else the events framed as the app frames them."""
    if view_bbox is not None:
        south, west, north, east = view_bbox
        return Framing(((south, west), (north, east)), VIEW_MAX_ZOOM, 0, 0.25)
    return Framing(fit_bounds(events) or SYRIA_BOUNDS, FIT_MAX_ZOOM, EVENTS_PADDING_PX, 1.0)


def _present(events: pd.DataFrame, colour_mode: str, store: EventStore) -> list[str]:
    if colour_mode == "side":
        firsts = events["actors"].astype(str).str.split(";").str[0]
        return sorted({store.actors.coalition_of(a) for a in firsts.unique()})
    return sorted(events["event_type"].astype(str).unique())


def standalone_html(
    store: EventStore,
    query: Query,
    *,
    sources: Mapping[str, Mapping] | None = None,
    view_bbox: BBox | None = None,
    colour_mode: str = "event type",
    title: str = "Event Atlas",
    cluster: bool = True,
    selected: str | None = None,
    made: datetime | None = None,
    layers: tuple[str, ...] = DEFAULT_LAYERS,
) -> str:
    """One HTML file: the filtered events on the shipped basemap, framed, with no external request.

    ``view_bbox`` (south, west, north, east) is the extent to show (the app's map view), edge to
    edge however small (up to zoom 13); without it the map fits the events. ``layers`` are the
    overlays drawn (those the user chose in the app).
    """
    view = build_view(store, query)
    events = view.events
    frame = framing(events, view_bbox)
    bounds = frame.bounds
    (south, west), (north, east) = bounds
    zoom = fit_view(south, west, north, east, width_px=MAP_PX[0], height_px=MAP_PX[1],
                    max_zoom=frame.max_zoom)[1]
    fmap = base_map(colour_mode=colour_mode, bounds=bounds, online_tiles=False,
                    asset_url=INLINE_MARK, legend_present=_present(events, colour_mode, store))
    opts = LayerOptions(colour_mode=colour_mode, zoom=zoom, cluster=cluster, selected_id=selected,
                        asset_url=INLINE_MARK, layers=layers)
    layers = event_layers(events, view.governorate_counts, actors=store.actors, sources=sources,
                          opts=opts)
    for layer in layers:
        layer.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.options.update(zoomSnap=frame.zoom_snap)
    fmap.fit_bounds([list(bounds[0]), list(bounds[1])],
                    padding=(frame.padding_px, frame.padding_px), max_zoom=frame.max_zoom)
    head, foot = frame_html(
        title=title, query=query, events=events, store_name=store.name,
        cited=source_credits(events, sources), view_bbox=view_bbox,
        made=made or datetime.now(UTC), marker_limit=opts.marker_limit,
    )
    root = fmap.get_root()
    # RawHtml: the header and footer hold the user's text (escaped), which no template may parse.
    root.header.add_child(RawHtml(f"<title>{esc(title)}</title>{FRAME_CSS}"))
    root.html.add_child(RawHtml(head))
    root.html.add_child(RawHtml(foot))
    events_group = events_layer(layers)
    events_name = events_group.get_name() if events_group is not None else "null"
    root.script.add_child(RawHtml(READY_JS % {"map": fmap.get_name(), "events": events_name}))
    return inline_assets(root.render())
