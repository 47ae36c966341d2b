"""Loaded data, kept apart from UI state: the canonical event frame plus the indexes the filter uses.

The indexes (days as integers, actors as integer codes on an exploded link table) are built once
per load, so that every slider move filters a million rows with numpy comparisons only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.books.actors import ActorBook
from dashboard.books.regions import governorate_codes
from dashboard.events.facets import Facets, build_facets
from dashboard.model.dates import to_days
from dashboard.model.problems import Problem, ProblemTable
from dashboard.model.schema import DATASET, STORE_COLUMNS, split_actors


@dataclass(eq=False)
class EventStore:
    """Events of one file (bundled or a user's), their problems and their filter indexes.

    A store equals only itself (its frames are not compared): what is derived from it is keyed on
    the store itself."""

    name: str
    events: pd.DataFrame
    problems: ProblemTable = field(default_factory=ProblemTable)
    actors: ActorBook = field(default_factory=ActorBook)
    fmt: str = "ours"
    start_days: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    end_days: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    actor_names: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    link_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    link_actor: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    facets: Facets = field(default_factory=Facets)  # codes for the per-view counts
    # Answers about the whole dataset worked out once (the app's legend): reruns never redo them.
    memo: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)
    # Actor names of the data that the actor book does not know, with the events naming each
    unmatched_actors: pd.DataFrame = field(default_factory=lambda: unmatched_frame([], []),
                                           repr=False, compare=False)
    # The query engines over these events, by name (dashboard.events.engine.engine_for), built on
    # their first question.
    engines: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.events)

    @functools.cached_property
    def span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First start and last end in the data, or None when it is empty (once per store: a rerun
        asks it several times, and a store's dates never change)."""
        if self.events.empty:
            return None
        return self.events["start"].min(), self.events["end"].max()

    @property
    def governorates(self) -> np.ndarray:
        """The governorate of each event ("" where outside Syria or placed too vaguely), made
        from the facets' codes when asked (the store keeps a small code per event)."""
        return np.asarray(self.facets.regions, dtype=object)[self.facets.region_code] if len(self) \
            else np.zeros(0, object)

    def actor_counts(self) -> pd.Series:
        """How many events each actor takes part in, most first."""
        counts = np.bincount(self.link_actor, minlength=len(self.actor_names))
        return pd.Series(counts, index=self.actor_names).sort_values(ascending=False)


# The text columns held as categories: a view of the events shown (a slider move) takes their
# codes, not a copy of every string (at a million events ~0.15 s and ~250 MB a view).
SHARED_TEXT = ("date_precision", "place", "loc_precision", "admin1", "country", "actors", "event_type",
               "summary", "claimed_by", "source", "quote", "dispute")


def index_store(
    name: str,
    events: pd.DataFrame,
    *,
    problems: Iterable[Problem] | None = None,
    actors: ActorBook | None = None,
    fmt: str = "ours",
) -> EventStore:
    """Build the filter indexes for a canonical event frame."""
    events = events.reset_index(drop=True)
    if DATASET not in events:
        events[DATASET] = pd.Categorical.from_codes(np.zeros(len(events), np.int8),
                                                    categories=pd.Index([name]))
    events = events[list(STORE_COLUMNS)]
    for column in SHARED_TEXT:  # each distinct text once; rows hold codes
        held = events[column]
        if not isinstance(held.dtype, pd.CategoricalDtype):
            events[column] = held.astype("category")  # categories in text order
        elif not held.cat.categories.is_monotonic_increasing:  # as read from a server: in its order
            events[column] = held.cat.reorder_categories(held.cat.categories.sort_values())
    names, link_row, link_actor = actor_links(events["actors"])
    regions = _governorates(events)
    actors = actors or ActorBook()
    return EventStore(
        name=name,
        events=events,
        problems=problems if isinstance(problems, ProblemTable) else ProblemTable(problems or ()),
        actors=actors,
        fmt=fmt,
        start_days=to_days(events["start"]),
        end_days=to_days(events["end"]),
        actor_names=names,
        link_row=link_row,
        link_actor=link_actor,
        facets=build_facets(events, regions),
        unmatched_actors=unmatched_actors(names, link_actor, actors),
    )


def start_then_id_order(start: pd.Series, ids: pd.Series) -> np.ndarray:
    """Positions of the rows by start date, then id: the order every store keeps (the engines
    read date order from it). Arrow's sort: stable, no copies of the other columns."""
    keys = pa.table({"start": pa.array(start.to_numpy("datetime64[ns]")),
                     "id": pa.array(ids.astype("str").array)})
    return pc.sort_indices(keys, sort_keys=[("start", "ascending"), ("id", "ascending")]).to_numpy()


def unmatched_frame(names: list[str], counts: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"name": pd.Series(names, dtype="str"),
                         "events": pd.Series(counts, dtype="int64")})


def unmatched_actors(names: np.ndarray, link_actor: np.ndarray, book: ActorBook) -> pd.DataFrame:
    """The data's actor names that match no actor (or alias, or dataset name) of the book, with
    how many events name each, most first: what to add to the book to filter by them."""
    counts = np.bincount(link_actor, minlength=len(names))
    unknown = [i for i, name in enumerate(names) if book.canonical(str(name)) is None]
    frame = unmatched_frame([str(names[i]) for i in unknown], [int(counts[i]) for i in unknown])
    return frame.sort_values(["events", "name"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)


# An event is counted in a governorate only when its place is known at least that well: a point
# for "Syria" as a whole sits in Homs governorate but says nothing about Homs.
GOVERNORATE_MAX_KM = 80.0


def _governorates(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(governorate code per event, names in text order with "" first) for the events' places."""
    codes, names = governorate_codes(events["lat"].to_numpy(float), events["lon"].to_numpy(float))
    vague = events["uncertainty_km"].fillna(0).to_numpy(float) > GOVERNORATE_MAX_KM
    codes[vague] = 0  # "", sorted first
    return codes, names


def actor_links(actors: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sorted actor names, row of each link, actor code of each link) for ";"-joined actor lists.

    Splits each distinct list once (a million rows hold a few hundred distinct lists), so this
    takes tens of milliseconds where splitting every row took over a second.
    """
    if isinstance(actors.dtype, pd.CategoricalDtype):  # the store's: its codes are the factorization
        codes = actors.cat.codes.to_numpy().astype(np.int64)
        codes[codes < 0] = len(actors.cat.categories)  # a missing list: "", the last combination
        used = np.bincount(codes, minlength=len(actors.cat.categories) + 1) > 0  # a name counts
        combos = [*actors.cat.categories.astype("str")[used[:-1]], ""]  # only if an event has it
        combo_of_row = (np.cumsum(used) - 1)[codes]
    else:
        combo_of_row, distinct = pd.factorize(actors.astype("string").fillna(""), use_na_sentinel=False)
        combos = list(distinct)
    split = [split_actors(str(c)) for c in combos]
    names = np.asarray(sorted({n for parts in split for n in parts}), dtype=object)
    code = {n: i for i, n in enumerate(names)}
    sizes = np.array([len(parts) for parts in split], dtype=np.int64)
    flat = np.array([code[n] for parts in split for n in parts], dtype=np.int32)
    first = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    per_row = sizes[combo_of_row]
    link_row = np.repeat(np.arange(len(actors), dtype=np.int32), per_row)
    position = np.arange(len(link_row)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    link_actor = flat[np.repeat(first[combo_of_row], per_row) + position] if len(flat) else \
        np.zeros(0, np.int32)
    return names, link_row, link_actor.astype(np.int32)
