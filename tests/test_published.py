"""ATLAS_ENGINE as a connection URL, and events published to a server for the app to read.

The URL's parsing and its errors are pure; the publish and read-back round trip runs on a DuckDB
file always and on PostgreSQL when ``ATLAS_TEST_POSTGRES`` holds a URL (CI sets it through
``scripts/with-postgres.sh``): the store read back equals the one loaded (frame, order, indexes),
and its views equal the numpy path's. The app, through AppTest, shows published events with the
URL set, and a wrong URL as a message without its password.
"""

from __future__ import annotations

import importlib.util
import io
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.bench.synth import synthetic_events, to_csv_bytes
from dashboard.cli import main
from dashboard.events.engine import ENGINE_VARIABLE, EngineError, engine_choice, engine_for, engine_name
from dashboard.events.engine.numpy import NumpyEngine
from dashboard.events.engine.url import DEFAULT_TABLE, connect, parse_engine_url
from dashboard.events.query import Query
from dashboard.events.store import EventStore
from dashboard.events.view import build_view
from dashboard.ingest import published as published_module
from dashboard.ingest.load import DEFAULT_EVENTS, load_bundled, load_events
from dashboard.ingest.published import publish, published_version, read_published
from tests.conftest import plain_messages

POSTGRES_URL = os.environ.get("ATLAS_TEST_POSTGRES", "")
APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "ui" / "app.py")
SECRET = "s3cr%2Ft!pw"  # percent-encoded in the URL: "s3cr/t!pw" to the driver


def has_engine() -> bool:
    return importlib.util.find_spec("ibis") is not None and importlib.util.find_spec("duckdb") is not None


needs_engine = pytest.mark.skipif(not has_engine(), reason="needs the engine extra (ibis, duckdb)")


# -- the URL, pure ---------------------------------------------------------------------------------

def test_a_postgres_url_is_read_with_its_table_and_shown_without_its_password():
    url = parse_engine_url(f" postgresql://ana:{SECRET}@db.example:5433/atlas"
                           "?table=syria_events&sslmode=require ")
    assert url.scheme.backend == "postgres" and url.table == "syria_events"
    assert url.shown == "postgresql://ana:***@db.example:5433/atlas"
    assert not any(part in text for part in (SECRET, "s3cr") for text in (url.key, url.label, repr(url)))
    # The driver gets the password and the other options, not table=, and a bounded wait.
    assert url.target == (f"postgresql://ana:{SECRET}@db.example:5433/atlas"
                          "?sslmode=require&connect_timeout=10")
    assert url.hide(f"auth failed for s3cr/t!pw and {SECRET}") == "auth failed for *** and ***"
    assert parse_engine_url("postgresql://ana:p@ss@db/x").shown == "postgresql://ana:***@db/x"
    assert parse_engine_url("postgres://h/db").table == DEFAULT_TABLE
    assert parse_engine_url("postgres://h/db?connect_timeout=3").target == "postgres://h/db?connect_timeout=3"


def test_a_duckdb_file_url_keeps_its_absolute_path():
    url = parse_engine_url("duckdb:///srv/atlas/events.duckdb?table=ev")
    assert (url.target, url.table, url.scheme.backend) == (
        "duckdb:///srv/atlas/events.duckdb", "ev", "duckdb")


@pytest.mark.parametrize(("text", "says"), [
    (f"oracle://ana:{SECRET}@db:1521/x", "the scheme 'oracle://' is not one this app can use"),
    (f"postgresql://ana:{SECRET}@db:port/x", "is not a connection URL"),
    (f"postgresql://ana:{SECRET}@db/x?table=Events;drop", "table='Events;drop' is not a table name"),
    ("duckdb://", "names no DuckDB file"),
    (f"ana:{SECRET}@db/x", "is not a connection URL"),  # no scheme: still never echoed with its password
])
def test_a_wrong_url_is_refused_by_name_without_its_password(monkeypatch, text, says):
    monkeypatch.setenv(ENGINE_VARIABLE, text)
    with pytest.raises(EngineError) as refused:
        engine_choice()
    assert says in str(refused.value)
    assert SECRET not in str(refused.value) and "s3cr" not in str(refused.value)


