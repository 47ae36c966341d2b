"""Who answers a view's questions: the in-memory numpy path (the default) or a query engine.

``ATLAS_ENGINE`` chooses, for the app and the benchmark: unset or ``numpy`` keeps today's path;
``duckdb`` answers the filter and the counts with DuckDB embedded in the process, through Ibis
(``pip install 'event-atlas[engine]'``); a connection URL (``postgresql://user:pw@host/db``,
``duckdb:///path/file.duckdb``, see ``engine.url``) names events published there
(``python -m dashboard publish``): the store read back from them has its questions answered by
that server, over the published tables. Any other store (an upload, several datasets side by
side) is answered in memory by numpy then: a user's file never leaves the app's process.
One engine is built per store, on its first question, and kept with the store.
"""

from __future__ import annotations

import os
import threading

from dashboard.events.engine.base import Engine, Selection
from dashboard.events.engine.numpy import NumpyEngine
from dashboard.events.engine.url import ENGINE_VARIABLE, EngineError, EngineUrl, parse_engine_url
from dashboard.events.store import EventStore

ENGINES = ("numpy", "duckdb")
_building = threading.Lock()

__all__ = ["ENGINES", "ENGINE_VARIABLE", "Engine", "EngineError", "EngineUrl", "Selection",
           "engine_choice", "engine_for", "engine_name"]


def engine_choice() -> str | EngineUrl:
    """What ``ATLAS_ENGINE`` says: "numpy" (also when unset), "duckdb", or a parsed URL; a clear
    :class:`EngineError` for anything else, which never repeats a password."""
    text = (os.environ.get(ENGINE_VARIABLE) or "numpy").strip()
    if text.lower() in ENGINES:
        return text.lower()
    if "://" in text or "@" in text:  # meant as a URL: parsed, and shown without its password
        return parse_engine_url(text)
    raise EngineError(f"{ENGINE_VARIABLE}={text!r} is not an engine: use one of {', '.join(ENGINES)}, "
                      "or a connection URL (postgresql://user:password@host:5432/database, "
                      "duckdb:///path/to/file.duckdb)")


def engine_name() -> str:
    """The engine ``ATLAS_ENGINE`` names: "numpy" (when unset), "duckdb", or a URL's backend
    ("postgres", "duckdb" for a file); a clear error for any other."""
    choice = engine_choice()
    return choice if isinstance(choice, str) else choice.scheme.backend


def engine_for(store: EventStore, *, name: str | None = None) -> Engine:
    """The store's engine of that name (``ATLAS_ENGINE``'s by default), built once per store.

    A URL's engine exists only for the store read back from its published tables (set there
    when it is read, ``dashboard.ingest.published``); any other store gets the numpy engine.
    """
    if name is None:
        choice = engine_choice()
        name = choice if isinstance(choice, str) else choice.key
    found = store.engines.get(name)
    if isinstance(found, Engine):
        return found
    if name not in ENGINES:
        return engine_for(store, name="numpy")
    with _building:
        found = store.engines.get(name)
        if not isinstance(found, Engine):
            found = NumpyEngine(store) if name == "numpy" else _duckdb(store)
            store.engines[name] = found
    return found


def _duckdb(store: EventStore) -> Engine:
    try:
        from dashboard.events.engine.ibis import IbisEngine
    except ImportError as missing:
        raise RuntimeError(f"{ENGINE_VARIABLE}=duckdb needs the engine extra: "
                           "pip install 'event-atlas[engine]'") from missing
    return IbisEngine.duckdb(store)
