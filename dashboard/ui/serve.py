"""``python -m dashboard.ui.serve run APP [options]``: Streamlit's command line, warmed up first.

Streamlit imports an app's modules and loads its data only when the first page connects, so the
first person to open a freshly started app waits for all of it after their browser has come up.
``dashboard serve`` starts this instead of ``streamlit run``: it begins loading the default data
in the background (:func:`dashboard.ingest.default.preload`) and imports the app script's modules
below the ui layer, then hands over to Streamlit's own command line with the same arguments, so
that the load goes on while the web server starts and the browser connects.
"""

from __future__ import annotations

import ast
import importlib
import logging
import threading
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


def main() -> None:
    warm_up()
    from streamlit.web import cli

    cli.main(prog_name="streamlit")  # reads the arguments this process was given


if __name__ == "__main__":
    main()
