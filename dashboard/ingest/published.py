"""Events published to a server (or a DuckDB file) for a team's dashboards to read with one setting.

``python -m dashboard publish FILE --engine URL`` loads the file through the normal loader (every
check) and writes, under the table name ``t`` (``?table=`` in the URL, ``atlas_events`` by default):

- ``t__<version>``: one row per event, in the store's order (``row``), with every column of our
  schema (enough to rebuild the store exactly, as the Parquet cache does) and the engine's index
  columns (``engine.table.event_table``: days as integers, governorate, period, recorded_in);
- ``t__<version>_links`` (event, actor) and ``t__<version>_problems`` (what the loader reported);
- ``t_meta``: one row saying which version is current, its fingerprint, rows, when, from which
  file, and the Arrow schema that gives the frame back its dtypes;
- ``t``: a view over the current version, for people and other tools to query.

Why versions rather than one table replaced in place: an app that read version A keeps asking
its questions of A's tables (its rows are numbered as A's are), so a new publish never answers
it with another table's rows. The switch (new meta, view moved) is one transaction, so a reader
sees the old version or the new one, never half of one. The version before the current one is
kept for the apps that have not yet noticed the change; older ones are dropped.

DDL is written here as text (a handful of statements) because renames and views in a transaction
are not Ibis expressions; every name in them comes from ``TABLE_NAME`` (letters, digits, _) and a
hex version, and is quoted.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from dashboard import PACKAGE_DIR
from dashboard.books.actors import ActorBook
from dashboard.events.engine.table import event_table, link_table
from dashboard.events.engine.url import EngineError, EngineUrl, connect, first_line
from dashboard.events.store import EventStore
from dashboard.ingest.cache import events_arrow, loader_version, store_from_arrow
from dashboard.model.problems import PROBLEM_COLUMNS, ProblemTable
from dashboard.model.schema import CANONICAL_COLUMNS

PUBLISH_FORMAT = 1  # bump when the published layout changes: an app reads only its own
# What the server's index columns are computed by besides the loader: an app whose copy differs
# does not trust them (it answers from memory instead).
INDEX_FILES = tuple(PACKAGE_DIR / "events" / name for name in
                    ("store.py", "facets.py", "timeline.py", "engine/table.py"))
INDEX_COLUMNS = ("row", "start_day", "end_day", "governorate", "period", "recorded_in")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """The meta row of a published table: which version is current, and what it holds."""

    table: str
    version: str
    fingerprint: str
    index_version: str
    rows: int
    published_at: str
    source: str
    name: str
    fmt: str
    arrow_schema: str  # base64 of the events' Arrow schema (with pandas' metadata)

    @property
    def events(self) -> str:
        return f"{self.table}__{self.version}"

    @property
    def links(self) -> str:
        return f"{self.events}_links"

    @property
    def problems(self) -> str:
        return f"{self.events}_problems"


def index_version() -> str:
    """A short hash of the code the index columns come from: the loader's and the store's."""
    digest = hashlib.sha256(loader_version().encode())
    for path in INDEX_FILES:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _quoted(name: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", name):  # only names made here get this far
        raise ValueError(f"not a table name publish makes: {name!r}")
    return f'"{name}"'


def _canonical(store: EventStore) -> pa.Table:
    return events_arrow(store.events[list(CANONICAL_COLUMNS)], store.fmt)


def _published_table(store: EventStore, canonical: pa.Table) -> pa.Table:
    """The events with our schema's columns and the engine's index columns, ``row`` first."""
    index = event_table(store)
    table = canonical.replace_schema_metadata(None)
    for position, name in enumerate(INDEX_COLUMNS):
        if name in table.column_names:
            table = table.drop_columns([name])
        column = index.column(name)
        table = table.add_column(0, name, column) if position == 0 else table.append_column(name, column)
    return table


def _problems_table(problems: ProblemTable) -> pa.Table:
    frame = problems.frame.astype({column: "str" for column in ("file", "field", "reason", "action")})
    table = pa.Table.from_pandas(frame[PROBLEM_COLUMNS], preserve_index=False)
    return table.cast(pa.schema([pa.field(name, pa.int64() if name == "line" else pa.string())
                                 for name in PROBLEM_COLUMNS]))


def fingerprint(canonical: pa.Table) -> str:
    """The sha256 of the events' columns as Arrow: equal events, equal fingerprint."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, canonical.schema) as writer:
        writer.write_table(canonical)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:32]


