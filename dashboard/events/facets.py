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


def build_facets(events: pd.DataFrame, regions: tuple[np.ndarray, np.ndarray]) -> Facets:
    """Codes for a canonical event frame and its governorates (a code per event and the names)."""
    if events.empty:
        return Facets()
    start = events["start"]
    freq = bin_size(start.min(), events["end"].max())
    # Periods of the distinct days only: a few thousand instead of a million conversions.
    day_code, days = pd.factorize(start)
    day_periods = pd.Series(days).dt.to_period(PERIODS[freq]).dt.start_time
    period_of_day, periods = pd.factorize(day_periods, sort=True)
    period_code = np.where(day_code >= 0, period_of_day[day_code], -1)
    type_code, types = pd.factorize(events["event_type"], sort=True)
    region_code, names = regions
    return Facets(freq, narrow(period_code, len(periods)), pd.Series(periods),
                  narrow(type_code, len(types)), np.asarray(types, dtype=object),
                  narrow(region_code, len(names)), np.asarray(names, dtype=object))


def region_counts(facets: Facets, mask: np.ndarray) -> dict[str, int]:
    """Selected events per governorate, most first (events outside every governorate left out)."""
    codes = facets.region_code[mask]
    counts = np.bincount(codes[codes >= 0], minlength=len(facets.regions))
    order = np.argsort(-counts, kind="stable")
    return {str(facets.regions[i]): int(counts[i]) for i in order
            if counts[i] and facets.regions[i]}


def timeline(facets: Facets, mask: np.ndarray, events: pd.DataFrame) -> pd.DataFrame:
    """What ``counts_over_time(events[mask], freq=facets.freq)`` gives, by counting codes.

    ``events`` is only used for the shape of an empty result.
    """
    width = len(facets.types)
    keep = mask & (facets.period_code >= 0) & (facets.type_code >= 0)
    if not keep.any():
        return counts_over_time(events.iloc[:0], freq=facets.freq)
    keys = facets.period_code[keep].astype(np.int64) * width + facets.type_code[keep]
    counts = np.bincount(keys, minlength=len(facets.periods) * width)
    found = np.flatnonzero(counts)
    return pd.DataFrame({
        "period": facets.periods.to_numpy()[found // width],
        "event_type": facets.types[found % width],
        "events": counts[found].astype(np.int64),
    })
