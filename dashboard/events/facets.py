"""Integer codes for the per-view summaries (events per governorate, per period and type).

Counting strings or converting a million dates to periods on every slider move cost a quarter of
a second; with codes built once per load, each summary is one ``np.bincount`` over the filter's
mask. The results are the same as counting the selected rows directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.events.timeline import PERIODS, bin_size, counts_over_time
from dashboard.model.rows import blocks, tally

_DAY_NS = 86_400_000_000_000


def _empty_codes() -> np.ndarray:
    return np.zeros(0, np.int32)


@dataclass(frozen=True)
class Facets:
    """Per event: the code of its timeline period, event type and governorate ("" included)."""

    freq: str = "week"
    period_code: np.ndarray = field(default_factory=_empty_codes)
    periods: pd.Series = field(default_factory=lambda: pd.Series(dtype="datetime64[ns]"))
    type_code: np.ndarray = field(default_factory=_empty_codes)
    types: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    region_code: np.ndarray = field(default_factory=_empty_codes)
    regions: np.ndarray = field(default_factory=lambda: np.zeros(0, object))


def narrow(codes: np.ndarray, count: int) -> np.ndarray:
    """``codes`` (-1 and 0..count-1) in the smallest integer type that holds them: at ten
    million events, int8 instead of int32 spares 30 MB a column."""
    for kind in (np.int8, np.int16):
        if count <= np.iinfo(kind).max:
            return codes.astype(kind)
    return codes.astype(np.int32)


def _period_codes(stamps: np.ndarray, freq: str) -> tuple[np.ndarray, pd.Series]:
    """(the period of each start, -1 where undated; the periods in order). Periods are worked out
    for the distinct days only, found by their offset from the first (no hashing of ten million
    timestamps): a few thousand conversions instead of one per event. The days are taken a block
    at a time, in two passes (which days occur, then each event's period): whole-column
    temporaries cost more in fresh memory than the arithmetic (0.6 s of a start at ten million)."""
    raw = stamps.astype("datetime64[ns]", copy=False).view(np.int64)
    undated = np.iinfo(np.int64).min  # NaT
    latest = int(raw.max()) if len(raw) else undated
    if latest == undated:
        return np.full(len(stamps), -1, np.int64), pd.Series(dtype="datetime64[ns]")
    first = int(np.min(raw, where=raw != undated, initial=latest)) // _DAY_NS
    seen = np.zeros(latest // _DAY_NS - first + 1, bool)
    for part in blocks(len(raw)):
        chunk = raw[part]
        seen[chunk[chunk != undated] // _DAY_NS - first] = True
    distinct = np.flatnonzero(seen)
    day_periods = pd.Series((distinct + first).astype("datetime64[D]").astype("datetime64[ns]"))
    period_of_day, periods = pd.factorize(day_periods.dt.to_period(PERIODS[freq]).dt.start_time,
                                          sort=True)
    # Day offset + 1 -> period, with -1 in front for the undated (whose offset is made -1).
    lookup = np.full(len(seen) + 1, -1, np.int32)
    lookup[distinct + 1] = period_of_day
    codes = np.empty(len(raw), np.int32)
    for part in blocks(len(raw)):
        chunk = raw[part]
        offset = chunk // _DAY_NS - (first - 1)
        offset[chunk == undated] = 0
        codes[part] = lookup[offset]
    return codes, pd.Series(periods)


def build_facets(events: pd.DataFrame, regions: tuple[np.ndarray, np.ndarray]) -> Facets:
    """Codes for a canonical event frame and its governorates (a code per event and the names)."""
    if events.empty:
        return Facets()
    start = events["start"]
    freq = bin_size(start.min(), events["end"].max())
    period_code, periods = _period_codes(start.to_numpy("datetime64[ns]"), freq)
    type_code, types = pd.factorize(events["event_type"], sort=True)
    region_code, names = regions
    return Facets(freq, narrow(period_code, len(periods)), periods,
                  narrow(type_code, len(types)), np.asarray(types, dtype=object),
                  narrow(region_code, len(names)), np.asarray(names, dtype=object))


def region_counts(facets: Facets, mask: np.ndarray) -> dict[str, int]:
    """Selected events per governorate, most first (events outside every governorate left out)."""
    counts = tally(facets.region_code, len(facets.regions), mask)
    order = np.argsort(-counts, kind="stable")
    return {str(facets.regions[i]): int(counts[i]) for i in order
            if counts[i] and facets.regions[i]}


def timeline(facets: Facets, mask: np.ndarray, events: pd.DataFrame) -> pd.DataFrame:
    """What ``counts_over_time(events[mask], freq=facets.freq)`` gives, by counting codes.

    ``events`` is only used for the shape of an empty result.
    """
    width = len(facets.types)
    counts = np.zeros(len(facets.periods) * width, np.int64)
    for part in blocks(len(mask)):  # a few MB of keys at a time
        keep = mask[part] & (facets.period_code[part] >= 0) & (facets.type_code[part] >= 0)
        keys = facets.period_code[part][keep].astype(np.int64) * width + facets.type_code[part][keep]
        counts += np.bincount(keys, minlength=len(counts))
    if not counts.any():
        return counts_over_time(events.iloc[:0], freq=facets.freq)
    found = np.flatnonzero(counts)
    return pd.DataFrame({
        "period": facets.periods.to_numpy()[found // width],
        "event_type": facets.types[found % width],
        "events": counts[found].astype(np.int64),
    })
