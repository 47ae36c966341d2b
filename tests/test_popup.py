"""Popups and tooltips: dates at their precision, places with their uncertainty, all text escaped."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.mapping.popup import date_label, id_from_tooltip, popup_html, tooltip_text

from .conftest import event


@pytest.mark.parametrize(
    ("start", "end", "precision", "label"),
    [
        ("2016-02-03", "2016-02-03", "day", "3 Feb 2016"),
        ("2016-02-03", "2016-02-05", "day", "3 Feb 2016 – 5 Feb 2016"),
        ("2016-02-01", "2016-02-29", "month", "Feb 2016"),
        ("2016-03-01", "2016-05-31", "season", "spring 2016"),
        ("2016-01-01", "2016-12-31", "year", "2016"),
        ("2016-02-01", "2016-02-07", "week", "week of 1 Feb 2016"),
        ("2011-01-01", "2015-10-31", "year", "2011 – 2015"),
        ("2016-01-01", "2016-06-02", "year", "2016 (to 2 Jun)"),
        ("2015-09-01", "2016-02-29", "season", "autumn 2015 – Feb 2016"),
        ("2016-01-01", "2016-03-31", "month", "Jan 2016 – Mar 2016"),
        ("2016-01-31", "2016-02-13", "week", "week of 31 Jan 2016 – 13 Feb 2016"),
    ],
)
def test_date_label_shows_precision(start, end, precision, label):
    assert date_label(pd.Timestamp(start), pd.Timestamp(end), precision) == label


XSS = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">'


def test_popup_escapes_every_data_field():
    row = event("x1", "2016-02-03", summary=XSS, quote=XSS, actors=XSS, place=XSS)
    row["claimed_by"] = XSS
    html = popup_html(row, {"title": XSS, "outlet": XSS, "published": "2016-06-02"})
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert "Feb 2016" in html and "Claimed by" in html


def test_popup_shows_source_quote_and_counts():
    row = event("x2", "2016-02-03", quote="the exact sentence", summary="What happened")
    row["fatalities"] = 12
    html = popup_html(row, {"title": "An article", "outlet": "Outlet", "published": "2016-06-02"})
    for text in ("the exact sentence", "What happened", "Fatalities", "12", "An article — Outlet"):
        assert text in html


def test_approximate_place_says_so():
    row = event("x3", "2016-02-03", place="southern Aleppo front", loc_precision="approximate",
                uncertainty_km=15)
    assert "southern Aleppo front (approximate, ±15 km)" in popup_html(row)


@pytest.mark.parametrize("event_id", ["2016-05-06-khan-tuman", "acled:SYR123", "line-7"])
def test_tooltip_round_trips_the_event_id(event_id):
    assert id_from_tooltip(tooltip_text(event(event_id, "2016-05-06"))) == event_id


@pytest.mark.parametrize("text", [None, "", "no brackets", "ends [open"])
def test_tooltip_without_id(text):
    assert id_from_tooltip(text) is None


def test_the_list_labels_each_row_as_its_popup_does():
    from dashboard.events.view import date_labels

    day, month = pd.Timestamp("2016-02-03"), pd.Timestamp("2016-02-01")
    frame = pd.DataFrame({
        "start": [day, month, pd.NaT, month, day],
        "end": [day, pd.Timestamp("2016-02-29"), pd.NaT, pd.Timestamp("2016-04-30"), day],
        "date_precision": ["day", "month", "day", "month", "week"],
    })
    expected = [date_label(s, e, p) for s, e, p in frame.itertuples(index=False)]
    assert list(date_labels(frame)) == expected
    assert expected[2] == "undated" and expected[3] == "Feb 2016 – Apr 2016"
