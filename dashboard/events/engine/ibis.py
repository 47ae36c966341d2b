"""The Ibis engine: the same questions as the numpy path, written once as Ibis expressions over
the stored table (``engine.table``), so that any backend Ibis compiles to can answer them.

DuckDB, embedded in this process, is the one ``ATLAS_ENGINE=duckdb`` uses; a server engine
(PostgreSQL, Spark, ...) takes the same code with its own connection (``IbisEngine.over``), or
over tables already there (events published with ``dashboard.ingest.published``). What the
query means stays in one place: the actor names a selection stands for (sub-units, sides) and the
words a search looks for (aliases of places and actors) are asked of ``dashboard.events.query``
and handed to the engine as literals.

Known difference: case-insensitive search here lowers both sides with the backend's ``lower``,
where pandas folds case with Arrow's matcher; they agree on the scripts our data uses (Latin with
accents, Arabic, Persian), and may not on rare letters such as the dotted capital I.
"""

from __future__ import annotations

import functools
import threading
import uuid
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from ibis import _

from dashboard.events.engine.base import TIMELINE_COLUMNS, Engine, Selection, sorted_regions
from dashboard.events.engine.table import event_table, link_table
from dashboard.events.engine.url import EngineError, EngineUrl, first_line
from dashboard.events.query import RECORDED, Query, actor_names, search_terms
from dashboard.events.store import EventStore
from dashboard.events.timeline import counts_over_time


def _day(stamp: pd.Timestamp) -> int:
    return int(np.datetime64(stamp.date(), "D").astype(np.int32))


class IbisSelection(Selection):
    """A filtered table expression; each question compiles to one query on the backend."""

    def __init__(self, engine: IbisEngine, query: Query) -> None:
        self._engine, self._query = engine, query

    @functools.cached_property
    def _table(self) -> ir.Table:
        return self._engine.filtered(self._query)

    def rows(self) -> np.ndarray:
        table = self._engine.run(self._table.select("row").order_by("row"))
        return table.column("row").to_numpy().astype(np.int64)

    def count(self) -> int:
        return int(self._engine.run(self._table.count()))

    def timeline(self) -> pd.DataFrame:
        table = self._table
        grouped = (table.filter(table.period.notnull(), table.event_type.notnull())
                   .group_by(["period", "event_type"]).aggregate(events=_.count()))
        found = self._engine.run(grouped).to_pandas()
        store = self._engine.store
        if found.empty:
            return counts_over_time(store.events.iloc[:0], freq=store.facets.freq)
        found = found.sort_values(["period", "event_type"], kind="stable").reset_index(drop=True)
        return pd.DataFrame({
            "period": found["period"].to_numpy().astype(store.facets.periods.dtype),
            "event_type": found["event_type"].to_numpy(dtype=object),
            "events": found["events"].to_numpy(dtype=np.int64),
        })[list(TIMELINE_COLUMNS)]

    def region_counts(self) -> dict[str, int]:
        table = self._table
        grouped = (table.filter(table.governorate != "")
                   .group_by("governorate").aggregate(events=_.count()))
        found = self._engine.run(grouped).to_pydict()
        return sorted_regions(dict(zip(found["governorate"], found["events"], strict=True)))

    def first(self, limit: int) -> pd.DataFrame:
        found = self._engine.run(self._table.order_by("row").limit(limit).select("row", "id"))
        return pd.DataFrame({"row": found.column("row").to_numpy().astype(np.int64),
                             "id": np.asarray(found.column("id").to_pylist(), dtype=object)})


class IbisEngine(Engine):
    """One store's events as two tables on an Ibis backend, and the questions as expressions."""

    def __init__(self, store: EventStore, backend: Any, *, events: str, links: str, name: str,
                 source: EngineUrl | None = None) -> None:
        self.store, self.name = store, name
        # Where the tables live when a URL named them: a failed question is then reported as an
        # EngineError naming the server (never its password), which the app shows as a message.
        self.source = source
        self._backend = backend
        self._events = backend.table(events)
        self._links = backend.table(links)
        # One connection shared by the app's sessions (threads): one question at a time on it.
        self._lock = threading.Lock()

    @classmethod
    def over(cls, store: EventStore, backend: Any, *, name: str) -> IbisEngine:
        """Upload the store's table and links to ``backend`` (temporary tables, named uniquely so
        that several stores can share one connection) and answer over them. Spark has no
        temporary tables (Ibis refuses ``temp=True`` there): the data goes in as temporary views,
        which live as long as the Spark session, as temporary tables live with a connection."""
        stem = f"atlas_{uuid.uuid4().hex[:12]}"
        for suffix, data in (("events", event_table(store)), ("links", link_table(store))):
            try:
                backend.create_table(f"{stem}_{suffix}", data, temp=True)
            except NotImplementedError:  # Spark: no temporary tables; its views are the session's
                backend.create_view(f"{stem}_{suffix}", ibis.memtable(data))
        return cls(store, backend, events=f"{stem}_events", links=f"{stem}_links", name=name)

    @classmethod
    def duckdb(cls, store: EventStore) -> IbisEngine:
        """An in-memory DuckDB of this process, holding the store's table."""
        return cls.over(store, ibis.duckdb.connect(), name="duckdb")

    def select(self, query: Query) -> Selection:
        return IbisSelection(self, query)

    def run(self, expr: ir.Expr) -> Any:
        """The expression's result: a pyarrow table, or a Python scalar for a scalar."""
        with self._lock:
            try:
                if isinstance(expr, ir.Scalar):
                    return expr.to_pyarrow().as_py()
                return expr.to_pyarrow()
            except Exception as error:  # each driver raises its own types
                if self.source is None:
                    raise
                raise EngineError(f"{self.source.label} did not answer: "
                                  f"{self.source.hide(first_line(error))}") from None

    def filtered(self, query: Query) -> ir.Table:
        """The events table with the query's filter: ``query.select``'s rules, as expressions."""
        table = self._events
        where: list[ir.BooleanValue] = []
        if query.start is not None:
            where.append(table.end_day >= _day(query.start))
        if query.end is not None:
            where.append(table.start_day <= _day(query.end))
        if query.bbox is not None:
            south, west, north, east = query.bbox
            where += [table.lat >= south, table.lat <= north, table.lon >= west, table.lon <= east]
        if query.actors:
            names = sorted(actor_names(self.store, query))
            links = self._links
            where.append(table.row.isin(links.filter(links.actor.isin(names)).row) if names
                         else ibis.literal(False))
        if query.event_types:
            where.append(table.event_type.isin(list(query.event_types)))
        if query.recorded in RECORDED:
            where.append(table.recorded_in > 1 if query.recorded == "corroborated"
                         else table.recorded_in <= 1)
        if query.text.strip():
            hits = [table[column].lower().contains(ibis.literal(needle).lower()).fill_null(False)
                    for column, needles in search_terms(self.store, query.text.strip()).items()
                    for needle in needles]
            where.append(functools.reduce(lambda left, right: left | right, hits))
        return table.filter(*where) if where else table
