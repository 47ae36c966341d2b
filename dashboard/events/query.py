"""The one question every view asks: which events fall in this range, this box and this filter?

Everything that reads events (map, list, timeline, exports, the benchmark) goes through
:func:`select`, so that the engine behind it can change (pandas today; DuckDB over Parquet for data
beyond memory) without touching the views.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from dashboard.books.actors import selection_label
from dashboard.books.gazetteer import DEFAULT_GAZETTEER, Gazetteer
from dashboard.events.store import EventStore
from dashboard.model.box import BBox, in_box
from dashboard.model.dates import on_or_after

# The "Recorded in" filter: events with a possible match in another open dataset, or with none.
RECORDED: dict[str, str] = {"corroborated": "recorded in 2+ datasets",
                            "single": "recorded in one dataset only"}
RECORDED_IN = "recorded_in"  # the events' column: 1 + the other datasets with a possible match


def recorded_counts(events: pd.DataFrame) -> np.ndarray:
    """How many open datasets may record each event (1 everywhere until links are found)."""
    if RECORDED_IN in events:
        return events[RECORDED_IN].to_numpy(dtype=np.int16)
    return np.ones(len(events), dtype=np.int16)


@dataclass(frozen=True)
class Query:
    """A filter as the user set it: dates, map box, actors (or ``coalition:NAME``), types, text."""

    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    bbox: BBox | None = None
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    text: str = ""
    include_subunits: bool = True
    recorded: str = ""  # "", or one of RECORDED: by how many open datasets an event may be recorded

    def with_dates(self, start: pd.Timestamp | None, end: pd.Timestamp | None) -> Query:
        """The same filter over another date range (the play control steps through these)."""
        return replace(self, start=start, end=end)

    def describe(self) -> list[str]:
        """The active filters in words, for the dashboard's header and exported snapshots."""
        parts = []
        if self.start is not None or self.end is not None:
            first = self.start.date().isoformat() if self.start is not None else "…"
            last = self.end.date().isoformat() if self.end is not None else "…"
            parts.append(f"{first} to {last}")
        if self.actors:
            parts.append("actors: " + ", ".join(selection_label(a, side="side: ") for a in self.actors)
                         + ("" if self.include_subunits else " (without sub-units)"))
        if self.event_types:
            parts.append("types: " + ", ".join(self.event_types))
        if self.text:
            parts.append(f"text: “{self.text}”")
        if self.recorded in RECORDED:
            parts.append(RECORDED[self.recorded])
        if self.bbox is not None:
            south, west, north, east = self.bbox
            parts.append(f"map area: {south:.2f}..{north:.2f}°N, {west:.2f}..{east:.2f}°E")
        return parts


def actor_mask(store: EventStore, names: set[str]) -> np.ndarray:
    """Rows whose actors include any of ``names``."""
    codes = np.flatnonzero(np.isin(store.actor_names, list(names)))
    return store.combos_naming(codes)[store.combo_codes()]


def actor_names(store: EventStore, query: Query) -> set[str]:
    """The actor names the query's actors stand for: sub-units and sides expanded unless the user
    asked for the named actors alone. Every engine filters on these names."""
    if query.include_subunits:
        return store.actors.expand(query.actors, known=store.actor_names)
    return set(query.actors)


def select(store: EventStore, query: Query) -> np.ndarray:
    """A boolean mask over ``store.events`` of the events the query matches.

    Dates match when the event's period overlaps the range, so a month-precision event counts in
    any range that touches its month.
    """
    mask = np.ones(len(store), dtype=bool)
    # The frame's own dates (no copy) against the range's first instant and the instant after its
    # last day: the same as comparing days.
    if query.start is not None:
        mask &= on_or_after(store.events["end"].to_numpy(), np.datetime64(query.start.date(), "D"))
    if query.end is not None:
        mask &= ~on_or_after(store.events["start"].to_numpy(), np.datetime64(query.end.date(), "D") + 1,
                           missing=True)
    events = store.events
    if query.bbox is not None:
        mask &= in_box(events["lat"].to_numpy(), events["lon"].to_numpy(), query.bbox)
    if query.actors:
        mask &= actor_mask(store, actor_names(store, query))
    if query.event_types:
        mask &= events["event_type"].isin(query.event_types).to_numpy()
    if query.recorded in RECORDED:
        counts = recorded_counts(events)
        mask &= counts > 1 if query.recorded == "corroborated" else counts <= 1
    if query.text.strip() and mask.any():
        rows = np.flatnonzero(mask)
        subset = events.iloc[rows]
        hit = np.zeros(len(rows), dtype=bool)
        for column, needles in search_terms(store, query.text.strip()).items():
            for needle in needles:
                hit |= subset[column].str.contains(needle, case=False, regex=False).to_numpy(
                    dtype=bool, na_value=False)
        mask[rows[~hit]] = False
    return mask


@functools.lru_cache(maxsize=1)
def _gazetteer() -> Gazetteer:
    return Gazetteer.load(DEFAULT_GAZETTEER)


def search_terms(store: EventStore, needle: str) -> dict[str, list[str]]:
    """What a search looks for, column by column (every engine asks this): the text in summaries,
    quotes, places and actors, and, when the text is another name of a place or an actor ("Khan
    Touman", "Hizbullah"), that place's or actor's name as the data writes it."""
    terms = {"summary": [needle], "quote": [needle], "place": [needle], "actors": [needle]}
    place = _gazetteer().lookup(needle)
    if place is not None and place.name.casefold() != needle.casefold():
        terms["place"].append(place.name)
    actor = store.actors.canonical(needle)
    if actor is not None and actor.casefold() != needle.casefold():
        terms["actors"].append(actor)
    return terms


def events_in(store: EventStore, query: Query) -> pd.DataFrame:
    """The matching events themselves, sorted by date."""
    return store.events[select(store, query)]
