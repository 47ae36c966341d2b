"""Everything the dashboard shows for one state, computed by pure functions the app only wires up.

Keeping this apart from the Streamlit script makes the view testable without a browser and keeps
the script short.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from dashboard.popup import date_label
from dashboard.query import BBox, Query, select
from dashboard.store import EventStore
from dashboard.timeline import bin_size, counts_over_time

LIST_LIMIT = 2000
LIST_COLUMNS = {
    "marker": "",
    "when": "Date",
    "place": "Place",
    "event_type": "Type",
    "actors": "Actors",
    "summary": "Summary",
    "claimed_by": "Claimed by",
    "source": "Source",
    "id": "id",
}


@dataclass
class View:
    """The filtered events and what is derived from them for the map, list and chart."""

    events: pd.DataFrame
    total: int
    governorate_counts: dict[str, int]
    timeline: pd.DataFrame
    timeline_bin: str
    bounds: tuple[tuple[float, float], tuple[float, float]] | None

    @property
    def shown(self) -> int:
        """How many events the filter matches."""
        return len(self.events)


def build_view(store: EventStore, query: Query, *, bbox: BBox | None = None) -> View:
    """Filter once and derive the map's, list's and chart's inputs from the result."""
    if bbox is not None:
        query = replace(query, bbox=bbox)
    mask = select(store, query)
    events = store.events[mask]
    govs = pd.Series(store.governorates[mask]).value_counts()
    counts = {str(k): int(v) for k, v in govs.items() if k}
    span = store.span
    freq = bin_size(*span) if span else "week"
    bounds = None
    if len(events):
        lat, lon = events["lat"].to_numpy(float), events["lon"].to_numpy(float)
        bounds = ((float(np.nanmin(lat)), float(np.nanmin(lon))),
                  (float(np.nanmax(lat)), float(np.nanmax(lon))))
    return View(events, len(store), counts, counts_over_time(events, freq=freq), freq, bounds)


def list_frame(events: pd.DataFrame, *, selected: str | None = None, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """The event list as shown: sorted by date, dates at their precision, the selection marked."""
    head = events.head(limit)
    frame = pd.DataFrame(
        {
            "marker": np.where(head["id"] == selected, "▶", ""),
            "when": [date_label(s, e, p) for s, e, p in
                     zip(head["start"], head["end"], head["date_precision"], strict=True)],
            "place": head["place"],
            "event_type": head["event_type"],
            "actors": head["actors"].str.replace(";", ", ", regex=False),
            "summary": head["summary"],
            "claimed_by": head["claimed_by"],
            "source": head["source"],
            "id": head["id"],
        }
    )
    return frame.rename(columns=LIST_COLUMNS).reset_index(drop=True)


def bbox_from_bounds(bounds: dict | None) -> BBox | None:
    """The (south, west, north, east) box of the bounds st_folium returns, if they are usable."""
    try:
        south_west, north_east = bounds["_southWest"], bounds["_northEast"]
        box = (float(south_west["lat"]), float(south_west["lng"]),
               float(north_east["lat"]), float(north_east["lng"]))
    except (KeyError, TypeError, ValueError):
        return None
    return box if box[0] <= box[2] and box[1] <= box[3] else None