def test_the_setting_names_numpy_duckdb_or_a_url(monkeypatch):
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    assert engine_choice() == "numpy"
    monkeypatch.setenv(ENGINE_VARIABLE, " DuckDB ")
    assert engine_name() == "duckdb"
    monkeypatch.setenv(ENGINE_VARIABLE, "postgresql://h/db")
    assert engine_name() == "postgres"
    monkeypatch.setenv(ENGINE_VARIABLE, "postgresq")
    with pytest.raises(EngineError, match=r"'postgresq' is not an engine: .* or a connection URL"):
        engine_choice()


@pytest.mark.parametrize("missing", ["psycopg", "ibis"])
def test_a_missing_driver_is_named_with_how_to_install_it(monkeypatch, missing):
    """The first package missing is named (Ibis before the driver: the floors' venv has neither)."""
    found = importlib.util.find_spec
    if missing == "psycopg" and found("ibis") is None:
        pytest.skip("Ibis is not installed: it is the package named first")
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == missing else found(name, *a))
    with pytest.raises(EngineError, match=rf"needs the {missing} package: pip install "
                                          r"'event-atlas\[postgres\]'"):
        connect(parse_engine_url(f"postgresql://ana:{SECRET}@127.0.0.1:1/x"))


@needs_engine
def test_a_server_that_refuses_is_named_without_the_password():
    pytest.importorskip("psycopg")
    with pytest.raises(EngineError) as refused:
        connect(parse_engine_url(f"postgresql://ana:{SECRET}@127.0.0.1:1/x"))
    said = str(refused.value)
    assert said.startswith("ATLAS_ENGINE: cannot connect to postgresql://ana:***@127.0.0.1:1/x: ")
    assert "s3cr" not in said and refused.value.__cause__ is None and refused.value.__suppress_context__


def test_a_store_not_read_from_the_url_is_answered_in_memory(monkeypatch, bundled):
    monkeypatch.setenv(ENGINE_VARIABLE, "postgresql://h/db")  # nothing connects
    assert isinstance(engine_for(bundled), NumpyEngine)


# -- publish and read back ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled() -> EventStore:
    return load_bundled()


@pytest.fixture(scope="module")
def synthetic() -> EventStore:
    """3,000 ACLED rows, two of them with problems (a date that is none, a latitude off the globe),
    so that the problems make the round trip too."""
    frame = synthetic_events(3_000, seed=5)
    frame.loc[5, "event_date"] = "not a date"
    frame.loc[9, "latitude"] = 123.5
    data = to_csv_bytes(frame)
    store = load_events(data, name="synthetic-acled.csv", fmt="acled", max_bytes=len(data) + 1)
    assert len(store.problems) >= 2
    return store


def _duckdb_url(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path}/published.duckdb"


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="set ATLAS_TEST_POSTGRES to a PostgreSQL URL to publish to it"))])
def where(request, tmp_path) -> Iterator[Callable[[], str]]:
    """A maker of fresh URLs (a new table each) on a DuckDB file or the test server."""
    pytest.importorskip("ibis")
    pytest.importorskip("duckdb")
    if request.param == "postgres":
        pytest.importorskip("psycopg")
        base = POSTGRES_URL
    else:
        base = _duckdb_url(tmp_path)
    yield lambda: f"{base}{'&' if '?' in base else '?'}table=t_{uuid.uuid4().hex[:10]}"


def _same_store(read: EventStore, loaded: EventStore) -> None:
    pd.testing.assert_frame_equal(read.events, loaded.events, check_categorical=False)
    for name in ("start_days", "end_days", "actor_names", "governorates"):
        assert np.array_equal(getattr(read, name), getattr(loaded, name)), name
    for got, want in zip(read.links(), loaded.links(), strict=True):
        assert np.array_equal(got, want)
    assert np.array_equal(read.facets.period_code, loaded.facets.period_code)
    pd.testing.assert_frame_equal(read.problems.frame.reset_index(drop=True),
                                  loaded.problems.frame.reset_index(drop=True), check_categorical=False)
    assert (read.name, read.fmt) == (loaded.name, loaded.fmt)


