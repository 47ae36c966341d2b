"""Event Atlas: a geospatial timeline dashboard for sourced conflict events."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DATA_DIR = REPO_DIR / "data"

__all__ = ["DATA_DIR", "PACKAGE_DIR", "REPO_DIR"]
