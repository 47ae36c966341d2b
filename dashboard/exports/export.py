"""The filtered events as files users take away: CSV, GeoJSON, a standalone map and its PNG.

The CSV is written in our own format, so a colleague can load it back into the dashboard, and
it is safe to open in a spreadsheet: a text cell that starts like a formula (=, +, -, @, tab or
carriage return) gets a leading ``'``, which spreadsheets read as "this is text". Only text
columns are treated: numbers (a negative longitude) and ISO dates are never formulas, and
changing them would break the round trip. Exports are built lazily (:class:`Download.make`),
so the app renders a PNG only when someone asks for it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from dashboard.books.actors import selection_label
from dashboard.events.query import Query, events_in
from dashboard.events.scene import MapSpec
from dashboard.events.store import EventStore
from dashboard.exports.snapshot import standalone_html
from dashboard.exports.snapshot_png import chromium_problem, render_png
from dashboard.model.schema import OUR_COLUMNS, OUR_OPTIONAL_GEO
from dashboard.model.text import neutralise_cell

EXPORT_COLUMNS: tuple[str, ...] = (*OUR_COLUMNS, *OUR_OPTIONAL_GEO)
NUMBER_COLUMNS = frozenset({"fatalities", "wounded", "latitude", "longitude", "uncertainty_km"})
DATE_COLUMNS = frozenset({"date", "date_end"})
TEXT_COLUMNS: tuple[str, ...] = tuple(
    c for c in EXPORT_COLUMNS if c not in NUMBER_COLUMNS | DATE_COLUMNS
)
NAME_LIMIT = 120


# With several datasets open, each row says where it comes from and what it may match elsewhere.
LINK_EXPORT_COLUMNS: tuple[str, ...] = ("dataset", "recorded_in", "linked_ids", "link_scores", "decisions")
LINK_TEXT_COLUMNS = ("dataset", "linked_ids", "decisions")


def comparison_columns(events: pd.DataFrame) -> list[str]:
    """The comparison's columns an export carries: none for one dataset without links."""
    column = events["dataset"] if "dataset" in events else pd.Series([], dtype=object)
    names = column.cat.categories if isinstance(column.dtype, pd.CategoricalDtype) else column.unique()
    several = len(names) > 1
    linked = "linked_ids" in events
    if not (several or linked):
        return []
    return [c for c in LINK_EXPORT_COLUMNS if c in events]


def _iso(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").fillna("")


def export_frame(events: pd.DataFrame, *, neutralise: bool = False) -> pd.DataFrame:
    """Canonical events as rows of our CSV format, every cell a string."""
    counts = {c: events[c].astype("Int64").astype("string").fillna("") for c in ("fatalities", "wounded")}
    frame = pd.DataFrame(
        {
            "id": events["id"],
            "date": _iso(events["start"]),
            "date_end": _iso(events["end"]).where(events["end"] != events["start"], ""),
            **{c: events[c] for c in ("date_precision", "place", "actors", "event_type")},
            **counts,
            **{c: events[c] for c in ("summary", "claimed_by", "source", "quote", "dispute")},
            "latitude": events["lat"].map(lambda v: repr(float(v))),
            "longitude": events["lon"].map(lambda v: repr(float(v))),
            "loc_precision": events["loc_precision"],
            "uncertainty_km": events["uncertainty_km"].map(lambda v: f"{v:g}" if pd.notna(v) else ""),
            "admin1": events["admin1"],
            "country": events["country"],
        },
        index=events.index,
    )[list(EXPORT_COLUMNS)]
    for column in comparison_columns(events):
        frame[column] = events[column].astype("string").fillna("").to_numpy(dtype=object)
    for column in (*TEXT_COLUMNS, *LINK_TEXT_COLUMNS):
        if column not in frame:
            continue
        text = frame[column].astype("string").fillna("").astype(object)
        frame[column] = text.map(neutralise_cell) if neutralise else text
    return frame.reset_index(drop=True)


def to_csv_bytes(events: pd.DataFrame, *, neutralise: bool = True) -> bytes:
    """The events as our CSV (UTF-8 with a BOM, so spreadsheets read non-Latin names right)."""
    frame = export_frame(events, neutralise=neutralise)
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _counts(values: pd.Series) -> pd.Series:
    """Whole numbers, None where missing (JSON null), in an object column pandas leaves alone."""
    return pd.Series([None if pd.isna(v) else int(v) for v in values.astype("Int64")],
                     index=values.index, dtype=object)


def to_geojson_bytes(events: pd.DataFrame, sources: Mapping[str, Mapping] | None = None) -> bytes:
    """The events as GeoJSON points, with every column and the title and link of their source."""
    props = export_frame(events).drop(columns=["latitude", "longitude"]).astype(object)
    props["date_end"] = props["date_end"].where(props["date_end"] != "", props["date"])
    props["fatalities"] = _counts(events["fatalities"]).to_numpy()
    props["wounded"] = _counts(events["wounded"]).to_numpy()
    props["uncertainty_km"] = events["uncertainty_km"].fillna(0).astype(float).to_numpy()
    for key in ("title", "outlet", "published", "url"):
        lookup = {sid: str(row.get(key) or "") for sid, row in (sources or {}).items()}
        props[f"source_{key}"] = props["source"].map(lookup).astype("string").fillna("").astype(object)
    points = zip(events["lon"].astype(float), events["lat"].astype(float), strict=True)
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": p}
        for (lon, lat), p in zip(points, props.to_dict("records"), strict=True)
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")


def export_name(query: Query, ext: str) -> str:
    """A file name that says what is in the file: atlas_2016-01-01_2016-03-01_IRGC.png."""
    first = query.start.date().isoformat() if query.start is not None else "start"
    last = query.end.date().isoformat() if query.end is not None else "end"
    parts = ["atlas", first, last]
    actors = tuple(selection_label(a, side="side-") for a in query.actors)
    for group in (actors, query.event_types, (query.text,) if query.text else ()):
        slugs = [s for s in (_slug(item) for item in group) if s]
        if slugs:
            parts.append("+".join(slugs))
    stem = "_".join(parts)
    if len(stem) > NAME_LIMIT:
        stem = stem[:NAME_LIMIT].rstrip("+_-")
    return f"{stem}.{_slug(ext.lstrip('.')).lower() or 'dat'}"


@dataclass(frozen=True)
class Download:
    """One file the app offers; ``make`` builds it on demand, ``unavailable`` says why it cannot."""

    label: str
    filename: str
    mime: str
    make: Callable[[], bytes]
    unavailable: str | None = None


def downloads(store: EventStore, spec: MapSpec, *,
              sources: Mapping[str, Mapping] | None = None) -> list[Download]:
    """The four exports of the map ``spec`` describes: PNG, standalone HTML, CSV and GeoJSON.
    The data files hold the events of ``spec.query``; the maps are framed on ``spec.view_box``."""
    query = spec.query

    def page() -> str:
        return standalone_html(store, spec, sources=sources)

    return [
        Download("Map (PNG)", export_name(query, "png"), "image/png",
                 lambda: render_png(page()), chromium_problem()),
        Download("Map (HTML)", export_name(query, "html"), "text/html",
                 lambda: page().encode("utf-8")),
        Download("Events (CSV)", export_name(query, "csv"), "text/csv",
                 lambda: to_csv_bytes(events_in(store, query))),
        Download("Events (GeoJSON)", export_name(query, "geojson"), "application/geo+json",
                 lambda: to_geojson_bytes(events_in(store, query), sources)),
    ]
