"""Who answers a view's questions: the in-memory numpy path (the default) or a query engine.

``ATLAS_ENGINE`` chooses, for the app and the benchmark: unset or ``numpy`` keeps today's path;
``duckdb`` answers the filter and the counts with DuckDB embedded in the process, through Ibis
(``pip install 'event-atlas[engine]'``). One engine is built per store, on its first question,
and kept with the store.
"""

from __future__ import annotations

import os
import threading

from dashboard.events.engine.base import Engine, Selection
from dashboard.events.engine.numpy import NumpyEngine
from dashboard.events.store import EventStore

ENGINE_VARIABLE = "ATLAS_ENGINE"
ENGINES = ("numpy", "duckdb")
_building = threading.Lock()

__all__ = ["ENGINES", "ENGINE_VARIABLE", "Engine", "Selection", "engine_for", "engine_name"]


def engine_name() -> str:
    """The engine ``ATLAS_ENGINE`` names ("numpy" when unset); a clear error for any other."""
    name = (os.environ.get(ENGINE_VARIABLE) or "numpy").strip().lower()
    if name not in ENGINES:
        raise ValueError(f"{ENGINE_VARIABLE}={name!r} is not an engine: use one of {', '.join(ENGINES)}")
    return name


def engine_for(store: EventStore, *, name: str | None = None) -> Engine:
    """The store's engine of that name (``engine_name()`` by default), built once per store."""
    name = name or engine_name()
    found = store.engines.get(name)
    if isinstance(found, Engine):
        return found
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
