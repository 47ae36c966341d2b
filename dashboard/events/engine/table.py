"""The stored layout of a store's events for a query engine: the indexes as columns.

The numpy path keeps its indexes beside the frame (days as integers, actor links, governorates,
the timeline's period of each event); an engine over a table needs them as columns of the table
itself, so that each question is one scan. They are taken from what ``index_store`` worked out
at load, never recomputed, so both paths filter on the very same numbers.

- ``atlas_events``: one row per event: ``row`` (its position in the store, which the loader sorts
  by start date then id: ordering by it is date order), ``id``, ``start_day``/``end_day`` (days
  since 1970 as int32), ``lat``/``lon`` (null where unknown), ``event_type``, ``governorate``
  ("" where none, or placed too vaguely), ``period`` (start of its timeline bin, null when
  undated), and the searched text: ``place``, ``actors``, ``summary``, ``quote``.
- ``atlas_links``: one row per (event, actor): ``row`` and ``actor`` (canonical name).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.events.query import recorded_counts
from dashboard.events.store import EventStore

TEXT_COLUMNS = ("place", "actors", "summary", "quote")  # the columns search_terms looks in


def _strings(column: pd.Series) -> pa.Array:
    return pa.array(column.astype("string"), type=pa.string(), from_pandas=True)


def event_table(store: EventStore) -> pa.Table:
    """One row per event, with the store's own indexes as columns."""
    events, facets = store.events, store.facets
    size = len(store)
    if size and len(facets.period_code):
        periods = facets.periods.to_numpy().astype("datetime64[us]")
        code = facets.period_code
        period = pa.array(np.where(code >= 0, periods[np.maximum(code, 0)], np.datetime64("NaT")),
                          type=pa.timestamp("us"), mask=code < 0)
    else:
        period = pa.nulls(size, type=pa.timestamp("us"))
    columns: dict[str, pa.Array] = {
        "row": pa.array(np.arange(size, dtype=np.int64)),
        "id": _strings(events["id"]),
        "start_day": pa.array(store.start_days.astype(np.int32)),
        "end_day": pa.array(store.end_days.astype(np.int32)),
        "lat": pa.array(events["lat"].to_numpy(dtype=float), from_pandas=True),
        "lon": pa.array(events["lon"].to_numpy(dtype=float), from_pandas=True),
        "event_type": _strings(events["event_type"]),
        "governorate": pa.array(store.governorates.astype(object), type=pa.string()),
        "period": period,
        "recorded_in": pa.array(recorded_counts(events)),
    }
    for name in TEXT_COLUMNS:
        columns[name] = _strings(events[name])
    return pa.table(columns)


def link_table(store: EventStore) -> pa.Table:
    """One row per (event, actor) of the store's actor links."""
    link_row, link_actor = store.links()
    names = store.actor_names.astype(object)[link_actor] if len(link_actor) else np.zeros(0, dtype=object)
    return pa.table({"row": pa.array(link_row.astype(np.int64)),
                     "actor": pa.array(names, type=pa.string())})
