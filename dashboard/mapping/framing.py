"""Where a map looks: the one home of the fit, zoom and camera rules, for the app and the exports.

These rules used to live in four modules (the events' view, the basemap, the app's camera and the
snapshot) and drifted apart: two zoom caps once disagreed. Here they are stated once:

- a fit frames the bulk of the events drawn as points (:func:`dashboard.model.place.drawable`):
  among many, those far from the rest are left out of the box (they stay on the map, and the app
  says how many are outside the view, with a way to show them all), so a few events in Munich or
  Moscow do not shrink Syria to a thumbnail;
- a fit never zooms in past :data:`FIT_MAX_ZOOM`: one event, or a few in one town, still shows
  the towns around it;
- going to one event (picked in the list) zooms to at least :data:`FOLLOW_ZOOM`, never out;
- a box the user chose (their zoomed-in view, for an export) is shown edge to edge up to
  :data:`VIEW_MAX_ZOOM`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.model.box import BBox
from dashboard.model.place import drawable

Bounds = tuple[tuple[float, float], tuple[float, float]]

SYRIA_BOUNDS: Bounds = ((32.3, 35.6), (37.4, 42.4))  # the view when there is nothing to fit
MAP_HEIGHT_PX = 596  # the app's map: under the controls, its bottom edge in view at 1440x900
MAP_WIDTH_PX = 820  # its width at 1440x900 (the sidebar 240 px, the list beside it)
FIT_TRIM_FROM = 20  # fewer events than this are all framed, however far apart
FIT_SPREAD = 3.0
FIT_FLOOR_KM = 300.0
FIT_SAMPLE = 200_000  # events the trim's median and spread are read from (all, when fewer)
KM_PER_DEGREE = 111.2
FIT_MAX_ZOOM = 9
FOLLOW_ZOOM = 9
VIEW_MAX_ZOOM = 13  # a neighbourhood: as close as the shipped basemap and place names are useful
EVENTS_PADDING_PX = 24  # margin around fitted events in an export


@dataclass(frozen=True)
class Camera:
    """A map view, and what it was made for ("fit", "follow")."""

    center: tuple[float, float]
    zoom: int
    fitted_to: str = ""


def fit_bounds(events: pd.DataFrame, *, trim: bool = True) -> Bounds | None:
    """The box a fit frames: the events drawn as points, without the far outliers among many
    (``trim``): those farther from the events' median point than :data:`FIT_SPREAD` times the
    distance within which three quarters of them lie (and at least :data:`FIT_FLOOR_KM`).

    A per-axis percentile cut kept Munich in the box (two events of 54 are under the 5% that
    each side trims), and Syria became a thumbnail beside Europe."""
    if events.empty:
        return None
    radius = events["uncertainty_km"]
    precise = drawable(radius.to_numpy(float) if radius.dtype.kind in "iuf" else radius)
    lat, lon = events["lat"].to_numpy(float), events["lon"].to_numpy(float)
    if precise.any() and not precise.all():
        lat, lon = lat[precise], lon[precise]
    if trim and len(lat) >= FIT_TRIM_FROM:
        # The median point and the spread read from an evenly spaced sample when there are many
        # events: sorting ten million coordinates twice cost a second of a first map.
        step = -(-len(lat) // FIT_SAMPLE)  # every event up to FIT_SAMPLE, then a sample of about it
        mid_lat, mid_lon = float(np.nanmedian(lat[::step])), float(np.nanmedian(lon[::step]))
        scale = math.cos(math.radians(mid_lat))

        def km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
            return np.hypot(lat - mid_lat, (lon - mid_lon) * scale) * KM_PER_DEGREE

        limit = max(FIT_SPREAD * float(np.nanpercentile(km(lat[::step], lon[::step]), 75)), FIT_FLOOR_KM)
        keep = km(lat, lon) <= limit
        lat, lon = lat[keep], lon[keep]
    return ((float(np.nanmin(lat)), float(np.nanmin(lon))),
            (float(np.nanmax(lat)), float(np.nanmax(lon))))


def fit_view(
    south: float, west: float, north: float, east: float,
    *, width_px: int = MAP_WIDTH_PX, height_px: int = MAP_HEIGHT_PX, max_zoom: int = FIT_MAX_ZOOM,
) -> tuple[tuple[float, float], int]:
    """Centre and zoom that show a box in a map of this size (st_folium moves to a centre and
    zoom; it does not take bounds)."""
    span_lon = max(east - west, 0.02) * 1.15
    span_lat = max(north - south, 0.02) * 1.15
    zoom_lon = math.log2(360 * width_px / (256 * span_lon))
    zoom_lat = math.log2(170 * height_px / (256 * span_lat))
    zoom = int(max(2, min(max_zoom, math.floor(min(zoom_lon, zoom_lat)))))
    return ((south + north) / 2, (west + east) / 2), zoom


def fit_camera(bounds: Bounds | None) -> Camera:
    """The camera that fits ``bounds`` (Syria when there is nothing to fit)."""
    (south, west), (north, east) = bounds or SYRIA_BOUNDS
    center, zoom = fit_view(south, west, north, east)
    return Camera((round(center[0], 5), round(center[1], 5)), zoom, "fit")


def follow_camera(point: tuple[float, float], *, zoom: float | None) -> Camera:
    """The camera on one event: at the current zoom, or closer when that is far out."""
    return Camera((round(point[0], 5), round(point[1], 5)), max(int(zoom or 0), FOLLOW_ZOOM), "follow")


@dataclass(frozen=True)
class Framing:
    """What an exported map fits to, and how closely.

    A box the user chose (their zoomed-in map view) is shown edge to edge and as close as it
    takes: a cap meant for events turned a box around Aleppo into most of northern Syria while the
    header named that box. Fitting events keeps a margin and the events' cap.
    """

    bounds: Bounds
    max_zoom: int
    padding_px: int
    zoom_snap: float  # Leaflet's zoom step when fitting: finer steps frame a box more tightly

    def zoom(self, *, width_px: int, height_px: int) -> int:
        """The zoom this framing gives a map of that size (for the grid cells' size)."""
        (south, west), (north, east) = self.bounds
        return fit_view(south, west, north, east, width_px=width_px, height_px=height_px,
                        max_zoom=self.max_zoom)[1]


def framing(events: pd.DataFrame, view_box: BBox | None) -> Framing:
    """The user's on-screen view when known, else the events framed as the app frames them."""
    if view_box is not None:
        south, west, north, east = view_box
        return Framing(((south, west), (north, east)), VIEW_MAX_ZOOM, 0, 0.25)
    return Framing(fit_bounds(events) or SYRIA_BOUNDS, FIT_MAX_ZOOM, EVENTS_PADDING_PX, 1.0)