@contextmanager
def _transaction(backend: Any) -> Iterator[Any]:
    """One transaction on the backend's own connection: a cursor-like with ``execute``."""
    if backend.name == "postgres":
        with backend.begin() as cursor:
            yield cursor
        return
    con = backend.con  # DuckDB's connection: BEGIN ... COMMIT, both engines' DDL is transactional
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _meta_name(table: str) -> str:
    return f"{table}_meta"


def _tables(backend: Any) -> set[str]:
    """The tables and views of the connection's schema, from ``information_schema`` (Ibis 12's
    ``list_tables`` fails on DuckDB 2)."""
    tables = backend.table("tables", database="information_schema")
    found = tables.filter(tables.table_schema == backend.current_database).select("table_name")
    return {str(name) for name in found.to_pyarrow().column("table_name").to_pylist()}


def _versions(backend: Any, table: str) -> set[str]:
    """The versions of ``table`` whose tables exist on the server."""
    pattern = re.compile(rf"{re.escape(table)}__([0-9a-f]{{12}})(?:_links|_problems|_meta)?")
    return {found.group(1) for name in _tables(backend) if (found := pattern.fullmatch(name))}


def _unreadable(url: EngineUrl, error: Exception) -> EngineError:
    """The server's own error, as one line naming the table and the server, never the password."""
    return EngineError(f"Cannot read the events published as {url.table} on {url.shown}: "
                       f"{url.hide(first_line(error))}")


def read_meta(backend: Any, url: EngineUrl) -> Published:
    """The current version's meta row; a clear :class:`EngineError` when nothing (or another
    layout) is published under the table's name."""
    name = _meta_name(url.table)
    try:
        present = name in _tables(backend)
        rows = backend.table(name).to_pyarrow().to_pylist() if present else []
    except Exception as error:  # the driver's own errors: a server gone, a permission refused
        raise _unreadable(url, error) from None
    if not present:
        raise EngineError(f"No events are published as {url.table} on {url.shown}: publish a file "
                          "first (python -m dashboard publish FILE --engine URL), or name the "
                          "table with ?table= in the URL")
    if len(rows) != 1:
        raise EngineError(f"The meta table of {url.table} on {url.shown} holds {len(rows)} rows, not "
                          "one: publish the events again")
    if rows[0].get("layout") != PUBLISH_FORMAT:
        layout = rows[0].get("layout")
        raise EngineError(f"The events published as {url.table} on {url.shown} are in another "
                          f"layout ({layout}; this app reads {PUBLISH_FORMAT}): publish them again "
                          "with this version of the app")
    row = rows[0]
    return Published(table=url.table, **{key: row[key] for key in (
        "version", "fingerprint", "index_version", "rows", "published_at", "source", "name", "fmt",
        "arrow_schema")})


