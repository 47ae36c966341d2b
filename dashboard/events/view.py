"""Everything the dashboard shows for one state, computed by pure functions the app only wires up.

Keeping this apart from the Streamlit script makes the view testable without a browser and keeps
the script short.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from dashboard.events.engine import engine_for
from dashboard.events.query import BBox, Query
from dashboard.events.store import EventStore
from dashboard.mapping.framing import Bounds, fit_bounds
from dashboard.mapping.popup import date_label
from dashboard.model.place import drawable
from dashboard.model.rows import Rows, blocks
from dashboard.model.schema import ACTOR_SEPARATOR, shown_actors

LIST_LIMIT = 2000
LIST_COLUMNS = {
    "marker": "",
    "when": "Date",
    "summary": "Summary",
    "place": "Place",
    "event_type": "Type",
    "actors": "Actors",
    "fatalities": "Fatalities",
    "claimed_by": "Claimed by",
    "source": "Source",
    "dataset": "Dataset",
    "id": "id",
}


# The columns each summary of a view reads: only those are taken out of the store.
LIST_READS = ("id", "start", "end", "date_precision", "summary", "place", "event_type", "actors",
              "fatalities", "claimed_by", "source", "dataset")  # by list_frame
PLACE_COLUMNS = ("lat", "lon", "uncertainty_km", "place")


@dataclass(eq=False)
class View:
    """The filtered events and what is derived from them for the map, list and chart.

    The events stay in the store: ``rows`` names them, and each consumer takes the columns or the
    first rows it reads. Two views are equal only when they are the same view: the app keys what it
    derives from a view on the view itself."""

    rows: Rows
    total: int
    governorate_counts: dict[str, int]
    timeline: pd.DataFrame
    timeline_bin: str

    @functools.cached_property
    def shown(self) -> int:
        """How many events the filter matches."""
        return len(self.rows)

    @property
    def events(self) -> pd.DataFrame:
        """Every column of the events shown: a copy made at each call, for a file's export or
        snapshot (the app reads ``rows``)."""
        return self.rows.frame()

    @functools.cached_property
    def glance(self) -> str:
        """:func:`summary_line` of these events, once per view."""
        return summary_line(self.rows)

    @functools.cached_property
    def country_level(self) -> str:
        """:func:`country_level_line` of these events, once per view."""
        vague = ~drawable(self.rows.table_values("uncertainty_km", float))
        return country_level_line(self.rows.also(vague).frame(PLACE_COLUMNS))  # those rows only

    @functools.cached_property
    def bounds(self) -> Bounds | None:
        """The box a fit frames (the bulk of the events): worked out only when a fit is due, not on
        every slider move (about a tenth of a move's CPU at 100,000 events)."""
        if self.rows.everything and len(self.rows) >= WHOLE_BOUNDS_FROM:
            return _whole_bounds(self.rows.table)
        return fit_bounds(self.rows.frame(PLACE_COLUMNS))


# From this many events, the box that frames a whole store is worked out once per store (every new
# session's first map asks for it): at ten million events it took over a second.
WHOLE_BOUNDS_FROM = 100_000
_whole: dict[int, tuple[weakref.ref, Bounds | None]] = {}


def _whole_bounds(table: pd.DataFrame) -> Bounds | None:
    held = _whole.get(id(table))
    if held is not None and held[0]() is table:
        return held[1]
    bounds = fit_bounds(table[list(PLACE_COLUMNS)])
    for key, (ref, _) in list(_whole.items()):  # a copy: other sessions' threads add to it
        if ref() is None:  # a store freed since
            _whole.pop(key, None)
    _whole[id(table)] = (weakref.ref(table), bounds)
    return bounds


def prepare(store: EventStore) -> None:
    """Work out ahead what every session's first map asks of a large store (the box that frames
    all of it: 0.3 s at ten million events), so that a preloaded store's first session does not."""
    if len(store) >= WHOLE_BOUNDS_FROM:
        _whole_bounds(store.events)


def build_view(store: EventStore, query: Query, *, bbox: BBox | None = None) -> View:
    """Filter once and derive the map's, list's and chart's inputs from the result.

    The filter and the counts are asked of the store's engine (``ATLAS_ENGINE``: the numpy path
    unless set), which answers them the same way whichever it is.
    """
    if bbox is not None:
        query = replace(query, bbox=bbox)
    selection = engine_for(store).select(query)
    mask = selection.mask(len(store))
    rows = Rows(store.events, None if mask.all() else mask)  # no row is copied here
    timeline = selection.timeline()
    counts = selection.region_counts()
    return View(rows, len(store), counts, timeline, store.facets.freq)


def date_labels(events: pd.DataFrame) -> np.ndarray:
    """:func:`date_label` of every row: a list's few thousand rows repeat a few hundred dates, so
    each distinct (start, end, precision) is looked up once (a MultiIndex of them cost more)."""
    starts = events["start"].to_numpy("datetime64[ns]").view("i8").tolist()
    ends = events["end"].to_numpy("datetime64[ns]").view("i8").tolist()
    precisions = events["date_precision"].astype("str").tolist()
    return np.array([_label(*key) for key in zip(starts, ends, precisions, strict=True)], dtype=object)


@functools.lru_cache(maxsize=1 << 16)
def _label(start: int, end: int, precision: str) -> str:
    # Nanoseconds since 1970; NaT's integer gives NaT back, which date_label calls "undated".
    return date_label(pd.Timestamp(start), pd.Timestamp(end), precision)


def shown_actor_lists(actors: pd.Series) -> np.ndarray:
    """:func:`shown_actors` of every row, each distinct list split once (and kept for the next
    rerun, which lists mostly the same ones)."""
    codes, uniques = pd.factorize(actors.astype("str").fillna(""), use_na_sentinel=False)
    return np.array([_shown(str(text)) for text in uniques], dtype=object)[codes]


@functools.lru_cache(maxsize=1 << 14)
def _shown(text: str) -> str:
    return shown_actors(text)


def list_frame(events: pd.DataFrame, *, selected: str | None = None, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """The event list as shown: sorted by date, dates at their precision, the selection marked."""
    head = events.head(limit)
    frame = pd.DataFrame(
        {
            "marker": np.where(head["id"] == selected, "▶", ""),
            "when": date_labels(head),
            "summary": head["summary"],  # what happened, before the columns a narrow list cuts off
            "place": head["place"],
            "event_type": head["event_type"],
            "actors": shown_actor_lists(head["actors"]),
            "fatalities": pd.to_numeric(head["fatalities"], errors="coerce").astype("Int64"),
            "claimed_by": head["claimed_by"],
            "source": head["source"],
            "dataset": head["dataset"].astype("str") if "dataset" in head else "",
            "id": head["id"],
        }
    )
    return frame.rename(columns=LIST_COLUMNS).reset_index(drop=True)


def bbox_from_bounds(bounds: Mapping[str, Any] | None) -> BBox | None:
    """The (south, west, north, east) box of the bounds st_folium returns, if they are usable."""
    if bounds is None:
        return None
    try:
        south_west, north_east = bounds["_southWest"], bounds["_northEast"]
        box = (float(south_west["lat"]), float(south_west["lng"]),
               float(north_east["lat"]), float(north_east["lng"]))
    except (KeyError, TypeError, ValueError):
        return None
    return box if box[0] <= box[2] and box[1] <= box[3] else None


SUMMARY_ACTOR_ROWS = 20_000  # above this many events, the actors' tally is left out (it splits text)


def summary_line(events: pd.DataFrame | Rows, *, top: int = 3) -> str:
    """The view at a glance: fatalities as "at least N" from the stated figures, the main types
    and actors. Competing claims (rows sharing a ``dispute``) count once, at their lowest figure,
    so that two estimates of one toll are never added up.

    ``events`` may be a view's rows: their columns are then read from the store block by block,
    never copied whole (at ten million events those copies were most of a move's memory)."""
    rows = events if isinstance(events, Rows) else Rows(events)
    if not len(rows):
        return ""
    table, mask = rows.table, rows.mask
    deaths = _numbers(table["fatalities"]).array
    dispute, _, no_dispute = _codes(table["dispute"])
    kind, kinds, no_kind = _codes(table["event_type"])
    per_type = np.zeros(len(kinds), np.int64)
    plain, stated = 0.0, False
    claimed: list[pd.DataFrame] = []
    for part in blocks(len(table)):
        keep = slice(None) if mask is None else mask[part]
        numbers = deaths[part][keep].to_numpy(dtype=float, na_value=np.nan)
        slug, code = _unblank(dispute[part][keep], no_dispute), _unblank(kind[part][keep], no_kind)
        per_type += np.bincount(code[code >= 0], minlength=len(kinds))
        stated = stated or not np.isnan(numbers).all()
        claims = slug >= 0
        plain += float(np.nansum(numbers[~claims]))
        if claims.any():  # few rows: kept to count each claim once
            claimed.append(pd.DataFrame({"slug": slug[claims], "deaths": numbers[claims]}))
    disputed = pd.concat(claimed).groupby("slug")["deaths"].min().sum() if claimed else 0
    parts = []
    if stated:
        parts.append(f"fatalities stated: at least {int(plain + disputed):,}")
    order = np.argsort(-per_type, kind="stable")[:top]  # seen types only, most first
    parts.append("types: " + ", ".join(f"{kinds[i]} {per_type[i]:,}" for i in order if per_type[i]))
    if len(rows) <= SUMMARY_ACTOR_ROWS and "actors" in table:
        actors = rows.column("actors").astype("string").str.split(ACTOR_SEPARATOR).explode().str.strip()
        counts = actors[actors.fillna("") != ""].value_counts().head(top)
        if len(counts):
            parts.append("actors: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    return " · ".join(parts)


def _numbers(column: pd.Series) -> pd.Series:
    """A count column as numbers, missing where not stated: a numeric column as it is (a million-
    row view; converting it cost a copy), others through ``to_numeric``."""
    return column if column.dtype.kind in "iuf" else pd.to_numeric(column, errors="coerce")


def _codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """(code of each row, -1 where missing; the distinct texts in text order; the code of the
    blank text, -1 if none) of a text column: the store's categories are read as they are, with no
    string made per row and no copy of the codes (a ten-million-row store)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype("string").astype("category")
    names = column.cat.categories.astype("str").to_numpy(object)
    blank = np.flatnonzero(names == "")
    return column.cat.codes.to_numpy(), names, int(blank[0]) if len(blank) else -1


def _unblank(codes: np.ndarray, blank: int) -> np.ndarray:
    """``codes`` with the blank text's code made -1, like a missing value's."""
    return codes if blank < 0 else np.where(codes == blank, -1, codes)


def country_level_line(events: pd.DataFrame, *, top: int = 4) -> str:
    """What the map cannot draw as points: "38 events known only at country level (Syria 24,
    Iran 9, ...)", or "" when every event has a place."""
    if events.empty:
        return ""
    vague = events[~drawable(events["uncertainty_km"])]
    if vague.empty:
        return ""
    where = vague["place"].astype("string").fillna("?").value_counts()
    named = ", ".join(f"{name} {count:,}" for name, count in where.head(top).items())
    more = ", …" if len(where) > top else ""
    noun = "event" if len(vague) == 1 else "events"
    return f"{len(vague):,} {noun} known only at country level ({named}{more})"
