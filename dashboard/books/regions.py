"""The vector basemap (countries, governorates, rivers) and which governorate a point lies in.

The basemap ships with the project (dashboard/data/basemap/, from Natural Earth and geoBoundaries/OCHA), so
the map stays readable with no tile server. Governorates are found by point-in-polygon on the
points' unique coordinates rather than by admin1 names, which every dataset spells differently.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard import DATA_DIR

BASEMAP = DATA_DIR / "basemap" / "syria_region.geojson"
# The world at 1:110m, beneath the region: events in Munich or Tehran sit on their country's land.
WORLD = DATA_DIR / "basemap" / "world_110m.geojson"


@lru_cache(maxsize=4)
def load_basemap(path: Path = BASEMAP) -> dict:
    """The basemap FeatureCollection (read once per process)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def basemap_layer(layer: str, path: Path = BASEMAP) -> dict:
    """One layer of the basemap (country, governorate, lake, river, coastline, ceasefire_line; or
    world, the small-scale countries of the whole world).

    The features are copies (geometry shared), so a caller that adds a property (event counts)
    or folium adding an id never changes the cached basemap: that leaked one session's counts
    into every later map and made the fixed map's script change on every slider move, which
    re-created the map's iframe each time.
    """
    if layer == "world":
        path = WORLD
    collection = load_basemap(path)
    features = [{**f, "properties": dict(f["properties"])} for f in collection["features"]
                if f["properties"].get("layer", "world") == layer]
    return {"type": "FeatureCollection", "features": features}


def attribution(path: Path = BASEMAP) -> str:
    """The credit line the basemap's licence asks for."""
    return str(load_basemap(path).get("attribution", ""))


def _rings(geometry: dict) -> list[np.ndarray]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [np.asarray(ring, dtype=float) for polygon in polygons for ring in polygon]


def _inside(lon: np.ndarray, lat: np.ndarray, rings: list[np.ndarray]) -> np.ndarray:
    """Even-odd ray casting over every ring (holes included), vectorised over the points."""
    inside = np.zeros(len(lon), dtype=bool)
    for ring in rings:
        x1, y1 = ring[:-1, 0], ring[:-1, 1]
        x2, y2 = ring[1:, 0], ring[1:, 1]
        for ax, ay, bx, by in zip(x1, y1, x2, y2, strict=True):
            crosses = (ay > lat) != (by > lat)
            if not crosses.any():
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = ax + (lat - ay) * (bx - ax) / (by - ay)
            inside ^= crosses & (lon < x_at)
    return inside


def governorate_of(lat: np.ndarray, lon: np.ndarray, path: Path = BASEMAP) -> np.ndarray:
    """The governorate name of each point ("" outside Syria), computed once per unique point."""
    codes, names = governorate_codes(lat, lon, path)
    return names[codes]


def governorate_codes(lat: np.ndarray, lon: np.ndarray,
                      path: Path = BASEMAP) -> tuple[np.ndarray, np.ndarray]:
    """(code of each point's governorate, the names in text order, "" for outside Syria first):
    a code per event instead of a Python string per event."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    result = np.zeros(len(lat), dtype=np.int32)
    if len(lat) == 0:
        return result, np.array([""], dtype=object)
    valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    # One int64 key per point rounded to 4 decimals, hashed (pd.factorize): np.unique(axis=0)
    # sorts rows and took over a second for a million points.
    key = (np.rint(lat[valid] * 1e4).astype(np.int64) + 900_000) * 4_000_000 + (
        np.rint(lon[valid] * 1e4).astype(np.int64) + 1_800_000)
    inverse, unique_keys = pd.factorize(key)
    uniques = np.column_stack([(unique_keys // 4_000_000 - 900_000) / 1e4,
                               (unique_keys % 4_000_000 - 1_800_000) / 1e4])
    names = np.full(len(uniques), "", dtype=object)
    for feature in basemap_layer("governorate", path)["features"]:
        rings = _rings(feature["geometry"])
        allxy = np.concatenate(rings)
        box = (
            (uniques[:, 1] >= allxy[:, 0].min()) & (uniques[:, 1] <= allxy[:, 0].max())
            & (uniques[:, 0] >= allxy[:, 1].min()) & (uniques[:, 0] <= allxy[:, 1].max())
            & (names == "")
        )
        if box.any():
            hit = _inside(uniques[box, 1], uniques[box, 0], rings)
            names[np.flatnonzero(box)[hit]] = feature["properties"]["name"]
    found = np.array(sorted({"", *names}), dtype=object)
    code_of_unique = np.searchsorted(found, names.astype(str)).astype(np.int32)
    result[valid] = code_of_unique[inverse]
    return result, found


def world_country_at(lat: float, lon: float) -> dict | None:
    """The world map's country feature (a copy) that holds a point, if any: where an event known
    only to its country is outlined."""
    found = _world_feature_index(round(float(lat), 4), round(float(lon), 4))
    if found is None:
        return None
    feature = load_basemap(WORLD)["features"][found]
    return {**feature, "properties": dict(feature["properties"])}


@lru_cache(maxsize=4096)
def _world_feature_index(lat: float, lon: float) -> int | None:
    for number, feature in enumerate(load_basemap(WORLD)["features"]):
        rings = _rings(feature["geometry"])
        xy = np.concatenate(rings)
        if not (xy[:, 0].min() <= lon <= xy[:, 0].max() and xy[:, 1].min() <= lat <= xy[:, 1].max()):
            continue
        if _inside(np.array([lon]), np.array([lat]), rings)[0]:
            return number
    return None
