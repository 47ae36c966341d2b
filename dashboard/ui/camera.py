"""Where the map looks: re-fitted when the filter changes, moved to an event picked in the list,
and otherwise left where the user put it.

st_folium moves the map only when the centre or zoom it is given changes, so handing it the same
camera again keeps the user's pan and zoom across reruns.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.events.view import FIT_MAX_ZOOM
from dashboard.mapping.basemap import SYRIA_BOUNDS, fit_view

FOLLOW_ZOOM = 9


@dataclass(frozen=True)
class Camera:
    """A map view, and the filter it was fitted to."""

    center: tuple[float, float]
    zoom: int
    fitted_to: str = ""


def next_camera(
    previous: Camera | None,
    *,
    filter_key: str,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None,
    follow: tuple[float, float] | None = None,
) -> Camera:
    """The camera for this rerun.

    ``follow`` is the position of an event just picked in the list: the map goes to it. A new
    filter (``filter_key`` differs from the one the previous camera was fitted to) re-fits the map
    to ``bounds``. Anything else keeps the previous camera, so the map does not move.
    """
    if follow is not None:
        zoom = max(previous.zoom if previous else 0, FOLLOW_ZOOM)
        return Camera((round(follow[0], 5), round(follow[1], 5)), zoom, filter_key)
    if previous is not None and previous.fitted_to == filter_key:
        return previous
    (south, west), (north, east) = bounds or SYRIA_BOUNDS
    center, zoom = fit_view(south, west, north, east, max_zoom=FIT_MAX_ZOOM)
    return Camera((round(center[0], 5), round(center[1], 5)), zoom, filter_key)
