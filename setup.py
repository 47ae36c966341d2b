"""The build step pyproject.toml cannot say: Leaflet's files go into the package as package data.

The map's scripts, stylesheets and images come from installed packages (see
dashboard/mapping/assets.py); they are copied into ``dashboard/ui/static/`` while the wheel is
built, so an installed package serves them read-only and never writes into itself. An editable
install (``pip install -e .``) copies them into the checkout instead, where the app runs from.
"""

import importlib.util
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _assets_module():
    # Loaded from its file: importing dashboard.mapping would import folium's whole stack.
    sys.path.insert(0, str(ROOT))  # for ``from dashboard import PACKAGE_DIR`` (a path only)
    path = ROOT / "dashboard" / "mapping" / "assets.py"
    spec = importlib.util.spec_from_file_location("_atlas_assets", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithAssets(build_py):
    """build_py, then Leaflet's files into dashboard/ui/static/."""

    def run(self) -> None:
        super().run()
        in_place = getattr(self, "editable_mode", False)
        target = ROOT if in_place else Path(self.build_lib)
        _assets_module().copy_assets(target / "dashboard" / "ui" / "static")


setup(cmdclass={"build_py": BuildWithAssets})
