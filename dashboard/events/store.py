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
from dashboard.model.rows import tally
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
    actor_names: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    # The actors of each distinct actor list (the "actors" column's categories) as sorted codes
    # into actor_names: list c names combo_actor[combo_first[c]:combo_first[c + 1]].
    combo_first: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    combo_actor: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
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

    @functools.cached_property
    def dataset_sizes(self) -> tuple[tuple[str, int], ...]:
        """(dataset, events) of each dataset the store holds, counted once: the app asks at every
        rerun which datasets are open (0.03 s a time at ten million events)."""
        counts = self.events[DATASET].value_counts(sort=False)
        return tuple((str(label), int(count)) for label, count in counts.items())

    @property
    def start_days(self) -> np.ndarray:
        """Each event's first day as days since 1970 (int32), made when asked: the filter
        compares the frame's own dates, and a second copy cost 80 MB at ten million events."""
        return to_days(self.events["start"])

    @property
    def end_days(self) -> np.ndarray:
        """Each event's last day as days since 1970 (int32), made when asked."""
        return to_days(self.events["end"])

    @property
    def governorates(self) -> np.ndarray:
        """The governorate of each event ("" where outside Syria or placed too vaguely), made
        from the facets' codes when asked (the store keeps a small code per event)."""
        return np.asarray(self.facets.regions, dtype=object)[self.facets.region_code] if len(self) \
            else np.zeros(0, object)

    def combo_codes(self) -> np.ndarray:
        """Each event's actor list as its code in the "actors" categories (-1: none). The column's
        own codes: nothing is copied."""
        held = self.events["actors"]
        if not len(self) or not isinstance(held.dtype, pd.CategoricalDtype):
            return np.full(len(self), -1, np.int8)
        return held.cat.codes.to_numpy()

    def combos_naming(self, codes: np.ndarray) -> np.ndarray:
        """One flag per actor list, and a last False for "no list": does it name any of the
        actors ``codes``? Indexed by :meth:`combo_codes` (whose -1 reads the last flag)."""
        sizes = np.diff(self.combo_first)
        owner = np.repeat(np.arange(len(sizes)), sizes)
        hit = np.zeros(len(sizes) + 1, bool)
        hit[owner[np.isin(self.combo_actor, codes)]] = True
        return hit

    def links(self) -> tuple[np.ndarray, np.ndarray]:
        """(row, actor code) of every event's actors, rows ascending: worked out when asked (the
        comparison and the engines' link table), not held (at ten million events, 150 MB)."""
        sizes = np.append(np.diff(self.combo_first), 0)  # the last: events without a list
        combo = self.combo_codes()
        per_row = sizes[combo]
        row = np.repeat(np.arange(len(self), dtype=np.int32), per_row)
        position = np.arange(len(row)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
        first = np.append(self.combo_first[:-1], 0)
        actor = self.combo_actor[np.repeat(first[combo], per_row) + position] if len(row) else \
            np.zeros(0, np.int32)
        return row, actor.astype(np.int32)

    def actor_counts(self) -> pd.Series:
        """How many events each actor takes part in, most first (events per actor list, spread
        over the list's actors). Counted once per store: the sidebar asks at every rerun."""
        return self._actor_totals.copy()

    @functools.cached_property
    def _actor_totals(self) -> pd.Series:
        return pd.Series(_actor_counts(self), index=self.actor_names).sort_values(ascending=False)


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
    regions: tuple[np.ndarray, np.ndarray] | None = None,
) -> EventStore:
    """Build the filter indexes for a canonical event frame. ``regions`` (each event's
    governorate code, the names in text order with "" first) when already worked out for these
    rows: a known file's copy keeps them, sparing 0.3 s at ten million events."""
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
    _narrow_numbers(events)
    _one_chunk(events)
    names, combo_first, combo_actor = actor_combos(events["actors"])
    if regions is None or len(regions[0]) != len(events):
        regions = _governorates(events)
    actors = actors or ActorBook()
    store = EventStore(
        name=name,
        events=events,
        problems=problems if isinstance(problems, ProblemTable) else ProblemTable(problems or ()),
        actors=actors,
        fmt=fmt,
        actor_names=names,
        combo_first=combo_first,
        combo_actor=combo_actor,
        facets=build_facets(events, regions),
    )
    store.unmatched_actors = unmatched_actors(store)
    return store


