"""Parity: every engine gives the numpy path's answers to the same queries, question by question.

The reference is the numpy path itself (``query.select`` and the facet codes); each engine is held
to it on the bundled data, the five hand-made events of ``conftest`` and a synthetic 20,000-event
ACLED export read through the real loader, over many queries: dates at the edges of month, season
and year spans, actors with and without sub-units, sides (``coalition:...``), aliases, types,
boxes, text (aliases of places and actors, any case, characters SQL treats specially) and random
combinations. PostgreSQL joins when ``ATLAS_TEST_POSTGRES`` holds a connection URL; Apache Spark
in local mode when pyspark (the spark extra) and a Java runtime are installed, and it must then
run (not skip) under ``CI=true`` or ``ATLAS_TEST_SPARK=1`` (``scripts/with-spark.sh`` sets it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pytest

from dashboard.bench.synth import synthetic_events, to_csv_bytes
from dashboard.events.engine import ENGINE_VARIABLE, Engine, engine_for, engine_name
from dashboard.events.facets import region_counts, timeline
from dashboard.events.query import Query, select
from dashboard.events.store import EventStore, index_store
from dashboard.events.view import build_view
from dashboard.ingest.cache import load_cached
from dashboard.ingest.load import load_bundled

from .conftest import SMALL_EVENTS, make_actor_book

POSTGRES_URL = os.environ.get("ATLAS_TEST_POSTGRES", "")
DAY = pd.Timedelta(days=1)
FIRST = 50  # the list's question: the first N events


def _postgres(store: EventStore) -> Engine:
    ibis = pytest.importorskip("ibis")
    pytest.importorskip("psycopg")
    from dashboard.events.engine.ibis import IbisEngine

    return IbisEngine.over(store, ibis.connect(POSTGRES_URL), name="postgres")


def _duckdb(store: EventStore) -> Engine:
    """The DuckDB engine; skipped where the engine extra is not installed (the floors' venv)."""
    pytest.importorskip("ibis")
    pytest.importorskip("duckdb")
    return engine_for(store, name="duckdb")


SPARK_REQUIRED = os.environ.get("CI") == "true" or bool(os.environ.get("ATLAS_TEST_SPARK"))


@pytest.fixture(scope="session")
def spark_backend(tmp_path_factory):
    """One local Spark (2 threads, 2 shuffle partitions, no UI) for the whole run, through Ibis.
    Skipped without pyspark or Java, unless Spark is required here (then that is a failure)."""
    pytest.importorskip("ibis")  # the floors' venv has no engine at all
    missing = [what for what, absent in (
        ("pyspark (pip install -e '.[spark]')", not _importable("pyspark")),
        ("a Java runtime (Debian: default-jre-headless)",
         not (shutil.which("java") or os.environ.get("JAVA_HOME")))) if absent]
    if missing:
        message = f"Spark needs {' and '.join(missing)}"
        if SPARK_REQUIRED:
            pytest.fail(f"{message}; CI=true or ATLAS_TEST_SPARK requires the Spark cases to run")
        pytest.skip(message)
    import ibis
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("atlas-test-engine")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               # toPandas through Arrow (4x faster here); no adaptive planning for tiny queries
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.sql.adaptive.enabled", "false")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(session)
    session.stop()


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _spark(backend, store: EventStore) -> Engine:
    """The store's tables uploaded once per store (each upload is a Spark job or two)."""
    from dashboard.events.engine.ibis import IbisEngine

    found = store.engines.get("spark-test")
    if not isinstance(found, Engine):
        found = store.engines["spark-test"] = IbisEngine.over(store, backend, name="spark")
    return found


ENGINES: dict[str, Callable[[EventStore], Engine]] = {
    "numpy": lambda store: engine_for(store, name="numpy"),
    "duckdb": _duckdb,
    "postgres": _postgres,
}
ENGINE_PARAMS = [
    pytest.param("numpy"),
    pytest.param("duckdb"),
    pytest.param("postgres", marks=pytest.mark.skipif(
        not POSTGRES_URL, reason="set ATLAS_TEST_POSTGRES to a PostgreSQL URL to run the suite on it")),
    pytest.param("spark"),
]


def make_engine(request, name: str, store: EventStore) -> Engine:
    if name == "spark":
        return _spark(request.getfixturevalue("spark_backend"), store)
    return ENGINES[name](store)


# -- the stores --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled() -> EventStore:
    return load_bundled()


@pytest.fixture(scope="module")
def small() -> EventStore:
    frame = pd.DataFrame(SMALL_EVENTS)
    frame["fatalities"] = frame["fatalities"].astype("Int64")
    frame["wounded"] = frame["wounded"].astype("Int64")
    return index_store("small", frame, actors=make_actor_book())


@pytest.fixture(scope="module")
def synthetic() -> EventStore:
    """20,000 ACLED rows through the real loader and the columnar round trip, as the app has them."""
    data = to_csv_bytes(synthetic_events(20_000, seed=3))
    store = load_cached(data, name="synthetic-acled.csv", fmt="acled", persist=False, max_bytes=len(data) + 1)
    assert len(store) == 20_000 and not [p for p in store.problems if p.action == "error"]
    return store


# -- the questions, asked of the reference and of an engine --------------------------------------

def answers_differ(store: EventStore, engine: Engine, query: Query) -> list[str]:
    """What ``engine`` answers differently from the numpy path for ``query`` (empty: all equal)."""
    mask = select(store, query)
    selection = engine.select(query)
    found = []
    rows = selection.rows()
    if not np.array_equal(rows, np.flatnonzero(mask)):
        found.append(f"rows: {len(rows)} vs {int(mask.sum())}")
    if not np.array_equal(selection.mask(len(store)), mask):
        found.append("mask")
    if (count := selection.count()) != int(mask.sum()):
        found.append(f"count: {count} vs {int(mask.sum())}")
    expected_regions = region_counts(store.facets, mask)
    got_regions = selection.region_counts()
    if list(got_regions.items()) != list(expected_regions.items()):
        found.append(f"governorates: {got_regions} vs {expected_regions}")
    try:
        pd.testing.assert_frame_equal(selection.timeline(), timeline(store.facets, mask, store.events))
    except AssertionError as error:
        found.append(f"timeline: {error}")
    first = selection.first(FIRST)
    expected_rows = np.flatnonzero(mask)[:FIRST]
    if not (np.array_equal(first["row"].to_numpy(), expected_rows)
            and list(first["id"]) == list(store.events["id"].iloc[expected_rows])):
        found.append("first events")
    return found


def check(store: EventStore, engine: Engine, queries: list[Query]) -> None:
    """Every query answered alike; and the queries are a real test (some match part of the data)."""
    wrong = {repr(query): differ for query in queries if (differ := answers_differ(store, engine, query))}
    assert not wrong, f"{len(wrong)} of {len(queries)} queries differ: {wrong}"
    matched = [int(select(store, query).sum()) for query in queries]
    assert any(0 < n < len(store) for n in matched), "no query selects part of the data"


# -- the queries -------------------------------------------------------------------------------

def date_queries(store: EventStore) -> Iterator[Query]:
    """At the edges of spans of every precision: its first and last day, the days just outside,
    and ranges that only touch it."""
    events = store.events
    for precision in ("day", "week", "month", "season", "year"):
        rows = events[events["date_precision"] == precision].head(4)
        for start, end in zip(rows["start"], rows["end"], strict=True):
            yield Query(start=start, end=start)
            yield Query(start=end, end=end)
            yield Query(start=end + DAY)
            yield Query(end=start - DAY)
            yield Query(start=start - 10 * DAY, end=start)
            yield Query(start=end, end=end + 40 * DAY)
    first, last = store.span
    yield Query(start=first, end=last)
    yield Query(start=last + DAY)
    yield Query(end=first - DAY)


def actor_queries(store: EventStore) -> Iterator[Query]:
    book = store.actors
    parents = sorted({row.parent for row in book.rows.values() if row.parent})
    named = list(store.actor_counts().index[:8])
    for name in [*parents[:8], *named]:
        yield Query(actors=(name,))
        yield Query(actors=(name,), include_subunits=False)
    for side in book.coalitions():
        yield Query(actors=(f"coalition:{side}",))
        yield Query(actors=(f"coalition:{side}",), include_subunits=False)
    aliases = [alias.strip() for row in book.rows.values()
               for alias in row.aliases.split(";") if alias.strip()]
    for alias in aliases[:6]:
        yield Query(actors=(alias,))
    if len(named) >= 2:
        yield Query(actors=(named[0], named[-1]))
    yield Query(actors=("Nobody at all",))


def type_queries(store: EventStore) -> Iterator[Query]:
    types = sorted(store.events["event_type"].dropna().unique())
    for kind in types:
        yield Query(event_types=(kind,))
    yield Query(event_types=tuple(types[:2]))
    yield Query(event_types=("no such type",))


BOXES = [(35.0, 36.0, 37.0, 38.0), (33.3, 36.0, 33.8, 36.6), (30.0, 30.0, 30.1, 30.1),
         (-90.0, -180.0, 90.0, 180.0), (34.5, 35.5, 36.5, 41.0)]
SQL_SPECIAL = ["%", "_", "'", "\\"]  # searched as themselves, never as patterns or quotes
TEXTS = ["aleppo", "KHAN TUMAN", "Khan Touman", "Hizbullah", "Hezbollah", "Revolutionary Guards",
         "armed clash", "Kafr", "  douma  ", *SQL_SPECIAL, "50%", "a_b", "zzzz-nothing", "حلب",
         "Idleb", "air/drone", "Damascus"]


def text_queries(store: EventStore) -> Iterator[Query]:
    for text in TEXTS:
        yield Query(text=text)
    for word in store.events["summary"].dropna().head(5).str.split().str[1].dropna():
        yield Query(text=word.upper())


def combined_queries(store: EventStore, *, count: int, seed: int) -> Iterator[Query]:
    """Random combinations of every filter."""
    rng = np.random.default_rng(seed)
    first, last = store.span
    days = max((last - first).days, 1)
    actors = [*store.actor_counts().index[:10], *(f"coalition:{s}" for s in store.actors.coalitions())]
    types = sorted(store.events["event_type"].dropna().unique())
    for _ in range(count):
        begin = first + pd.Timedelta(days=int(rng.integers(0, days)))
        query = Query(start=begin if rng.random() < 0.8 else None,
                      end=begin + pd.Timedelta(days=int(rng.integers(0, days // 2 + 1)))
                      if rng.random() < 0.8 else None)
        if rng.random() < 0.5 and actors:
            picked = rng.choice(len(actors), size=int(rng.integers(1, 3)), replace=False)
            query = Query(start=query.start, end=query.end, actors=tuple(actors[i] for i in picked),
                          include_subunits=bool(rng.random() < 0.7))
        if rng.random() < 0.4:
            query = Query(start=query.start, end=query.end, actors=query.actors,
                          include_subunits=query.include_subunits,
                          event_types=tuple(types[i] for i in rng.choice(len(types), size=2)))
        if rng.random() < 0.4:
            south, west = 32.3 + 4 * rng.random(), 35.5 + 5 * rng.random()
            query = Query(start=query.start, end=query.end, actors=query.actors,
                          include_subunits=query.include_subunits, event_types=query.event_types,
                          bbox=(south, west, south + 2 * rng.random(), west + 2 * rng.random()))
        if rng.random() < 0.3:
            query = Query(start=query.start, end=query.end, actors=query.actors,
                          include_subunits=query.include_subunits, event_types=query.event_types,
                          bbox=query.bbox, text=str(rng.choice(TEXTS)))
        yield query


FAMILIES: dict[str, Callable[[EventStore], Iterator[Query]]] = {
    "dates": date_queries,
    "actors": actor_queries,
    "types": type_queries,
    "boxes": lambda store: (Query(bbox=box) for box in BOXES),
    "text": text_queries,
    "combined": lambda store: combined_queries(store, count=40, seed=len(store)),
}


# Spark in local mode takes 0.1-0.5 s a question (a job each, whatever the size; about 1.2 s a
# query's six questions on this 2-core machine), so it is asked a share of each family: three
# evenly spaced queries, and every search for a character SQL treats specially: 71 queries, where
# the other engines are asked 591. ATLAS_TEST_SPARK=all asks Spark every query (some 12 minutes).
SPARK_QUERIES = 3


def spark_subset(queries: list[Query]) -> list[Query]:
    if os.environ.get("ATLAS_TEST_SPARK") == "all":
        return queries
    picks = {int(i) for i in np.linspace(0, len(queries) - 1, SPARK_QUERIES).round()} if queries else set()
    return [query for i, query in enumerate(queries) if i in picks or query.text in SQL_SPECIAL]


# -- the suite ---------------------------------------------------------------------------------

@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("engine_name_", ENGINE_PARAMS)
@pytest.mark.parametrize("which", ["small", "bundled", "synthetic"])
def test_every_engine_answers_like_the_numpy_path(request, which, engine_name_, family):
    store = request.getfixturevalue(which)
    queries = list(FAMILIES[family](store))
    check(store, make_engine(request, engine_name_, store),
          spark_subset(queries) if engine_name_ == "spark" else queries)


@pytest.mark.parametrize("engine_name_", ENGINE_PARAMS)
def test_nothing_selected_gives_the_same_empty_answers(request, small, engine_name_):
    engine = make_engine(request, engine_name_, small)
    selection = engine.select(Query(event_types=("no such type",)))
    assert selection.count() == 0 and len(selection.rows()) == 0 and selection.region_counts() == {}
    assert selection.first(10).empty
    empty = selection.timeline()
    assert empty.empty and list(empty.columns) == ["period", "event_type", "events"]
    assert answers_differ(small, engine, Query(event_types=("no such type",))) == []


def test_the_suite_sees_a_wrong_answer(small):
    """The comparison can fail: an engine that drops the last matching event is caught."""

    class Short:
        def __init__(self, inner):
            self.inner = inner

        def select(self, query):
            selection = self.inner.select(query)
            rows = selection.rows()[:-1]
            selection.rows = lambda: rows
            return selection

    differ = answers_differ(small, Short(_duckdb(small)), Query())
    assert differ and differ[0].startswith("rows")


# -- the choice of engine in the app -----------------------------------------------------------

def test_the_default_engine_is_numpy_and_a_wrong_name_is_refused(monkeypatch):
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    assert engine_name() == "numpy"
    monkeypatch.setenv(ENGINE_VARIABLE, " DuckDB ")
    assert engine_name() == "duckdb"
    monkeypatch.setenv(ENGINE_VARIABLE, "oracle")
    with pytest.raises(ValueError, match="ATLAS_ENGINE='oracle' is not an engine: use one of numpy, duckdb"):
        engine_name()


def test_the_default_view_never_builds_an_engine_table(small, monkeypatch):
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    store = index_store("fresh", small.events, actors=small.actors)
    build_view(store, Query(text="aleppo"))
    assert list(store.engines) == ["numpy"]


@pytest.mark.parametrize("query", [
    Query(),
    Query(start=pd.Timestamp("2016-02-01"), end=pd.Timestamp("2016-04-30"), text="aleppo"),
    Query(actors=("coalition:armed opposition",), bbox=(35.0, 36.0, 37.0, 38.0)),
])
def test_build_view_on_duckdb_is_the_numpy_view(bundled, monkeypatch, query):
    _duckdb(bundled)
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    expected = build_view(bundled, query)
    monkeypatch.setenv(ENGINE_VARIABLE, "duckdb")
    view = build_view(bundled, query)
    assert "duckdb" in bundled.engines
    pd.testing.assert_frame_equal(view.events, expected.events)
    pd.testing.assert_frame_equal(view.timeline, expected.timeline)
    assert list(view.governorate_counts.items()) == list(expected.governorate_counts.items())
    assert (view.total, view.timeline_bin, view.bounds) == \
        (expected.total, expected.timeline_bin, expected.bounds)


def test_the_engine_benchmark_makes_its_table(capsys):
    pytest.importorskip("ibis")
    from dashboard.bench.engines import main

    assert main(["--sizes", "300", "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("| events | moves | numpy ms | duckdb ms |")
    assert "| 300 | dates |" in out and "| 300 | dates+side+type+text |" in out