QUERIES = [
    Query(),
    Query(start=pd.Timestamp("2016-01-01"), end=pd.Timestamp("2016-06-30")),
    Query(event_types=("airstrike", "battle"), text="aleppo"),
    Query(bbox=(34.0, 35.5, 37.0, 39.0), recorded="single"),
    Query(actors=("coalition:pro-government axis",), start=pd.Timestamp("2014-06-01")),
]


def _same_views(store: EventStore, url: str, monkeypatch) -> None:
    """Every query of ``QUERIES`` viewed alike with the URL's engine and numpy; most of them match
    part of the data (a test of empty answers only would prove little)."""
    partial = 0
    for query in QUERIES:
        monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
        expected = build_view(store, query)
        monkeypatch.setenv(ENGINE_VARIABLE, url)
        got = build_view(store, query)
        pd.testing.assert_frame_equal(got.events, expected.events, check_categorical=False)
        pd.testing.assert_frame_equal(got.timeline, expected.timeline)
        assert list(got.governorate_counts.items()) == list(expected.governorate_counts.items())
        partial += 0 < len(expected.events) < len(store)
    assert partial >= 3


@pytest.mark.parametrize("which", ["bundled", "synthetic"])
def test_published_events_read_back_as_the_loaded_store_and_answer_alike(request, where, which, monkeypatch):
    loaded = request.getfixturevalue(which)
    text = where()
    url = parse_engine_url(text)
    meta = publish(loaded, url, source="events.csv")
    assert meta.rows == len(loaded) and published_version(url) == meta.version
    read = read_published(url)
    _same_store(read, loaded)
    engine = read.engines[url.key]
    assert type(engine).__name__ == "IbisEngine"  # answered by the server, over the published tables
    monkeypatch.setenv(ENGINE_VARIABLE, text)
    assert engine_for(read) is engine
    _same_views(read, text, monkeypatch)
    # People and other tools read the current version under the plain name.
    assert connect(url).table(url.table).count().to_pyarrow().as_py() == len(loaded)


def test_a_reader_keeps_its_version_while_a_new_one_is_published(where, bundled, synthetic):
    url = parse_engine_url(where())
    first = publish(bundled, url, source="a.csv")
    reader = read_published(url)
    second = publish(synthetic, url, source="b.csv")
    assert published_version(url) == second.version
    # The first reader still asks its own version's tables: its rows, not the new ones.
    assert reader.engines[url.key].select(Query()).count() == len(bundled)
    assert len(read_published(url)) == len(synthetic)
    publish(bundled, url, source="c.csv")
    tables = published_module._tables(connect(url))
    assert not any(first.version in name for name in tables)  # two back: dropped
    assert f"{url.table}__{second.version}" in tables  # one back: kept for readers like the first


def test_a_failed_publish_leaves_the_current_version_and_no_half_tables(where, bundled, monkeypatch):
    url = parse_engine_url(where())
    current = publish(bundled, url, source="a.csv")

    def own() -> set[str]:
        """This test's tables only: other tests, or processes, publish on the server meanwhile."""
        return {t for t in published_module._tables(connect(url)) if t.startswith(url.table)}

    before = own()
    assert before
    real = published_module.link_table

    def broken(store):
        raise RuntimeError("the server went away")

    monkeypatch.setattr(published_module, "link_table", broken)
    with pytest.raises(RuntimeError, match="went away"):
        publish(bundled, url, source="b.csv")
    monkeypatch.setattr(published_module, "link_table", real)
    assert published_version(url) == current.version
    assert own() == before
    _same_store(read_published(url), bundled)