# Whole numbers held in 32 bits when every value fits (a count of dead or a line past two billion
# is not expected, but kept whole if it comes): at ten million events, 120 MB less a store.
NARROW_NUMBERS: dict[str, np.dtype | pd.Int32Dtype] = {
    "line": np.dtype(np.int32), "fatalities": pd.Int32Dtype(), "wounded": pd.Int32Dtype()}


def _narrow_numbers(events: pd.DataFrame) -> None:
    limit = np.iinfo(np.int32)
    for column, narrow_type in NARROW_NUMBERS.items():
        held = events[column]
        if isinstance(narrow_type, np.dtype) and not isinstance(held.dtype, np.dtype):
            continue  # a nullable column stays nullable (a plain int32 holds no missing value)
        if held.dtype.kind in "iu" and len(held):
            low, high = held.min(), held.max()
            if pd.isna(low) or (limit.min <= low and high <= limit.max):
                events[column] = held.astype(narrow_type)


def _one_chunk(events: pd.DataFrame) -> None:
    """Arrow-backed columns (the ids) in one piece: read from Parquet they come in many, and every
    take (the list's first rows, a selected event) joined the pieces first, a copy of the whole
    column (20 ms a take at ten million events)."""
    for column in events.columns:
        held = events[column]
        if not isinstance(held.array, pd.arrays.ArrowExtensionArray):
            continue
        data = pa.array(held.array)
        if isinstance(data, pa.ChunkedArray) and data.num_chunks > 1:
            events[column] = pd.Series(pd.array(data.combine_chunks(), dtype=held.dtype), index=events.index)


def start_then_id_order(start: pd.Series, ids: pd.Series) -> np.ndarray:
    """Positions of the rows by start date, then id: the order every store keeps (the engines
    read date order from it). Arrow's sort: stable, no copies of the other columns."""
    keys = pa.table({"start": pa.array(start.to_numpy("datetime64[ns]")),
                     "id": pa.array(ids.astype("str").array)})
    return pc.sort_indices(keys, sort_keys=[("start", "ascending"), ("id", "ascending")]).to_numpy()


def unmatched_frame(names: list[str], counts: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"name": pd.Series(names, dtype="str"),
                         "events": pd.Series(counts, dtype="int64")})


def _actor_counts(store: EventStore) -> np.ndarray:
    combo = store.combo_codes()
    per_combo = np.bincount(combo[combo >= 0], minlength=len(store.combo_first) - 1)
    owner = np.repeat(np.arange(len(per_combo)), np.diff(store.combo_first))
    return np.bincount(store.combo_actor, weights=per_combo[owner],
                       minlength=len(store.actor_names)).astype(np.int64)


def unmatched_actors(store: EventStore) -> pd.DataFrame:
    """The data's actor names that match no actor (or alias, or dataset name) of the book, with
    how many events name each, most first: what to add to the book to filter by them."""
    names, book = store.actor_names, store.actors
    counts = _actor_counts(store)
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


def actor_combos(actors: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sorted actor names, combo_first, combo_actor) for the store's "actors" column, a category
    of ";"-joined lists: each distinct list an event has is split once (a million rows hold a few
    hundred), its actors kept in the list's order (the first shared one names a link), and the
    rows keep their category code as their list. A category no event has names nobody."""
    used = tally(actors.cat.codes.to_numpy(), len(actors.cat.categories)) > 0
    split = [split_actors(str(text)) if seen else []
             for text, seen in zip(actors.cat.categories.astype("str"), used, strict=True)]
    names = np.asarray(sorted({n for parts in split for n in parts}), dtype=object)
    code = {n: i for i, n in enumerate(names)}
    members = [list(dict.fromkeys(code[n] for n in parts)) for parts in split]  # each actor once
    first = np.concatenate(([0], np.cumsum([len(m) for m in members]))).astype(np.int64)
    flat = np.array([c for m in members for c in m], dtype=np.int32)
    return names, first, flat
