"""``python -m dashboard.ui.serve run APP [options]``: Streamlit's command line, warmed up first.

Streamlit imports an app's modules and loads its data only when the first page connects, so the
first person to open a freshly started app waits for all of it after their browser has come up.
``dashboard serve`` starts this instead of ``streamlit run``: it begins loading the default data
in the background (:func:`dashboard.ingest.default.preload`) and imports the app script's modules
below the ui layer, then hands over to Streamlit's own command line with the same arguments, so
that the load goes on while the web server starts and the browser connects. Once the server runs
(its settings read from the command line), Streamlit's emoji catalogue, which ``set_page_config``
loads to check the page's icon, is imported in the background too (0.1 s of a first session).
"""

from __future__ import annotations

import ast
import importlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

APP = Path(__file__).with_name("app.py")
log = logging.getLogger(__name__)


def app_modules(script: Path = APP) -> list[str]:
    """The absolute imports at the top of the app script, in its order."""
    names: list[str] = []
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module not in (None, "__future__") and not node.level:
            names.append(node.module)
    return names


def warm_up() -> None:
    """Begin the default data's load, then import the app's modules below the ui layer (folium,
    pandas, ours). Streamlit and the ui modules are left to Streamlit's command line: its settings
    are read when it is imported, and it must read them with the command's options."""
    from dashboard.books.placenames import city_labels
    from dashboard.ingest.default import preload

    preload()
    # The basemap's town names (GeoNames' table of cities, read once per process: ~0.5 s).
    threading.Thread(target=city_labels, name="atlas-names", daemon=True).start()
    for name in app_modules():
        if name.partition(".")[0] in ("streamlit", "streamlit_folium") or name.startswith("dashboard.ui"):
            continue
        try:
            importlib.import_module(name)
        except ImportError as missing:  # the app's own run reports it, on the page
            log.warning("cannot import %s ahead of the app: %s", name, missing)


def server_started() -> bool:
    """Whether Streamlit's runtime exists, which it does only once its command line has read the
    settings (asked without importing Streamlit: importing it earlier would read them too soon)."""
    runtime = getattr(sys.modules.get("streamlit.runtime.runtime"), "Runtime", None)  # None mid-import
    return runtime is not None and bool(runtime.exists())


# Imported once the server runs: the emoji catalogue Streamlit loads on the first set_page_config
# with an icon (0.1 s of a first session). The ui modules are left to the script: streamlit-folium
# declares its component when imported, and declared outside a script run the page never drew the map.
FIRST_RUN_MODULES = ("streamlit.emojis",)


def warm_up_ui(*, started: Callable[[], bool] = server_started, poll_s: float = 0.05,
               give_up_s: float = 300.0) -> bool:
    """Wait for the server, then import what a first page run would; False if it never started."""
    waited = time.monotonic()
    while not started():
        if time.monotonic() - waited > give_up_s:
            return False
        time.sleep(poll_s)
    for name in FIRST_RUN_MODULES:
        importlib.import_module(name)
    return True


def main() -> None:
    warm_up()
    threading.Thread(target=warm_up_ui, name="atlas-ui-imports", daemon=True).start()
    from streamlit.web import cli

    cli.main(prog_name="streamlit")  # reads the arguments this process was given


if __name__ == "__main__":
    main()
