"""Zooming in on many events brings single markers back: layers follow the map's current view."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.mapping.layers import VIEW_MARGIN, LayerOptions, event_layers, events_layer
from dashboard.model.box import in_box

from .conftest import event, make_actor_book

# 1,500 events: 1,200 around Aleppo, 300 around Damascus.
MANY = pd.DataFrame(
    [event(f"a{i}", "2016-01-01", lat=36.0 + (i % 30) * 0.01, lon=37.0 + (i // 30) * 0.01)
     for i in range(1200)]
    + [event(f"d{i}", "2016-01-01", lat=33.5 + (i % 20) * 0.005, lon=36.2 + (i // 20) * 0.005)
       for i in range(300)]
)
DAMASCUS = (33.45, 36.15, 33.65, 36.35)


def drawn(bbox) -> str:
    layers = event_layers(MANY, {}, actors=make_actor_book(),
                          opts=LayerOptions(zoom=11 if bbox else 7, bbox=bbox))
    group = events_layer(layers)
    assert group is not None
    return group.layer_name


def test_the_whole_country_in_view_gives_grid_cells():
    assert drawn(None) == "Events (1,500, grouped; zoom in for detail)"


def test_zooming_in_on_a_town_gives_its_events_one_by_one():
    assert drawn(DAMASCUS) == "Events (300)"


def test_the_view_keeps_a_margin_around_it():
    north, east = DAMASCUS[2], DAMASCUS[3]
    edge = pd.DataFrame([event("near", "2016-01-01", lat=north + 0.05, lon=east),
                         event("far", "2016-01-01", lat=north + 0.5, lon=east)])
    keep = in_box(edge["lat"].to_numpy(float), edge["lon"].to_numpy(float), DAMASCUS, margin=VIEW_MARGIN)
    assert list(edge["id"][keep]) == ["near"]


def test_the_summary_counts_competing_claims_once_at_their_lowest():
    import pandas as pd

    from dashboard.events.view import summary_line

    events = pd.DataFrame({
        "fatalities": pd.array([10, 42, 35, None, 5], dtype="Int64"),
        "dispute": ["", "toll", "toll", "", ""],
        "event_type": ["battle", "battle", "battle", "statement", "airstrike"],
        "actors": ["IRGC;Hezbollah", "IRGC", "Syrian rebels", "Iran", "Russia"],
    })
    line = summary_line(events)
    assert "fatalities stated: at least 50" in line  # 10 + 5 + min(42, 35)
    assert "types: battle 3" in line and "actors: IRGC 2" in line
    assert summary_line(events.iloc[:0]) == ""


def test_the_glance_names_only_the_types_shown():
    """The store holds event types as categories: counting them listed every type of the data,
    those with no event shown among them ("airstrike 0")."""
    from dashboard.events.query import Query
    from dashboard.events.view import build_view
    from dashboard.ingest.load import load_bundled

    view = build_view(load_bundled(), Query(event_types=("deployment",)))
    assert "types: deployment" in view.glance and " 0," not in view.glance and not view.glance.endswith(" 0")


def test_the_glance_reads_category_codes_as_it_reads_texts():
    """The store's text columns are categories (blank and missing ones too): read through their
    codes, not a string per row, they give the line the texts give."""
    import pandas as pd

    from dashboard.events.view import summary_line

    events = pd.DataFrame({
        "fatalities": pd.array([10, 42, 35, None, 5, 7, 1], dtype="Int64"),
        "dispute": ["", "toll", "toll", None, "", "other", "other"],
        "event_type": ["battle", "battle", "shelling", None, "", "shelling", "shelling"],
        "actors": ["IRGC", "IRGC", "Syrian rebels", "Iran", "Russia", "", None],
    })
    held = events.astype({"dispute": "category", "event_type": "category", "actors": "category"})
    held["event_type"] = held["event_type"].cat.add_categories(["airstrike"])  # a type none has
    line = summary_line(held)
    assert line == summary_line(events)
    assert "at least 51" in line and "types: shelling 3, battle 2" in line and "airstrike" not in line


@pytest.mark.parametrize("block", [2, 3, 1 << 19])
def test_the_glance_of_a_views_rows_read_block_by_block_equals_that_of_the_rows_copied(monkeypatch, block):
    """A view's glance reads the store's columns a block at a time through the mask: the same
    line as the selected rows copied out, claims split across blocks counted once."""
    import numpy as np
    import pandas as pd

    from dashboard.events.view import summary_line
    from dashboard.model.rows import Rows

    monkeypatch.setattr("dashboard.model.rows.BLOCK_ROWS", block)
    events = pd.DataFrame({
        "fatalities": pd.array([10, 42, 35, None, 5, 7, 1, 3, None], dtype="Int32"),
        "dispute": ["", "toll", "x", "toll", "", "toll", "other", "", None],
        "event_type": ["battle", "battle", "shelling", None, "", "shelling", "shelling", "battle", "battle"],
        "actors": ["IRGC", "IRGC", "Syrian rebels", "Iran", "Russia", "", None, "IRGC", "Iran"],
    }).astype({"dispute": "category", "event_type": "category", "actors": "category"})
    some = np.array([1, 1, 0, 1, 1, 1, 1, 0, 1], bool)
    for mask in (some, np.ones(9, bool), np.zeros(9, bool)):
        copied = events[mask].reset_index(drop=True)
        assert summary_line(Rows(events, mask)) == summary_line(copied)
    assert "at least 23" in summary_line(Rows(events, some))  # 10 + 5, and min(42, 7) + 1 as claims
