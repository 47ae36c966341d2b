"""The framing rules (mapping/framing.py): fits, follows and export framings."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.mapping.framing import (
    EVENTS_PADDING_PX,
    FIT_MAX_ZOOM,
    FOLLOW_ZOOM,
    SYRIA_BOUNDS,
    VIEW_MAX_ZOOM,
    fit_bounds,
    fit_camera,
    follow_camera,
    framing,
)

ALEPPO = ((36.0, 37.0), (36.4, 37.4))
SYRIA = ((32.5, 35.7), (37.3, 42.3))


def _events(points: list[tuple[float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(points, columns=["lat", "lon", "uncertainty_km"])


def test_a_smaller_box_is_fitted_closer():
    wide, close = fit_camera(SYRIA), fit_camera(ALEPPO)
    assert close.zoom > wide.zoom
    assert close.center == (36.2, 37.2)


def test_one_event_is_shown_among_its_neighbours_not_alone_at_street_level():
    one = fit_camera(((36.2, 37.15), (36.2, 37.15)))
    assert one.center == (36.2, 37.15) and one.zoom == FIT_MAX_ZOOM < 11


def test_going_to_an_event_zooms_in_to_the_follow_zoom_and_never_out():
    assert follow_camera((35.5, 36.0), zoom=6).zoom == FOLLOW_ZOOM
    assert follow_camera((35.5, 36.0), zoom=None).center == (35.5, 36.0)
    assert follow_camera((36.0, 37.0), zoom=13).zoom == 13


def test_no_events_falls_back_to_syria():
    assert fit_camera(None) == fit_camera(SYRIA_BOUNDS)


def test_a_fit_leaves_out_country_level_points_and_far_outliers():
    aleppo = [(36.2 + i * 0.001, 37.15, 1.0) for i in range(30)]
    munich = [(48.1, 11.6, 1.0)]  # one of 31: beyond the 95th percentile
    iran = [(32.0, 53.0, 900.0)]  # known only to the country
    (south, west), (north, east) = fit_bounds(_events(aleppo + munich + iran))
    assert 36.2 <= south < north < 36.25 and west == east == 37.15
    few = fit_bounds(_events(aleppo[:3] + munich))  # under 20 events nothing is an outlier
    assert few[1] == (48.1, 37.15)
    assert fit_bounds(_events(aleppo + munich), trim=False)[1] == (48.1, 37.15), "Show all"


def test_a_fit_keeps_a_whole_country_of_events_and_leaves_out_cities_far_away():
    syria = [(33.0 + i * 0.1, 35.8 + i * 0.1, 0.0) for i in range(40)]  # Golan to the Euphrates
    # Munich, Geneva and Moscow twice, as in the bundled data: 4 of 44, so a per-axis 5% cut kept
    # Munich's latitude in the box.
    europe = [(48.1, 11.6, 0.0), (46.2, 6.1, 0.0), (55.75, 37.6, 0.0), (55.75, 37.6, 0.0)]
    (south, west), (north, east) = fit_bounds(_events(syria + europe))
    assert (south, west, north, east) == pytest.approx((33.0, 35.8, 36.9, 39.7))


def test_an_export_shows_the_users_box_edge_to_edge_and_fits_events_with_a_margin():
    box = framing(_events([(36.2, 37.15, 1.0)]), (36.1, 37.0, 36.3, 37.3))
    assert box.bounds == ((36.1, 37.0), (36.3, 37.3)) and box.padding_px == 0
    assert box.max_zoom == VIEW_MAX_ZOOM
    fitted = framing(_events([(36.2, 37.15, 1.0), (35.0, 36.0, 1.0)]), None)
    assert fitted.bounds == ((35.0, 36.0), (36.2, 37.15)) and fitted.padding_px == EVENTS_PADDING_PX
    assert fitted.zoom(width_px=1600, height_px=820) <= FIT_MAX_ZOOM


def test_many_events_are_fitted_from_a_sample_to_the_box_of_them_all(monkeypatch):
    """Above FIT_SAMPLE events the trim's median and spread come from an evenly spaced sample:
    the box is the one every event gives, within a few hundredths of a degree."""
    import numpy as np

    from dashboard.mapping import framing

    rng = np.random.default_rng(2)
    size = 600_000
    lat = np.concatenate([rng.normal(35.5, 1.2, size), [48.1, 51.5, 40.4]])  # Munich, London, Madrid
    lon = np.concatenate([rng.normal(38.0, 1.5, size), [11.6, -0.1, -3.7]])
    events = pd.DataFrame({"lat": lat, "lon": lon, "uncertainty_km": np.zeros(len(lat))})
    sampled = framing.fit_bounds(events)
    monkeypatch.setattr(framing, "FIT_SAMPLE", 10 * size)  # every event read
    exact = framing.fit_bounds(events)
    assert sampled is not None and exact is not None
    assert np.allclose(np.array(sampled), np.array(exact), atol=0.05)
    assert sampled[1][0] < 45 and sampled[0][1] > 20  # the far cities left out either way


def test_the_box_of_a_whole_store_is_worked_out_once(monkeypatch, small_store):
    from dashboard.events import view as view_module
    from dashboard.events.query import Query

    calls = []
    real = view_module.fit_bounds
    monkeypatch.setattr(view_module, "fit_bounds", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(view_module, "WHOLE_BOUNDS_FROM", 2)
    first = view_module.build_view(small_store, Query()).bounds
    assert view_module.build_view(small_store, Query()).bounds == first and len(calls) == 1
    narrower = view_module.build_view(small_store, Query(event_types=("battle",)))
    assert narrower.bounds is not None and len(calls) == 2  # a part of the store: its own box
