"""Leaflet and its plugins from installed packages instead of CDNs.

Analysts work offline and must not leak what they look at, so no map may load a script from a third
party. folium names its scripts and stylesheets with CDN URLs; :func:`localize` rewrites every one of
them to a file shipped by an installed package (XStatic packages, folium's own templates), served by
Streamlit's static file serving in the app and inlined into exported HTML files.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import folium
import xstatic.pkg.jquery as xjquery
import xstatic.pkg.leaflet as xleaflet
import xstatic.pkg.leaflet_markercluster as xcluster
from branca.element import Element

from dashboard import PACKAGE_DIR

STATIC_DIR = PACKAGE_DIR / "ui" / "static"  # Streamlit serves <app folder>/static at /app/static/
APP_BASE_URL = "/app/static/"
INLINE_MARK = "atlas-asset:"

_LEAFLET = Path(xleaflet.BASE_DIR)
_CLUSTER = Path(xcluster.BASE_DIR)
_FOLIUM_TEMPLATES = Path(folium.__file__).parent / "templates"

# folium's asset names -> (our file name, where the installed file is). None: not needed, dropped.
ASSETS: dict[str, tuple[str, Path] | None] = {
    "leaflet": ("leaflet.js", _LEAFLET / "leaflet.js"),
    "leaflet_css": ("leaflet.css", _LEAFLET / "leaflet.css"),
    "markerclusterjs": ("leaflet.markercluster.js", _CLUSTER / "leaflet.markercluster.js"),
    "markerclustercss": ("MarkerCluster.css", _CLUSTER / "MarkerCluster.css"),
    "markerclusterdefaultcss": ("MarkerCluster.Default.css", _CLUSTER / "MarkerCluster.Default.css"),
    "leaflet-heat.js": ("leaflet-heat.js", _FOLIUM_TEMPLATES / "leaflet_heat.min.js"),
    # branca builds popup contents with jQuery's $().
    "jquery": ("jquery.min.js", Path(xjquery.BASE_DIR) / "jquery.min.js"),
    # Bootstrap and awesome-markers serve folium's icon markers, which we do not use.
    "bootstrap": None,
    "awesome_markers": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}
_IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png")


class UnknownAssetError(RuntimeError):
    """A folium element wants a script or stylesheet we cannot serve locally."""


def _walk(element: Element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localize(root: Element, base_url: str = APP_BASE_URL) -> Element:
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
                entry = ASSETS[name]
                if entry is not None:
                    local.append((name, base_url + entry[0]))
            setattr(element, attr, local)
    return root


def install_static(target: Path = STATIC_DIR) -> Path:
    """Copy the assets (and Leaflet's images) where Streamlit's static serving finds them."""
    (target / "images").mkdir(parents=True, exist_ok=True)
    for entry in ASSETS.values():
        if entry is not None:
            _copy_if_changed(entry[1], target / entry[0])
    for image in _IMAGES:
        _copy_if_changed(_LEAFLET / "images" / image, target / "images" / image)
    return target


def _copy_if_changed(source: Path, target: Path) -> None:
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        tmp = target.with_suffix(target.suffix + ".tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _inline_css(path: Path) -> str:
    css = path.read_text(encoding="utf-8")
    if path.parent == _LEAFLET:
        for image in _IMAGES:
            css = css.replace(f"images/{image}", _data_uri(_LEAFLET / "images" / image))
    return css


def inline_assets(html: str) -> str:
    """Replace the asset links of a page rendered with ``localize(root, INLINE_MARK)`` by their text.

    The result is one self-contained file that draws in any browser with no network.
    """
    files = {entry[0]: entry[1] for entry in ASSETS.values() if entry is not None}
    mark = re.escape(INLINE_MARK)

    def script(match: re.Match[str]) -> str:
        code = files[match.group(1)].read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script>{code}</script>"

    def style(match: re.Match[str]) -> str:
        return f"<style>{_inline_css(files[match.group(1)])}</style>"

    html = re.sub(rf'<script src="{mark}([^"]+)"></script>', script, html)
    return re.sub(rf'<link rel="stylesheet" href="{mark}([^"]+)"\s*/>', style, html)
