"""The map's camera: fits a new filter, follows a list pick, otherwise stays put."""

from __future__ import annotations

from dashboard.events.view import FIT_MAX_ZOOM
from dashboard.mapping.basemap import SYRIA_BOUNDS
from dashboard.ui.camera import FOLLOW_ZOOM, Camera, next_camera

ALEPPO = ((36.0, 37.0), (36.4, 37.4))
SYRIA = ((32.5, 35.7), (37.3, 42.3))


def test_a_new_filter_fits_its_events():
    wide = next_camera(None, filter_key="all", bounds=SYRIA)
    close = next_camera(wide, filter_key="aleppo", bounds=ALEPPO)
    assert close.zoom > wide.zoom
    assert close.center == (36.2, 37.2)
    assert close.fitted_to == "aleppo"


def test_one_event_is_shown_among_its_neighbours_not_alone_at_street_level():
    one = next_camera(None, filter_key="one event", bounds=((36.2, 37.15), (36.2, 37.15)))
    assert one.center == (36.2, 37.15) and one.zoom == FIT_MAX_ZOOM < 11


def test_the_same_filter_keeps_the_camera_where_it_was():
    first = next_camera(None, filter_key="all", bounds=SYRIA)
    assert next_camera(first, filter_key="all", bounds=ALEPPO) is first


def test_a_pick_in_the_list_moves_to_the_event_and_zooms_in():
    first = next_camera(None, filter_key="all", bounds=SYRIA)
    picked = next_camera(first, filter_key="all", bounds=SYRIA, follow=(35.5, 36.0))
    assert picked.center == (35.5, 36.0) and picked.zoom == FOLLOW_ZOOM
    assert next_camera(picked, filter_key="all", bounds=SYRIA) is picked  # then stays


def test_following_never_zooms_out():
    close = Camera((36.2, 37.2), 13, "all")
    assert next_camera(close, filter_key="all", bounds=None, follow=(36.0, 37.0)).zoom == 13


def test_no_events_falls_back_to_syria():
    assert next_camera(None, filter_key="none", bounds=None) == next_camera(None, filter_key="none",
                                                                            bounds=SYRIA_BOUNDS)



