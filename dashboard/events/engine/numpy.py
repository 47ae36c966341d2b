"""The in-memory engine: ``query.select``'s mask over the store's numpy indexes, counted with the
facet codes built at load. The default, and the reference the other engines are tested against."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from dashboard.events.engine.base import Engine, Selection
from dashboard.events.facets import region_counts, timeline
from dashboard.events.query import Query, select
from dashboard.events.store import EventStore


class NumpySelection(Selection):
    """A query's mask, worked out once on the first question."""

    def __init__(self, store: EventStore, query: Query) -> None:
        self._store, self._query = store, query

    @functools.cached_property
    def _mask(self) -> np.ndarray:
        return select(self._store, self._query)

    def mask(self, size: int) -> np.ndarray:
        if size != len(self._store):
            raise ValueError(f"a mask over {size} rows asked of a store of {len(self._store)}")
        return self._mask

    def rows(self) -> np.ndarray:
        return np.flatnonzero(self._mask).astype(np.int64)

    def count(self) -> int:
        return int(self._mask.sum())

    def timeline(self) -> pd.DataFrame:
        return timeline(self._store.facets, self._mask, self._store.events)

    def region_counts(self) -> dict[str, int]:
        return region_counts(self._store.facets, self._mask)

    def first(self, limit: int) -> pd.DataFrame:
        rows = np.flatnonzero(self._mask)[:limit].astype(np.int64)
        ids = self._store.events["id"].to_numpy(dtype=object)[rows]
        return pd.DataFrame({"row": rows, "id": ids})


class NumpyEngine(Engine):
    """Answers from the store in this process's memory."""

    name = "numpy"

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def select(self, query: Query) -> Selection:
        return NumpySelection(self._store, query)