def test_nothing_published_and_a_foreign_table_are_named(tmp_path, bundled):
    pytest.importorskip("ibis")
    url = parse_engine_url(_duckdb_url(tmp_path) + "?table=mine")
    with pytest.raises(EngineError, match="No events are published as mine on duckdb:///"):
        read_published(url)
    connect(url).create_table("mine", pd.DataFrame({"a": [1]}))
    with pytest.raises(EngineError, match="already has a table or view named mine"):
        publish(bundled, url, source="x.csv")


def test_tables_indexed_by_other_code_are_not_trusted(tmp_path, bundled, monkeypatch):
    pytest.importorskip("ibis")
    url = parse_engine_url(_duckdb_url(tmp_path))
    publish(bundled, url, source="x.csv")
    monkeypatch.setattr(published_module, "index_version", lambda: "another")
    read = read_published(url)
    assert url.key not in read.engines  # numpy answers, from the rows read back
    monkeypatch.setenv(ENGINE_VARIABLE, _duckdb_url(tmp_path))
    assert isinstance(engine_for(read), NumpyEngine)


# -- the command line ---------------------------------------------------------------------------------

@needs_engine
def test_publish_from_the_command_line(tmp_path, capsys, bundled):
    url = _duckdb_url(tmp_path)
    assert main(["publish", str(DEFAULT_EVENTS), "--engine", url, "--table", "ev"]) == 0
    said = capsys.readouterr().err
    assert f"{len(bundled):,} events published as ev on {url} (version " in said
    _same_store(read_published(parse_engine_url(url + "?table=ev")), bundled)


def test_serve_engine_is_atlas_engine_for_the_app(monkeypatch):
    started: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda program, argv: started.append(argv))
    monkeypatch.setenv(ENGINE_VARIABLE, "numpy")  # recorded, so that the test's value is undone
    assert main(["serve", "--engine", "postgresql://h/db?table=ev"]) == 0
    assert os.environ[ENGINE_VARIABLE] == "postgresql://h/db?table=ev" and len(started) == 1


def test_publish_and_serve_refuse_a_bad_url_without_its_password(capsys, monkeypatch):
    monkeypatch.setenv(ENGINE_VARIABLE, "numpy")  # recorded: serve --engine sets it
    monkeypatch.delenv(ENGINE_VARIABLE)
    assert main(["publish", "x.csv", "--engine", f"oracle://ana:{SECRET}@h/x"]) == 2
    assert main(["publish", "x.csv"]) == 2
    assert main(["serve", "--engine", f"postgresql://ana:{SECRET}@h:port/x"]) == 2  # before any exec
    said = capsys.readouterr().err
    assert "the scheme 'oracle://'" in said and "publish needs --engine URL" in said
    assert "is not a connection URL" in said and "s3cr" not in said


# -- the app ------------------------------------------------------------------------------------------