def publish(store: EventStore, url: EngineUrl, *, source: str) -> Published:
    """Write ``store`` under ``url``'s table as a new version and make it current in one
    transaction; the version before stays for apps still reading it, older ones are dropped."""
    backend = connect(url)
    canonical = _canonical(store)
    version = uuid.uuid4().hex[:12]
    meta = Published(
        table=url.table, version=version, fingerprint=fingerprint(canonical),
        index_version=index_version(), rows=len(store),
        published_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        source=source, name=store.name, fmt=store.fmt,
        arrow_schema=base64.b64encode(canonical.schema.serialize().to_pybytes()).decode())
    existing = set(_tables(backend))
    if url.table in existing and _meta_name(url.table) not in existing:
        raise EngineError(f"{url.shown} already has a table or view named {url.table} that was "
                          "not published by this app: choose another name with ?table= in the URL")
    previous = read_meta(backend, url).version if _meta_name(url.table) in existing else None
    new_meta = f"{meta.events}_meta"
    made = [meta.events, meta.links, meta.problems, new_meta]
    try:
        backend.create_table(meta.events, _published_table(store, canonical))
        backend.create_table(meta.links, link_table(store))
        backend.create_table(meta.problems, _problems_table(store.problems))
        backend.create_table(new_meta, pa.Table.from_pylist([{
            "layout": PUBLISH_FORMAT, **{key: getattr(meta, key) for key in (
                "version", "fingerprint", "index_version", "rows", "published_at", "source", "name",
                "fmt", "arrow_schema")}}]))
        with _transaction(backend) as cursor:
            cursor.execute(f"DROP VIEW IF EXISTS {_quoted(url.table)}")
            cursor.execute(f"DROP TABLE IF EXISTS {_quoted(_meta_name(url.table))}")
            cursor.execute(f"ALTER TABLE {_quoted(new_meta)} RENAME TO {_quoted(_meta_name(url.table))}")
            cursor.execute(f"CREATE VIEW {_quoted(url.table)} AS SELECT * FROM {_quoted(meta.events)}")
    except BaseException:
        for name in made:  # a failed publish leaves the current version as it was
            try:
                backend.drop_table(name, force=True)
            except Exception as error:  # the first error is the one worth reporting
                log.warning("publish: could not drop %s after a failure: %s", name, url.hide(str(error)))
        raise
    for old in sorted(_versions(backend, url.table) - {version, previous}):
        for suffix in ("", "_links", "_problems", "_meta"):  # _meta: left by a publish that died
            backend.drop_table(f"{url.table}__{old}{suffix}", force=True)
    log.info("published %s events as %s on %s (version %s)", f"{len(store):,}", url.table,
             url.shown, version)
    return meta


def read_published(url: EngineUrl) -> EventStore:
    """The store published under ``url``'s table, rebuilt from its schema columns in one read,
    with its engine over the published tables (nothing uploaded again) when they were indexed by
    the same code as this app's; otherwise the numpy path answers, from memory."""
    from dashboard.events.engine.ibis import IbisEngine

    backend = connect(url)
    meta = read_meta(backend, url)
    try:
        schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(meta.arrow_schema)))
        found = backend.table(meta.events).order_by("row").select(*CANONICAL_COLUMNS).to_pyarrow()
        events = pa.table([found.column(name).cast(schema.field(name).type) for name in schema.names],
                          schema=schema)
        problem_frame = backend.table(meta.problems).to_pyarrow().to_pandas()
    except Exception as error:  # a table dropped or changed by hand, the server gone meanwhile
        raise _unreadable(url, error) from None
    if events.num_rows != meta.rows:
        raise EngineError(f"The events published as {url.table} on {url.shown} have "
                          f"{events.num_rows:,} rows where their meta says {meta.rows:,}: publish again")
    store = store_from_arrow(events, ProblemTable.from_frame(problem_frame), name=meta.name,
                             fmt=meta.fmt, actors=ActorBook.load())
    if meta.index_version == index_version():
        store.engines[url.key] = IbisEngine(store, backend, events=meta.events, links=meta.links,
                                            name=url.scheme.backend, source=url)
    else:
        log.warning("%s on %s was indexed by other code (%s, this app %s): its questions are "
                    "answered in memory until it is published again", url.table, url.shown,
                    meta.index_version, index_version())
    return store


def published_version(url: EngineUrl) -> str:
    """The current version under ``url``'s table (one small read): what an app's copy is keyed on."""
    return read_meta(connect(url), url).version
