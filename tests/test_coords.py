"""Coordinates as people write them, and the pairs that cannot be right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.ingest.formats.coords import coordinate_column, parse_coordinate
from dashboard.ingest.formats.geocheck import check_coordinates


@pytest.mark.parametrize(
    ("text", "axis", "expected"),
    [
        ("36.2021", "lat", 36.2021),
        ("-36.2021", "lat", -36.2021),
        ("+37.1343", "lon", 37.1343),
        ("36,2021", "lat", 36.2021),
        ("  36.2 ", "lat", 36.2),
        ("36°12′N", "lat", 36.2),
        ("37°09′E", "lon", 37.15),
        ("36°12'07\"N", "lat", 36 + 12 / 60 + 7 / 3600),
        ("36° 12′ 07″ N", "lat", 36 + 12 / 60 + 7 / 3600),
        ("36°12’07”N", "lat", 36 + 12 / 60 + 7 / 3600),
        ("36°12'07''N", "lat", 36 + 12 / 60 + 7 / 3600),
        ("36 12 7 N", "lat", 36 + 12 / 60 + 7 / 3600),
        ("36:12:07", "lat", 36 + 12 / 60 + 7 / 3600),
        ("36d12m07s", "lat", 36 + 12 / 60 + 7 / 3600),
        ("36d12m07sN", "lat", 36 + 12 / 60 + 7 / 3600),
        ("N36.2021", "lat", 36.2021),
        ("N 36.2021", "lat", 36.2021),
        ("36.2021N", "lat", 36.2021),
        ("36.2021 S", "lat", -36.2021),
        ("37°09′W", "lon", -37.15),
        ("35° 55.8' N", "lat", 35.93),
        ("36.2°", "lat", 36.2),
        ("36º12′N", "lat", 36.2),
        ("-36°12′", "lat", -36.2),
    ],
)
def test_parse_coordinate(text, axis, expected):
    assert parse_coordinate(text, axis) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("text", ["", "  ", "None", "NA", "n/a", "NaN", "null", "-", "?"])
def test_blank_coordinates_are_none(text):
    assert parse_coordinate(text, "lat") is None


@pytest.mark.parametrize(
    ("text", "axis", "words"),
    [
        ("37°09′N", "lon", "marks a latitude"),
        ("36°12′E", "lat", "marks a longitude"),
        ("36°75′N", "lat", "below 60"),
        ("36°12′75″N", "lat", "below 60"),
        ("36.5°12′N", "lat", "fraction"),
        ("-36.2S", "lat", "both a minus sign"),
        ("36°-12′", "lat", "only the degrees"),
        ("abc", "lat", "not a latitude"),
        ("36.2, 37.1", "lat", "not a latitude"),
        ("1,234.5", "lon", "not a longitude"),
        ("36 12 07 01", "lat", "not a latitude"),
    ],
)
def test_unreadable_coordinates_say_why(text, axis, words):
    with pytest.raises(ValueError, match=words):
        parse_coordinate(text, axis)


def test_coordinate_column_reads_plain_and_odd_values():
    values = pd.Series(["36.2", "36°12′N", "", "None", "oops", "36,5", "inf"], dtype="str")
    degrees, reasons, plain = coordinate_column(values, "lat")
    assert degrees[:2].tolist() == pytest.approx([36.2, 36.2])
    assert np.isnan(degrees[[2, 3, 4, 6]]).all()
    assert degrees[5] == pytest.approx(36.5)
    assert [bool(r) for r in reasons] == [False, False, False, False, True, False, True]
    assert plain.tolist() == [True, False, False, False, False, False, False]


def test_swapped_pair_is_repaired_by_the_rows_country():
    lat = np.array([40.1408, 36.2021, 33.3152])
    lon = np.array([35.3359, 37.1343, 44.3661])
    checked = check_coordinates(lat, lon, pd.Series(["Syria", "Syria", "Syria"], dtype="str"))
    assert checked.lat.tolist() == [35.3359, 36.2021, 33.3152]
    assert checked.lon.tolist() == [40.1408, 37.1343, 44.3661]
    assert [bool(s) for s in checked.swapped] == [True, False, False]
    assert checked.outside_country.tolist() == [False, False, True]


def test_without_a_country_the_files_region_is_used():
    lat = np.array([36.2, 35.93, 35.53, 33.51, 34.73, 35.13, 38.284])
    lon = np.array([37.13, 36.63, 35.79, 36.29, 36.71, 36.76, 34.556])
    checked = check_coordinates(lat, lon, pd.Series([""] * 7, dtype="str"))
    assert [bool(s) for s in checked.swapped] == [False] * 6 + [True]
    assert checked.lat[-1] == 34.556
    assert not checked.outside_country.any()


def test_small_files_without_country_are_not_guessed_at():
    checked = check_coordinates(np.array([38.284]), np.array([34.556]),
                                pd.Series([""], dtype="str"))
    assert checked.lat.tolist() == [38.284] and not checked.swapped[0]


def test_out_of_range_and_placeholder():
    lat = np.array([95.0, 0.0, 36.2, np.nan])
    lon = np.array([37.0, 0.0, 190.0, np.nan])
    checked = check_coordinates(lat, lon, pd.Series(["Syria"] * 4, dtype="str"))
    assert checked.out_of_range.tolist() == [True, False, True, False]
    assert checked.placeholder.tolist() == [False, True, False, False]
    assert np.isnan(checked.lat[1]) and np.isnan(checked.lon[1])


@pytest.mark.parametrize(("text", "axis", "expected"), [
    ("35°48&#39;45&quot;N", "lat", 35.8125),  # as the Syrian Archive publishes them
    ("36&deg;12&prime;E", "lon", 36.2),
    ("35&#176;48&#x27;45&#34;N", "lat", 35.8125),
])
def test_html_entities_in_coordinates_are_decoded(text, axis, expected):
    assert parse_coordinate(text, axis) == pytest.approx(expected)
    degrees, why, _ = coordinate_column(pd.Series([text, "36.2"], dtype="str"), axis)
    assert degrees[0] == pytest.approx(expected) and why[0] == ""
