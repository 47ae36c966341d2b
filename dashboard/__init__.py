"""Event Atlas: a geospatial timeline dashboard for sourced conflict events."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent  # the checkout; in an installed package, the site-packages folder
DATA_DIR = PACKAGE_DIR / "data"  # the bundled data ships inside the package (package data)

__all__ = ["DATA_DIR", "PACKAGE_DIR", "REPO_DIR"]
