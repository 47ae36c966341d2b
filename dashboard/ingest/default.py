"""The data every session starts from: ``ATLAS_EVENTS``'s file, else the bundled events.

Loading it is most of a first start (a million events: ~1 s from the columnar copy, the indexes
included), and no page can show anything before it. ``serve`` therefore begins the load in the
background as the process starts (:func:`preload`), while the web server comes up and the browser
connects, and the first session takes that store (:func:`default_store`) instead of loading it
again. Without a preload (AppTest, ``streamlit run``) the store is loaded when asked for.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future
from pathlib import Path

from dashboard.events.store import EventStore
from dashboard.events.view import prepare
from dashboard.ingest.cache import load_cached
from dashboard.ingest.load import load_bundled
from dashboard.model.memory import give_back_free_memory
from dashboard.model.schema import NAMED_FILE_MAX_BYTES

EVENTS_VARIABLE = "ATLAS_EVENTS"
log = logging.getLogger(__name__)
_preloads: dict[str, Future[EventStore]] = {}
_lock = threading.Lock()


def default_setting() -> str:
    """``ATLAS_EVENTS`` as set now ("" for the bundled events): what the default data is."""
    return os.environ.get(EVENTS_VARIABLE, "").strip()


def load_default(setting: str) -> EventStore:
    """The store ``setting`` names: a named file of any size (through the columnar cache), or the
    bundled events with every check on."""
    store = load_cached(setting, name=Path(setting).name, max_bytes=NAMED_FILE_MAX_BYTES) if setting \
        else load_bundled()
    give_back_free_memory()  # what reading the file peaked at, above the store it left
    return store


def preload() -> Future[EventStore]:
    """Begin loading the default data in a background thread (once per setting and process)."""
    setting = default_setting()
    with _lock:
        if setting in _preloads:
            return _preloads[setting]
        job: Future[EventStore] = Future()
        _preloads[setting] = job

    def run() -> None:
        begun = time.monotonic()
        try:
            store = load_default(setting)
            prepare(store)
            job.set_result(store)
            log.info("preloaded the default data in %.1f s", time.monotonic() - begun)
        except BaseException as failure:  # the session's own load reports it, on the page
            job.set_exception(failure)

    threading.Thread(target=run, name="atlas-preload", daemon=True).start()
    return job


def default_store() -> EventStore:
    """The default data: the preloaded store when one was begun for the current setting (waiting
    for it if need be; handed out once, as the caller keeps it), else a load now. A preload that
    failed is not trusted: the load runs again here, so its error reaches the page as usual."""
    setting = default_setting()
    with _lock:
        job = _preloads.pop(setting, None)
    if job is not None:
        try:
            return job.result()
        except Exception as failure:
            log.warning("the preload of the default data failed (%s); loading it again", failure)
    return load_default(setting)
