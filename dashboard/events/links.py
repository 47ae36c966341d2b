"""Who else recorded this? Candidate links between events of different datasets, with their reasons.

A link is a *possible match*, never a fact: rows are not merged and tolls are not added up. Two
events are candidates when

- their periods overlap, each widened by ``tolerance_days`` (a month-precision event already spans
  its month, so it meets every day-precision event of that month);
- their places are within both uncertainties plus ``distance_km``; an event placed only at its
  governorate (``AREA_KM`` < uncertainty <= ``POINT_MAX_KM``) meets any event in that governorate
  and none in another; one known only at country level meets the events of that country;
- they name a common actor, or actors of one side (the actor book's coalitions).

Finding them never compares all pairs: for each pair of datasets, the larger one's events are
put in order of (cell, start day), cells being grid squares as wide as the largest distance two
point events can be apart, or a governorate, or a country; each event of the smaller one then
looks, with binary search, only at the events of its neighbouring cells whose start falls in its
widened period. Events are grouped by how long their period is, so that a year-long event does not
widen the search for the day-precision ones, and a dataset's events never meet each other. The work
grows with the number of candidates, not with the product of the datasets' sizes.

The user's verdicts (:func:`record_decisions`) overrule the matcher in ``recorded_in``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.books.actors import NO_COALITION
from dashboard.books.regions import governorate_codes
from dashboard.events.store import EventStore
from dashboard.mapping.popup import date_label, place_label
from dashboard.model.frames import stacked
from dashboard.model.place import POINT_MAX_KM
from dashboard.model.schema import DATASET, shown_actors

LONGEST_DAYS = 370  # an event of a longer period (a five-year toll) is linked to nothing
AREA_KM = 25.0  # a place known less well than this is matched by its governorate, not by distance
SPAN_CLASSES = (1, 8, 32, 100, LONGEST_DAYS)  # days: events grouped by the length of their period
BATCH = 2_000_000  # pairs gathered at once before they are sifted (bounds the memory of a search)
POSSIBLE = "possible match"
DISPUTE = "same dispute"
# What is kept per link: codes and numbers (the reasons in words are made for the links shown:
# at a million events beside 100,000, 1.4M rows of Python strings held 180 MB a session).
LINK_COLUMNS = ("a", "b", "score", "days_apart", "km", "level", "same_day", "same_area", "shared", "kind")
MAX_DAYS, MAX_KM = 60, 200.0  # the widest rules a user may set (the cost grows with both)


@dataclass(frozen=True, kw_only=True)
class LinkRules:
    """What the user can set: how far apart in days and in kilometres two records may be."""

    tolerance_days: int = 3
    distance_km: float = 10.0
    best: int = 5  # candidates kept per event in each other dataset


@dataclass(frozen=True)
class Links:
    """Candidate links, one row per direction (a -> b and b -> a), best first for each ``a``:
    ``level`` says how their places were compared (0 as points, 1 by governorate, 2 by country,
    -1 not at all: competing claims), ``same_area`` names the governorate or country, ``shared``
    the actor or side (or the dispute) they share."""

    frame: pd.DataFrame = field(default_factory=lambda: _empty())

    def __len__(self) -> int:
        return len(self.frame)

    def of(self, row: int) -> pd.DataFrame:
        """The candidates of the event at store position ``row``, best first, with ``why``."""
        starts = self.frame["a"].to_numpy()
        lo, hi = np.searchsorted(starts, row, "left"), np.searchsorted(starts, row, "right")
        return described(self.frame.iloc[lo:hi])

    def recorded_in(self, datasets: np.ndarray, *, same: np.ndarray | None = None,
                    different: np.ndarray | None = None) -> np.ndarray:
        """For each event (``datasets``: its dataset code), 1 + the other datasets holding a
        possible match of it. Competing claims of one dataset do not count. The user's verdicts
        overrule the matcher: pairs of rows (two columns) marked ``different`` do not count,
        pairs marked ``same`` do, found by the matcher or not."""
        counts = np.ones(len(datasets), dtype=np.int16)
        found = self.frame[self.frame["kind"] == POSSIBLE]
        a, b = found["a"].to_numpy(np.int64), found["b"].to_numpy(np.int64)
        if different is not None and len(different):
            size = max(len(datasets), 1)
            wrong = np.concatenate([different[:, 0] * size + different[:, 1],
                                    different[:, 1] * size + different[:, 0]])
            right = ~np.isin(a * size + b, wrong)
            a, b = a[right], b[right]
        if same is not None and len(same):
            a = np.concatenate([a, same[:, 0], same[:, 1]])
            b = np.concatenate([b, same[:, 1], same[:, 0]])
        if len(a):
            pairs = pd.DataFrame({"a": a, "other": datasets[b]})
            pairs = pairs[pairs["other"] != datasets[a]].drop_duplicates()
            counts += np.bincount(pairs["a"].to_numpy(), minlength=len(datasets)).astype(np.int16)
        return counts


def _empty() -> pd.DataFrame:
    return _link_frame(np.zeros(0, np.int64), np.zeros(0, np.int64), score=np.zeros(0), days_apart=0,
                       km=np.zeros(0), level=0, same_day=False, same_area="", shared="", kind=POSSIBLE)


def _link_frame(a: np.ndarray, b: np.ndarray, *, score: np.ndarray | float, days_apart: np.ndarray | int,
                km: np.ndarray | float, level: np.ndarray | int, same_day: np.ndarray | bool,
                same_area: pd.Categorical | str, shared: pd.Categorical | str, kind: str) -> pd.DataFrame:
    """Links in the compact types they are kept in (positions past two billion are not expected:
    a store that size does not fit one process)."""
    size = len(a)
    return pd.DataFrame({
        "a": np.asarray(a, np.int32), "b": np.asarray(b, np.int32),
        "score": np.broadcast_to(np.asarray(score, float), size),  # exported: as worked out
        "days_apart": np.broadcast_to(np.asarray(days_apart, np.int32), size),
        "km": np.broadcast_to(np.asarray(km, np.float32), size),
        "level": np.broadcast_to(np.asarray(level, np.int8), size),
        "same_day": np.broadcast_to(np.asarray(same_day, bool), size),
        "same_area": _category(same_area, size), "shared": _category(shared, size),
        "kind": _category(kind, size),
    })


def _category(value: pd.Categorical | str, size: int) -> pd.Categorical:
    """``value`` itself, or one text for every row as a category."""
    if isinstance(value, pd.Categorical):
        return value
    return pd.Categorical.from_codes(np.zeros(size, np.int8), categories=pd.Index([value], dtype=object))


def described(links: pd.DataFrame) -> pd.DataFrame:
    """``links`` with ``why``, their reasons in words ("same day; 3 km apart; shared actor:
    Hezbollah"), made for the few links shown, not kept for every link."""
    return links.assign(why=_why(links))


# -- finding them ---------------------------------------------------------------------------------

@dataclass
class _Events:
    """The columns the matcher reads, as arrays."""

    dataset: np.ndarray
    start: np.ndarray
    end: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    radius: np.ndarray
    level: np.ndarray  # 0 a point, 1 a governorate-level place, 2 a country-level one, 3 none
    area: np.ndarray  # the governorate's code (-1 none)
    country: np.ndarray  # the country's code (-1 none)
    areas: np.ndarray  # governorate names by code
    countries: np.ndarray
    exact_day: np.ndarray  # a day-precision event of one day


def _columns(store: EventStore) -> _Events:
    events = store.events
    lat, lon = events["lat"].to_numpy(dtype=float), events["lon"].to_numpy(dtype=float)
    radius = pd.to_numeric(events["uncertainty_km"], errors="coerce").fillna(0).to_numpy(float)
    placed = np.isfinite(lat) & np.isfinite(lon)
    level = np.where(radius <= AREA_KM, 0, np.where(radius <= POINT_MAX_KM, 1, 2))
    level = np.where(placed, level, 3)
    area, areas = governorate_codes(lat, lon)  # code 0: "" (outside Syria, or no place): no area
    area = np.where(area == 0, -1, area)
    names = events["country"].astype("string").fillna("").str.strip().str.casefold()
    country, countries = pd.factorize(names)
    country = np.where(np.asarray(countries, dtype=object)[country] == "", -1, country) \
        if len(countries) else country
    dataset = dataset_codes(events)
    start, end = store.start_days.astype(np.int64), store.end_days.astype(np.int64)
    exact_day = (events["date_precision"].astype("string").fillna("day") == "day").to_numpy() & \
        (start == end)
    return _Events(dataset, start, end, lat, lon, radius, level,
                   np.asarray(area, np.int64), np.asarray(country, np.int64),
                   np.asarray(areas, dtype=object), np.asarray(countries, dtype=object), exact_day)


def dataset_codes(events: pd.DataFrame) -> np.ndarray:
    """Each row's dataset as a small integer (the category's code)."""
    column = events[DATASET]
    codes = column.cat.codes.to_numpy() if isinstance(column.dtype, pd.CategoricalDtype) \
        else pd.factorize(column)[0]
    return np.asarray(codes, dtype=np.int64)


def _windows(keys: np.ndarray, lo: np.ndarray,
             hi: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(query, position in keys) for every key in [lo, hi] of each query (keys sorted), in batches
    of about ``BATCH`` pairs, so that a crowded cell does not gather its pairs all at once."""
    first = np.searchsorted(keys, lo, "left")
    sizes = np.maximum(np.searchsorted(keys, hi, "right") - first, 0)
    ends = np.cumsum(sizes)
    done = 0
    while done < len(sizes):
        before = int(ends[done - 1]) if done else 0
        stop = max(int(np.searchsorted(ends, before + BATCH, "right")), done + 1)
        part = sizes[done:stop]
        total = int(ends[stop - 1]) - before
        if total:
            query = np.repeat(np.arange(done, stop), part)
            offset = np.arange(total) - np.repeat(np.cumsum(part) - part, part)
            yield query, np.repeat(first[done:stop], part) + offset
        done = stop


def _candidates(ev: _Events, rules: LinkRules, actors: _Actors,
                types: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (a, b), a < b, in that order, of events of different datasets that may meet in time
    and place and share an actor or a side, with their scores (worked out as they are found, from
    the distances and actors the search has already measured).

    Each pair of datasets is searched on its own: the smaller one's events look into an index of
    the other's, so that a large dataset's events never meet each other on the way."""
    tol = int(rules.tolerance_days)
    reach = 2 * AREA_KM + rules.distance_km  # the farthest two point events may be apart
    span = ev.end - ev.start + 1
    level = np.where(span <= LONGEST_DAYS, ev.level, 3)  # too long a period: linked to nothing
    points = level == 0
    widest = float(np.abs(ev.lat[points]).max()) if points.any() else 0.0
    cell = reach / (111.32 * max(np.cos(np.radians(min(widest, 80.0))), 0.17))  # degrees
    gx = np.floor(np.nan_to_num(ev.lon) / cell).astype(np.int64)
    gy = np.floor(np.nan_to_num(ev.lat) / cell).astype(np.int64)
    base = int(ev.start.min()) - 1 if len(ev.start) else 0
    day_room = int(ev.end.max() - base + 2 * tol + LONGEST_DAYS + 10) if len(ev.end) else 1

    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    found_score: list[np.ndarray] = []

    def meet(indexed: np.ndarray, key_of: np.ndarray, queries: np.ndarray,
             query_keys: list[np.ndarray], *, by_distance: bool = False) -> None:
        """Pairs of ``queries`` (each looking under its keys, one list per neighbour) with the
        events ``indexed`` (keyed by ``key_of`` and start) whose widened periods overlap. Pairs
        of points are kept only within reach of each other (``by_distance``)."""
        previous = 0
        for limit in SPAN_CLASSES:
            group = indexed[(span[indexed] > previous) & (span[indexed] <= limit)]
            previous = limit
            if not len(group) or not len(queries):
                continue
            longest = int(span[group].max())
            keys = key_of[group] * day_room + (ev.start[group] - base)
            order = np.argsort(keys, kind="stable")
            keys, group = keys[order], group[order]
            for cells in query_keys:
                lo = cells * day_room + (ev.start[queries] - base - tol - longest + 1)
                hi = cells * day_room + (ev.end[queries] - base + tol)
                for qi, at in _windows(keys, lo, hi):
                    a, b = queries[qi], group[at]
                    keep = (ev.start[b] <= ev.end[a] + tol) & (ev.end[b] >= ev.start[a] - tol)
                    a, b = a[keep], b[keep]
                    km = np.zeros(len(a))  # only pairs of points are scored by their distance
                    if by_distance:
                        limit = ev.radius[a] + ev.radius[b] + rules.distance_km
                        # Their north-south distance alone is never more than the great circle's:
                        # pairs too far apart by it are dropped before the trigonometry.
                        lat_a, lat_b = ev.lat[a], ev.lat[b]
                        close = np.abs(lat_a - lat_b) * KM_PER_LATITUDE_DEGREE <= limit + 1e-6
                        a, b, limit = a[close], b[close], limit[close]
                        km = _km(lat_a[close], ev.lon[a], lat_b[close], ev.lon[b])
                        near = km <= limit
                        a, b, km = a[near], b[near], km[near]
                    shared, side = actors.overlap(a, b)
                    acting = (shared >= 0) | (side >= 0)
                    a, b = a[acting], b[acting]
                    found_a.append(np.minimum(a, b))
                    found_b.append(np.maximum(a, b))
                    found_score.append(_measure(ev, actors, types, rules, a, b, km=km[acting],
                                                shared_side=(shared[acting], side[acting])).score)

    width = int(gx.max() - gx.min() + 3) if len(gx) else 1
    grid = (gy - (gy.min() if len(gy) else 0) + 1) * width + (gx - (gx.min() if len(gx) else 0) + 1)
    areas = (level == 1) & (ev.area >= 0)  # governorate-level, inside a governorate
    placed = (level <= 1) & (ev.area >= 0)
    vague = ((level == 2) | ((level == 1) & (ev.area < 0))) & (ev.country >= 0)
    known = (level <= 2) & (ev.country >= 0)
    codes = np.unique(ev.dataset)
    for i, first in enumerate(codes):
        for second in codes[i + 1:]:
            one, other = ev.dataset == first, ev.dataset == second
            if one.sum() > other.sum():
                one, other = other, one
            # Points with points, by grid cell (a square and its eight neighbours).
            mine, theirs = np.flatnonzero(points & one), np.flatnonzero(points & other)
            meet(theirs, grid, mine, [grid[mine] + dy * width + dx for dy in (-1, 0, 1)
                                      for dx in (-1, 0, 1)], by_distance=True)
            # Anything placed, with a governorate-level event of its governorate (either way
            # round); then anything with a country, with a country-level event of that country.
            # Governorate-level events outside every governorate are matched by their country.
            for index, look, key in ((areas, placed, ev.area), (vague, known, ev.country)):
                for left, right in ((one, other), (other, one)):
                    asking = np.flatnonzero(look & left)
                    meet(np.flatnonzero(index & right), key, asking, [key[asking]])
    if not found_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    size = max(len(ev.start), 1)
    # Each pair and its score (0.001 steps) as one integer, sorted in place into (a, b) order with
    # each pair once (a pair found twice has one score); np.unique's hashing took ten times as
    # long at 17M pairs, and an argsort with its copies 400 MB more.
    packed = (np.concatenate(found_a) * size + np.concatenate(found_b)) * SCORE_STEPS
    packed += np.rint(np.concatenate(found_score) * 1000).astype(np.int64)
    found_a.clear()
    found_b.clear()
    found_score.clear()
    packed.sort()
    pairs = packed // SCORE_STEPS
    first = np.r_[True, pairs[1:] != pairs[:-1]] if len(pairs) else np.zeros(0, bool)
    pairs, scores = pairs[first], (packed[first] % SCORE_STEPS) / 1000
    return pairs // size, pairs % size, scores


SCORE_STEPS = 1024  # room for a score in thousandths (0 to 1000) beside a pair's number

EARTH_KM = 6371.0088
KM_PER_LATITUDE_DEGREE = EARTH_KM * np.pi / 180  # along a meridian, on the sphere _km measures on


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (haversine)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return EARTH_KM * 2 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


class _Actors:
    """Which actors and sides two events share, for many pairs at once (built once per store)."""

    def __init__(self, store: EventStore) -> None:
        size = len(store)
        link_row, link_actor = store.links()  # rows ascending
        rows = link_row.astype(np.int64)
        self.actors = link_actor.astype(np.int64)
        self.degree = np.bincount(rows, minlength=size)
        self.first = np.concatenate(([0], np.cumsum(self.degree)[:-1]))
        self.many = max(len(store.actor_names), 1)
        self.known = np.sort(rows * self.many + self.actors)
        # Sides as bits: one per coalition (leaving "unaffiliated" out, which joins nobody).
        book = store.actors
        sides = [book.coalition_of(str(name)) for name in store.actor_names]
        self.sides = sorted({s for s in sides if s and s != NO_COALITION})[:62]
        bit = {name: 1 << i for i, name in enumerate(self.sides)}
        actor_bits = np.array([bit.get(s, 0) for s in sides], dtype=np.int64)
        self.row_bits = np.zeros(size, np.int64)
        if len(self.actors):
            np.bitwise_or.at(self.row_bits, rows, actor_bits[self.actors])

    def overlap(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each pair: a shared actor's code (-1 none) and a shared side's code (-1 none)."""
        shared = np.full(len(a), -1, np.int64)
        for lo in range(0, len(a), BATCH // 4):  # a pair unfolds into one row per actor of a
            part_a, part_b = a[lo:lo + BATCH // 4], b[lo:lo + BATCH // 4]
            per = self.degree[part_a]
            pair = np.repeat(np.arange(len(part_a)), per)
            offset = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
            actor = self.actors[np.repeat(self.first[part_a], per) + offset]
            key = part_b[pair] * self.many + actor
            at = np.minimum(np.searchsorted(self.known, key), max(len(self.known) - 1, 0))
            hit = self.known[at] == key if len(self.known) else np.zeros(len(key), bool)
            found = np.full(len(part_a), -1, np.int64)
            found[pair[hit][::-1]] = actor[hit][::-1]  # the first shared actor of each pair
            shared[lo:lo + len(part_a)] = found
        common = self.row_bits[a] & self.row_bits[b]
        side = np.full(len(a), -1, np.int64)
        for i, _ in enumerate(self.sides):
            side[(side < 0) & ((common >> i) & 1 == 1)] = i
        return shared, side


def find_links(store: EventStore, rules: LinkRules = LinkRules()) -> Links:
    """The candidate links between the store's datasets, and its competing claims."""
    several = sum(1 for _, count in store.dataset_sizes if count) > 1  # counted once per store
    parts = [p for p in (_possible(store, rules) if several else _empty(), _disputes(store)) if len(p)]
    frame = stacked(parts) if parts else _empty()
    frame = frame.sort_values(["a", "score", "b"], ascending=[True, False, True], kind="stable")
    return Links(frame.reset_index(drop=True)[list(LINK_COLUMNS)])


@dataclass
class _Measured:
    """What is known of each candidate pair: how far apart, which place or actor they share, how
    well they match (``score``), and whether they pass the place and actor rules (``ok``)."""

    km: np.ndarray
    both_points: np.ndarray
    same_area: np.ndarray
    shared: np.ndarray
    side: np.ndarray
    gap: np.ndarray
    same_day: np.ndarray
    score: np.ndarray
    ok: np.ndarray


def _measure(ev: _Events, actors: _Actors, types: np.ndarray, rules: LinkRules,
             a: np.ndarray, b: np.ndarray, *, km: np.ndarray | None = None,
             shared_side: tuple[np.ndarray, np.ndarray] | None = None) -> _Measured:
    """What is known of the pairs (a, b); ``km`` and ``shared_side`` when already worked out
    (``km`` need only be right for pairs of points)."""
    km = _km(ev.lat[a], ev.lon[a], ev.lat[b], ev.lon[b]) if km is None else km
    both_points = (ev.level[a] == 0) & (ev.level[b] == 0)
    reach = ev.radius[a] + ev.radius[b] + rules.distance_km
    same_area = (ev.area[a] >= 0) & (ev.area[a] == ev.area[b]) & ((ev.level[a] == 1) | (ev.level[b] == 1))
    vague = lambda x: (ev.level[x] == 2) | ((ev.level[x] == 1) & (ev.area[x] < 0))  # noqa: E731
    same_country = (ev.country[a] >= 0) & (ev.country[a] == ev.country[b]) & (vague(a) | vague(b))
    shared, side = actors.overlap(a, b) if shared_side is None else shared_side
    ok = np.where(both_points, km <= reach, same_area | same_country) & ((shared >= 0) | (side >= 0))
    gap = np.maximum(np.maximum(ev.start[a] - ev.end[b], ev.start[b] - ev.end[a]), 0)
    same_day = ev.exact_day[a] & ev.exact_day[b] & (ev.start[a] == ev.start[b])
    tol = max(rules.tolerance_days, 0)
    timing = np.where(same_day, 1.0, np.where(gap == 0, 0.7, 0.5 * (1 - gap / (tol + 1))))
    placing = np.where(both_points, 0.3 + 0.7 * np.clip(1 - km / np.maximum(reach, 1.0), 0, 1),
                       np.where(same_area, 0.4, 0.0))
    acting = np.where(shared >= 0, 1.0, 0.5)
    score = np.clip(0.4 * timing + 0.35 * placing + 0.25 * acting
                    + 0.05 * (types[a] == types[b]), 0, 1).round(3)
    return _Measured(km, both_points, same_area, shared, side, gap, same_day, score, ok)


def _possible(store: EventStore, rules: LinkRules) -> pd.DataFrame:
    if len(store) < 2:
        return _empty()
    ev = _columns(store)
    actors = _Actors(store)
    types = _type_codes(store.events["event_type"])
    # Only the scores are kept from the search: the rest is measured again for the pairs kept.
    a, b, scores = _candidates(ev, rules, actors, types)
    if not len(a):
        return _empty()
    kept = _best(pd.DataFrame({"a": a, "b": b, "score": scores}), ev.dataset, rules.best)
    a, b = a[kept], b[kept]
    m = _measure(ev, actors, types, rules, a, b)
    # Places and what is shared as codes into short lists of names: a million links hold no text.
    level = np.where(m.both_points, 0, np.where(m.same_area, 1, 2))
    places = np.concatenate([[""], ev.areas, [str(c).title() for c in ev.countries]]).astype(object)
    place = np.where(level == 0, 0, np.where(level == 1, 1 + np.maximum(ev.area[a], 0),
                                             1 + len(ev.areas) + np.maximum(ev.country[a], 0)))
    said = [f"shared actor: {n}" for n in store.actor_names] + [f"same side: {s}" for s in actors.sides]
    shared = np.where(m.shared >= 0, m.shared, len(store.actor_names) + np.maximum(m.side, 0))
    frame = _link_frame(
        a, b, score=m.score, days_apart=m.gap, km=np.where(m.both_points, m.km.round(1), np.nan),
        level=level, same_day=m.same_day, kind=POSSIBLE,
        same_area=_coded(place, places), shared=_coded(shared, np.asarray(said, dtype=object)))
    return _both_ways(frame)


def _coded(codes: np.ndarray, names: np.ndarray) -> pd.Categorical:
    """A categorical of ``names[codes]`` made from the codes (no string per row is touched)."""
    ids, distinct = pd.factorize(pd.Series(names, dtype=object))
    return pd.Categorical.from_codes(np.asarray(ids)[codes], categories=pd.Index(distinct, dtype=object))


def _type_codes(kinds: pd.Series) -> np.ndarray:
    """A code per event type, a missing type the same as a blank one (the category's own codes:
    no string per event is looked at)."""
    if not isinstance(kinds.dtype, pd.CategoricalDtype):
        return pd.factorize(kinds.astype("string").fillna(""))[0]
    codes = kinds.cat.codes.to_numpy()
    names = kinds.cat.categories
    blank = int(np.flatnonzero(names == "")[0]) if "" in names else len(names)
    return np.where(codes < 0, blank, codes)


def _why(frame: pd.DataFrame) -> list[str]:
    """The reasons in words: "same day; 3 km apart; shared actor: Hezbollah"."""
    texts = []
    rows = zip(frame["days_apart"].tolist(), frame["km"].tolist(), frame["same_area"].astype(str).tolist(),
               frame["shared"].astype(str).tolist(), frame["same_day"].tolist(), frame["level"].tolist(),
               strict=True)
    for gap, km, area, shared, day, kind in rows:
        if kind < 0:  # competing claims: what they dispute is the reason
            texts.append(shared)
            continue
        when = "same day" if day else "overlapping dates" if gap == 0 else \
            f"{gap} day{'s' if gap != 1 else ''} apart"
        if kind == 0:
            where = "under 1 km apart" if km < 1 else f"{km:.0f} km apart"
        else:
            where = f"same {'governorate' if kind == 1 else 'country'} ({area or '?'})"
        texts.append(f"{when}; {where}; {shared}")
    return texts


def _best(frame: pd.DataFrame, dataset: np.ndarray, best: int) -> np.ndarray:
    """Positions of the pairs (a, b, score) each among the other's ``best`` candidates in its
    dataset, best first (ties in the pairs' order): one vague record (a year's events in a
    country) would otherwise collect every record of that year."""
    if best <= 0 or not len(frame):
        return np.zeros(0, np.int64)
    a, b = frame["a"].to_numpy(np.int64), frame["b"].to_numpy(np.int64)
    worse = 1000 - np.rint(frame["score"].to_numpy(float) * 1000).astype(np.int64)  # 0 is best
    keep = np.ones(len(a), bool)
    groups = int(dataset.max()) + 1
    for mine, theirs in ((a, b), (b, a)):
        key = (mine * groups + dataset[theirs]) * 1001 + worse
        order = np.argsort(key, kind="stable")  # by event and dataset, best first within each
        group = key[order] // 1001
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        keep[order[rank >= best]] = False
    kept = np.flatnonzero(keep)
    return kept[np.argsort(worse[kept], kind="stable")]


def _both_ways(frame: pd.DataFrame) -> pd.DataFrame:
    back = frame.rename(columns={"a": "b", "b": "a"})
    return pd.concat([frame, back[frame.columns]], ignore_index=True)


def _disputes(store: EventStore) -> pd.DataFrame:
    """Rows of one dataset sharing a dispute slug: competing claims, shown side by side. The
    slugs are read per distinct text (the column's categories): each session asks, and turning
    ten million rows into strings cost 0.8 s."""
    column = store.events["dispute"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        names = pd.Series(column.cat.categories).astype("string").fillna("").str.strip().to_numpy(object)
        named = np.append(names != "", False)  # a missing slug (code -1) names nothing
        rows = np.flatnonzero(named[codes])
        slugs = names[codes[rows]]
    else:
        slug = column.astype("string").fillna("").str.strip()
        rows = np.flatnonzero((slug != "").to_numpy())
        slugs = slug.to_numpy()[rows]
    if not len(rows):
        return _empty()
    claims = pd.DataFrame({"row": rows, "slug": slugs,
                           "dataset": store.events[DATASET].astype(str).to_numpy()[rows]})
    pairs = claims.merge(claims, on=["dataset", "slug"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["row_a"] != pairs["row_b"]]
    if pairs.empty:
        return _empty()
    return _link_frame(pairs["row_a"].to_numpy(), pairs["row_b"].to_numpy(), score=1.0, days_apart=0,
                       km=np.nan, level=-1, same_day=False, same_area="", kind=DISPUTE,
                       shared=_coded(np.arange(len(pairs)),
                                     ("same dispute: " + pairs["slug"].astype(str)).to_numpy(dtype=object)))


# -- reading them ---------------------------------------------------------------------------------

def differences(store: EventStore, a: int, b: int) -> list[tuple[str, str, str]]:
    """(field, a's value, b's value) for what two linked records say differently, in words."""
    first, second = store.events.iloc[a].to_dict(), store.events.iloc[b].to_dict()

    def toll(event: dict, column: str) -> str:
        value = event.get(column)
        return "not given" if value is None or pd.isna(value) else f"{int(value):,}"

    fields = [
        ("Dataset", lambda e: str(e.get(DATASET) or "")),
        ("Date", lambda e: date_label(e["start"], e["end"], e["date_precision"])),
        ("Place", lambda e: place_label(e)),
        ("Type", lambda e: str(e.get("event_type") or "")),
        ("Actors", lambda e: shown_actors(str(e.get("actors") or ""))),
        ("Fatalities", lambda e: toll(e, "fatalities")),
        ("Source", lambda e: str(e.get("source") or "")),
    ]
    found = []
    for label, read in fields:
        left, right = read(first), read(second)
        if left != right:
            found.append((label, left, right))
    return found


def annotate(store: EventStore, links: Links) -> None:
    """Write what the links say onto the store's own rows, for the filter, markers and exports:
    ``recorded_in`` (1 + other datasets with a possible match), ``linked_ids`` ("dataset:id" of
    each candidate, best first, ";"-joined) and ``link_scores``. The store's engines are dropped,
    so that the next question sees the new columns."""
    events = store.events
    column = events[DATASET]
    events["recorded_in"] = links.recorded_in(dataset_codes(events))
    found = links.frame[links.frame["kind"] == POSSIBLE]
    ids = np.full(len(store), "", dtype=object)
    scores = np.full(len(store), "", dtype=object)
    if len(found):
        names = column.astype(str).to_numpy(dtype=object)
        own = events["id"].astype(str).to_numpy(dtype=object)
        a, b = found["a"].to_numpy(), found["b"].to_numpy()  # in order of a, best first
        listed = (names[b] + ":" + own[b]).tolist()
        said = [f"{x:.2f}" for x in found["score"].tolist()]
        starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
        ends = np.r_[starts[1:], len(a)].tolist()
        ids[a[starts]] = [";".join(listed[i:j]) for i, j in zip(starts.tolist(), ends, strict=True)]
        scores[a[starts]] = [";".join(said[i:j]) for i, j in zip(starts.tolist(), ends, strict=True)]
    events["linked_ids"] = ids
    events["link_scores"] = scores
    store.engines.clear()


def record_decisions(store: EventStore, decided: list[dict], links: Links) -> None:
    """The user's verdicts on candidate links, written onto both records' rows (``decisions``:
    "same event as ucdp.csv:171017 (Ana, 2026-12-02T10:00:00Z)"), for the exports; and counted in
    ``recorded_in``: a pair marked different no longer corroborates, one marked same does. The
    store's engines are dropped, so that the "Recorded in" filter sees the verdicts."""
    events = store.events
    text = np.full(len(store), "", dtype=object)
    pairs: dict[str, list[tuple[int, int]]] = {"same event": [], "different event": []}
    if decided:
        # Only the rows the verdicts name are looked up: a click must not walk a million rows.
        named = {str(item[f"{side}id"]) for item in decided for side in ("", "other_")}
        hits = np.flatnonzero(events["id"].astype(str).isin(named).to_numpy())
        where = {(str(d), str(i)): int(n) for n, d, i in
                 zip(hits, events[DATASET].to_numpy()[hits], events["id"].to_numpy()[hits], strict=True)}
        for item in decided:
            rows = [where.get((item[f"{side}dataset"], item[f"{side}id"])) for side in ("", "other_")]
            for row, theirs in zip(rows, ("other_", ""), strict=True):
                if row is None:
                    continue
                said = (f"{item['decision']} as {item[f'{theirs}dataset']}:{item[f'{theirs}id']} "
                        f"({item['who']}, {item['when']})")
                text[row] = f"{text[row]}; {said}" if text[row] else said
            first, second = rows
            if first is not None and second is not None and item["decision"] in pairs:
                pairs[item["decision"]].append((first, second))
    events["decisions"] = text

    def as_array(found: list[tuple[int, int]]) -> np.ndarray:
        return np.array(found, dtype=np.int64).reshape(-1, 2)

    events["recorded_in"] = links.recorded_in(dataset_codes(events), same=as_array(pairs["same event"]),
                                              different=as_array(pairs["different event"]))
    store.engines.clear()