@pytest.fixture
def app(monkeypatch) -> Iterator[AppTest]:
    monkeypatch.delenv("ATLAS_EVENTS", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield AppTest.from_file(APP, default_timeout=60)
    st.cache_data.clear()
    st.cache_resource.clear()


def page_text(at: AppTest) -> str:
    return "\n".join(str(element.proto) for kind in ("html", "markdown", "exception", "error", "text")
                     for element in at.get(kind))


def _csv_export(offered: dict[str, tuple[str | None, object]]) -> bytes:
    found = [data for name, data in offered.values() if name and name.startswith("atlas_")
             and name.endswith(".csv")]
    assert len(found) == 1
    made = found[0]() if callable(found[0]) else found[0]
    return made if isinstance(made, bytes) else str(made).encode()


@needs_engine
def test_the_app_shows_the_published_events_with_one_setting(app, tmp_path, monkeypatch, offered):
    data = to_csv_bytes(synthetic_events(500, seed=9))
    (tmp_path / "team.csv").write_bytes(data)
    store = load_events(data, name="team.csv", fmt="acled", max_bytes=len(data) + 1)
    url = _duckdb_url(tmp_path) + "?table=team_events"
    publish(store, parse_engine_url(url), source="team.csv")
    # The same file as the default data, answered by numpy: the export the published one must equal.
    monkeypatch.setenv("ATLAS_EVENTS", str(tmp_path / "team.csv"))
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    AppTest.from_file(APP, default_timeout=60).run()
    from_file = _csv_export(offered)
    assert len(pd.read_csv(io.BytesIO(from_file))) == len(store)
    offered.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.delenv("ATLAS_EVENTS")
    monkeypatch.setenv(ENGINE_VARIABLE, url)
    app.run()
    assert not app.exception
    notes = " ".join(plain_messages(app, "note"))
    assert f"{len(store):,} of {len(store):,} events shown" in notes
    assert f"Published events (team_events) · {len(store):,} events" in notes
    shown_store = app.session_state["atlas_open"][1]  # the open datasets' store, as the views had it
    assert len(shown_store) == len(store) and "numpy" not in shown_store.engines
    assert type(shown_store.engines[parse_engine_url(url).key]).__name__ == "IbisEngine"
    assert _csv_export(offered) == from_file  # the exports work unchanged


@needs_engine
@pytest.mark.parametrize(("url", "says"), [
    (f"postgresql://ana:{SECRET}@127.0.0.1:1/x", "ATLAS_ENGINE: cannot connect to postgresql://ana:***@127.0.0.1:1/x"),
    (f"mysql://ana:{SECRET}@127.0.0.1/x", "the scheme 'mysql://' is not one this app can use"),
    ("duckdb:///{tmp}/empty.duckdb", "No events are published as atlas_events on duckdb:///"),
])
def test_the_app_names_a_wrong_url_without_a_traceback_or_the_password(app, tmp_path, monkeypatch, url, says):
    if url.startswith("postgresql"):
        pytest.importorskip("psycopg")
    monkeypatch.setenv(ENGINE_VARIABLE, url.replace("{tmp}", str(tmp_path)))
    app.run()
    assert not app.exception
    assert any(says in message for message in plain_messages(app, "error"))
    assert "s3cr" not in page_text(app)



def test_another_table_name_is_checked_as_the_url_s_is():
    url = parse_engine_url("postgresql://h/db")
    assert url.with_table("other").table == "other"
    with pytest.raises(EngineError, match="'Other' is not a table name"):
        url.with_table("Other")


@needs_engine
def test_a_server_that_stops_answering_is_named_on_the_page(app, tmp_path, monkeypatch, bundled):
    url = _duckdb_url(tmp_path)
    meta = publish(bundled, parse_engine_url(url), source="events.csv")
    monkeypatch.setenv(ENGINE_VARIABLE, url)
    app.run()
    assert not app.exception and not plain_messages(app, "error")
    backend = connect(parse_engine_url(url))  # the tables go, as if dropped by hand or the server went
    for name in (meta.events, meta.links):
        backend.raw_sql(f'DROP TABLE "{name}" CASCADE')
    app.text_input(key="text").input("aleppo").run()  # a new question for the server
    assert not app.exception
    assert any(message.startswith(f"atlas_events on {url} did not answer: ")
               for message in plain_messages(app, "error"))


def test_a_server_failing_while_the_meta_row_is_read_is_named_not_a_traceback():
    """The driver's own error (a server gone, a permission refused) while the meta row is read
    becomes the page's EngineError, without the password."""
    class Failing:
        current_database = "public"

        def table(self, *_args, **_kwargs):
            raise RuntimeError(f"permission denied for ana:{SECRET} on atlas_events_meta")

    url = parse_engine_url(f"postgresql://ana:{SECRET}@127.0.0.1:1/x")
    with pytest.raises(EngineError) as failed:
        published_module.read_meta(Failing(), url)
    said = str(failed.value)
    assert said.startswith("Cannot read the events published as atlas_events on postgresql://ana:***@")
    assert "s3cr" not in said and "permission denied" in said
