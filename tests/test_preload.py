"""The default data begun at serve's start: taken by the first session, never loaded twice."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from dashboard.ingest import default
from dashboard.ui.serve import APP, app_modules

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def loads(monkeypatch) -> list[str]:
    """The settings the default data was loaded for (no preload left over from another test)."""
    calls: list[str] = []
    real = default.load_default
    monkeypatch.setattr(default, "_preloads", {})

    def counted(setting: str):
        calls.append(setting)
        return real(setting)

    monkeypatch.setattr(default, "load_default", counted)
    return calls


def test_the_first_session_takes_the_preloaded_store(monkeypatch, loads):
    monkeypatch.setenv("ATLAS_EVENTS", str(FIXTURES / "acled_syria_sample.csv"))
    job = default.preload()
    assert default.preload() is job  # begun once
    store = default.default_store()
    assert store is job.result() and len(store) == 30
    assert loads == [str(FIXTURES / "acled_syria_sample.csv")]
    again = default.default_store()  # handed out once: a later ask loads (the app caches its own)
    assert again is not store and len(loads) == 2


def test_a_preloaded_store_comes_with_the_box_that_frames_it(monkeypatch, loads, tmp_path):
    """Every session's first map asks for it: worked out in the preload, not in the first one."""
    from dashboard.events import view

    monkeypatch.setenv("ATLAS_EVENTS", str(FIXTURES / "acled_syria_sample.csv"))
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(view, "WHOLE_BOUNDS_FROM", 10)
    monkeypatch.setattr(view, "_whole", {})
    store = default.preload().result()
    held = view._whole.get(id(store.events))
    assert held is not None and held[0]() is store.events
    assert held[1] == view.fit_bounds(store.events[list(view.PLACE_COLUMNS)])


def test_a_preload_for_another_setting_is_not_used(monkeypatch, loads):
    monkeypatch.setenv("ATLAS_EVENTS", str(FIXTURES / "acled_syria_sample.csv"))
    default.preload().result()
    monkeypatch.delenv("ATLAS_EVENTS")
    store = default.default_store()  # the bundled events, not the file preloaded before
    assert store.fmt == "ours" and loads == [str(FIXTURES / "acled_syria_sample.csv"), ""]


def test_a_failed_preload_is_loaded_again_where_its_error_shows(monkeypatch, loads):
    monkeypatch.setenv("ATLAS_EVENTS", str(FIXTURES / "acled_syria_sample.csv"))
    calls = threading.Event()

    def broken(setting: str):
        calls.set()
        raise OSError("the disk went away")

    real = default.load_default
    monkeypatch.setattr(default, "load_default", broken)
    job = default.preload()
    assert calls.wait(10) and isinstance(job.exception(10), OSError)
    monkeypatch.setattr(default, "load_default", real)
    assert len(default.default_store()) == 30


def test_serve_warms_up_every_module_the_app_imports():
    names = app_modules()
    assert {"streamlit", "folium", "dashboard.ingest.default", "dashboard.ui.mapframe"} <= set(names)
    source = APP.read_text(encoding="utf-8")
    assert all(f"import {name}" in source or f"from {name} import" in source for name in names)


def test_the_warm_up_leaves_streamlit_to_read_its_options_first():
    """Streamlit reads its settings when imported: imported before its command line has the
    serve command's options, it warns 'please restart streamlit'."""
    code = ("import sys\nfrom dashboard.ui.serve import warm_up\nwarm_up()\n"
            "print(sorted(m for m in sys.modules if m.startswith('streamlit')), 'folium' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ATLAS_EVENTS": str(FIXTURES / "acled_syria_sample.csv")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True"]


def test_the_emoji_catalogue_is_imported_once_the_server_runs_and_not_before():
    """Streamlit's emoji catalogue (set_page_config's icon check) is imported in the background,
    but only once Streamlit's command line has read its settings: never before the server exists.
    streamlit-folium is left to the script (its component, declared outside a script run, never
    drew the map)."""
    code = textwrap.dedent("""
        import sys
        from dashboard.ui import serve
        early = serve.warm_up_ui(started=lambda: False, poll_s=0.01, give_up_s=0.05)
        print(early, sorted(m for m in sys.modules if m.startswith(("streamlit", "dashboard.ui.map"))))
        calls = iter([False, False, True])
        late = serve.warm_up_ui(started=lambda: next(calls), poll_s=0.01)
        print(late, "streamlit.emojis" in sys.modules, "streamlit_folium" in sys.modules)
        print(serve.server_started())
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["False []", "True True False", "False"]


def test_serve_starts_the_ui_warm_up_beside_streamlits_command_line(monkeypatch):
    """``main`` begins the data's load, starts the ui warm-up in the background (it waits for the
    server itself), then hands over to Streamlit's command line."""
    from streamlit.web import cli

    from dashboard.ui import serve

    order: list[str] = []
    started: list[object] = []

    class Recorded:
        def __init__(self, *, target, name, daemon):
            started.append(target)
            assert daemon and name == "atlas-ui-imports"

        def start(self):
            order.append("ui warm-up")

    monkeypatch.setattr(serve, "warm_up", lambda: order.append("data"))
    monkeypatch.setattr(serve.threading, "Thread", Recorded)
    monkeypatch.setattr(cli, "main", lambda **kwargs: order.append("streamlit"))
    serve.main()
    assert order == ["data", "ui warm-up", "streamlit"] and started == [serve.warm_up_ui]
