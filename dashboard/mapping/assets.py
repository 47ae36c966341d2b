"""Leaflet and its plugins shipped inside the package instead of loaded from CDNs.

Analysts work offline and must not leak what they look at, so no map may load a script from a third
party. folium names its scripts and stylesheets with CDN URLs; :func:`localize` rewrites every one of
them to a file of the package's ``ui/static/`` folder, served by Streamlit's static file serving in
the app and inlined into exported HTML files.

The files come from installed packages (XStatic packages, folium's own templates) and are copied
into the package when it is built (``setup.py``, :func:`copy_assets`), never at run time: an
installed package is read-only, so serving must not write into it.
"""

from __future__ import annotations

import base64
import importlib.util
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from dashboard import PACKAGE_DIR

if TYPE_CHECKING:  # the build loads this module (setup.py) with only the asset packages installed
    from branca.element import Element

AnyElement = TypeVar("AnyElement", bound="Element")  # localize gives back what it was given

STATIC_DIR = PACKAGE_DIR / "ui" / "static"  # Streamlit serves <app folder>/static at <base>/app/static/
APP_BASE_URL = "/app/static/"
INLINE_MARK = "atlas-asset:"

# folium's asset names -> our file name in static/. None: not needed, dropped.
ASSETS: dict[str, str | None] = {
    "leaflet": "leaflet.js",
    "leaflet_css": "leaflet.css",
    "markerclusterjs": "leaflet.markercluster.js",
    "markerclustercss": "MarkerCluster.css",
    "markerclusterdefaultcss": "MarkerCluster.Default.css",
    "leaflet-heat.js": "leaflet-heat.js",
    # branca builds popup contents with jQuery's $().
    "jquery": "jquery.min.js",
    # Bootstrap and awesome-markers serve folium's icon markers, which we do not use.
    "bootstrap": None,
    "awesome_markers": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}
IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png")
# Where each file of static/ is copied from at build time: (installed package, path inside it).
SOURCES: dict[str, tuple[str, str]] = {
    "leaflet.js": ("xstatic.pkg.leaflet", "data/leaflet.js"),
    "leaflet.css": ("xstatic.pkg.leaflet", "data/leaflet.css"),
    "leaflet.markercluster.js": ("xstatic.pkg.leaflet_markercluster", "data/leaflet.markercluster.js"),
    "MarkerCluster.css": ("xstatic.pkg.leaflet_markercluster", "data/MarkerCluster.css"),
    "MarkerCluster.Default.css": ("xstatic.pkg.leaflet_markercluster", "data/MarkerCluster.Default.css"),
    "leaflet-heat.js": ("folium", "templates/leaflet_heat.min.js"),
    "jquery.min.js": ("xstatic.pkg.jquery", "data/jquery.min.js"),
    **{f"images/{image}": ("xstatic.pkg.leaflet", f"data/images/{image}") for image in IMAGES},
}


def _installed(package: str, inner: str) -> Path:
    """A file of an installed package, found without importing it (folium pulls in numpy)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{package} is not installed: it provides {inner}")
    return Path(next(iter(spec.submodule_search_locations))) / inner


def copy_assets(target: Path) -> Path:
    """Copy every file of static/ from the installed packages into ``target``.

    Run by the build (into the wheel, or into the checkout for an editable install), never by the
    app. Raises FileNotFoundError when a package or one of its files is missing.
    """
    for name, (package, inner) in SOURCES.items():
        source = _installed(package, inner)
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        tmp = target / (name + ".tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target / name)
    return target


def missing_assets(folder: Path = STATIC_DIR) -> list[str]:
    """The files of static/ that ``folder`` lacks: a checkout installed before the build step
    existed, or a package built without it."""
    return [name for name in SOURCES if not (folder / name).is_file()]


def asset_url(base_url_path: str = "") -> str:
    """Where the app serves static/ under Streamlit's ``server.baseUrlPath`` (behind a proxy)."""
    base = base_url_path.strip("/")
    return f"/{base}{APP_BASE_URL}" if base else APP_BASE_URL


class UnknownAssetError(RuntimeError):
    """A folium element wants a script or stylesheet we cannot serve locally."""


def _walk(element: Element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localize(root: AnyElement, base_url: str = APP_BASE_URL) -> AnyElement:
    """Point every script and stylesheet of ``root`` and its children at ``base_url``.

    Raises UnknownAssetError for an asset we have no local copy of, so a new plugin can never
    quietly bring a CDN request back.
    """
    for element in _walk(root):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if not links:
                continue
            local = []
            for name, url in links:
                if name not in ASSETS:
                    raise UnknownAssetError(f"{type(element).__name__} needs {name} ({url})")
                served = ASSETS[name]
                if served is not None:
                    local.append((name, base_url + served))
            setattr(element, attr, local)
    return root


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _inline_css(path: Path) -> str:
    css = path.read_text(encoding="utf-8")
    for image in IMAGES:  # only leaflet.css names them
        if f"images/{image}" in css:
            css = css.replace(f"images/{image}", _data_uri(path.parent / "images" / image))
    return css


def inline_assets(html: str) -> str:
    """Replace the asset links of a page rendered with ``localize(root, INLINE_MARK)`` by their text.

    The result is one self-contained file that draws in any browser with no network.
    """
    files = {served: STATIC_DIR / served for served in ASSETS.values() if served is not None}
    mark = re.escape(INLINE_MARK)

    def script(match: re.Match[str]) -> str:
        code = files[match.group(1)].read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script>{code}</script>"

    def style(match: re.Match[str]) -> str:
        return f"<style>{_inline_css(files[match.group(1)])}</style>"

    html = re.sub(rf'<script src="{mark}([^"]+)"></script>', script, html)
    return re.sub(rf'<link rel="stylesheet" href="{mark}([^"]+)"\s*/>', style, html)
