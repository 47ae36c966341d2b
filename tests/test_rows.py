"""A view names its events by a mask over the store's rows and copies only the columns it reads."""

from __future__ import annotations

import re

import folium
import numpy as np
import pandas as pd
import pytest

from dashboard.events.query import Query
from dashboard.events.store import index_store
from dashboard.events.view import LIST_READS, build_view, list_frame
from dashboard.mapping.layers import LayerOptions, event_layers
from dashboard.model.place import POINT_MAX_KM
from dashboard.model.rows import Rows
from dashboard.ui.interaction import outside

from .conftest import SMALL_EVENTS, event, make_actor_book


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({"id": pd.array([f"e{i}" for i in range(8)], dtype="string[pyarrow]"),
                         "n": np.arange(8) * 10, "text": list("abcdefgh")})


def test_rows_take_only_the_columns_asked_for_with_the_tables_labels(table):
    rows = Rows(table, np.array([0, 1, 1, 0, 1, 0, 0, 1], bool))
    assert len(rows) == 4 and rows.positions().tolist() == [1, 2, 4, 7]
    assert rows.column("n").tolist() == [10, 20, 40, 70]
    part = rows.frame(("id", "n"))
    assert list(part.columns) == ["id", "n"] and part.index.tolist() == [1, 2, 4, 7]
    assert rows.head(2)["text"].tolist() == ["b", "c"] and rows.head(2).index.tolist() == [1, 2]
    everything = Rows(table)
    assert len(everything) == 8  # and no copy for every row:
    assert np.shares_memory(everything.column("n").to_numpy(), table["n"].to_numpy())


@pytest.mark.parametrize("block", [1, 3, 64])
def test_the_first_rows_are_found_across_blocks_of_the_mask(monkeypatch, block):
    monkeypatch.setattr("dashboard.model.rows.HEAD_BLOCK", block)
    mask = np.zeros(20, bool)
    mask[[2, 5, 6, 11, 19]] = True
    rows = Rows(pd.DataFrame({"n": np.arange(20)}), mask)
    for n in range(7):
        assert rows.first_positions(n).tolist() == [2, 5, 6, 11, 19][:n]
    assert rows.head(4)["n"].tolist() == [2, 5, 6, 11]
    assert Rows(pd.DataFrame({"n": np.arange(20)}), np.zeros(20, bool)).first_positions(3).tolist() == []
    assert Rows(pd.DataFrame({"n": np.arange(3)})).first_positions(5).tolist() == [0, 1, 2]


def test_rows_narrow_within_rows_and_find_an_id(table):
    rows = Rows(table, np.array([0, 1, 1, 0, 1, 0, 0, 1], bool))
    narrower = rows.where(np.array([True, False, True, True]))
    assert narrower.positions().tolist() == [1, 4, 7]
    assert rows.mask is not None and rows.mask.sum() == 4  # the first selection is unchanged
    assert rows.where(np.ones(4, bool)) is rows
    assert narrower.matching("id", "e4").frame().index.tolist() == [4]
    assert len(narrower.matching("id", "e2")) == 0  # in the table, not among these rows
    plain = Rows(table.astype({"id": object}), narrower.mask)  # ids as Python strings: compared too
    assert plain.matching("id", "e7").positions().tolist() == [7]


def test_a_view_copies_no_row_of_the_store(small_store):
    view = build_view(small_store, Query(event_types=("battle",)))
    assert view.rows.table is small_store.events  # the store's frame, not a copy of its rows
    assert view.shown == len(view.events) == (small_store.events["event_type"] == "battle").sum()


def render(layers: list[folium.FeatureGroup]) -> str:
    fmap = folium.Map(tiles=None)
    for layer in layers:
        layer.add_to(fmap)
    html = fmap.get_root().render()
    return re.sub(r"_[0-9a-f]{32}", "_", html)  # folium's random element names


@pytest.mark.parametrize("many", [False, True], ids=["markers", "grid cells"])
def test_layers_drawn_from_rows_equal_those_drawn_from_the_rows_copied(many):
    rows_ = [*SMALL_EVENTS, event("far", "2016-01-01", lat=33.5, lon=36.3),
             event("syria", "2016-01-01", place="Syria", lat=35.0, lon=38.5, loc_precision="centroid",
                   uncertainty_km=300)]
    if many:
        rows_ += [event(f"m{i}", "2016-01-01", lat=36 + (i % 30) * 0.01, lon=37 + (i // 30) * 0.01)
                  for i in range(900)]
    store = index_store("t", pd.DataFrame(rows_), actors=make_actor_book())
    view = build_view(store, Query(event_types=("battle", "airstrike")))
    assert 0 < view.shown < len(store)
    opts = LayerOptions(zoom=8, marker_limit=500, selected_id="m3" if many else "a",
                        bbox=(35.5, 36.5, 37.0, 37.8), layers=("events", "places", "heat", "uncertainty"))
    from_rows = render(event_layers(view.rows, {}, actors=store.actors, opts=opts))
    from_copy = render(event_layers(view.events, {}, actors=store.actors, opts=opts))
    assert from_rows == from_copy
    assert ("zoom in for detail" in from_rows) is many and "atlas-ring" in from_rows


def test_rows_values_are_the_columns_numbers(table):
    rows = Rows(table, np.array([0, 1, 1, 0, 1, 0, 0, 1], bool))
    assert rows.values("n").tolist() == [10, 20, 40, 70]
    assert rows.values("n", float).dtype == np.float64


@pytest.mark.parametrize("spread", [1.0, 170.0], ids=["a region", "the world (cells hashed)"])
def test_grid_cells_count_and_centre_their_points_as_a_group_by_does(spread):
    from dashboard.mapping.grid import aggregate, cell_degrees

    rng = np.random.default_rng(4)
    lat = rng.uniform(35, 35 + spread / 2, 3000)
    lon = rng.uniform(-spread / 2, spread / 2, 3000)
    got = aggregate(lat, lon, zoom=9)
    size = cell_degrees(9)
    frame = pd.DataFrame({"lat": lat, "lon": lon, "row": np.floor(lat / size), "col": np.floor(lon / size)})
    want = frame.groupby(["row", "col"]).agg(lat=("lat", "mean"), lon=("lon", "mean"), count=("lat", "size"))
    assert len(got) == len(want) and got["count"].sum() == 3000
    np.testing.assert_allclose(got[["lat", "lon"]].to_numpy(), want[["lat", "lon"]].to_numpy())
    np.testing.assert_array_equal(got["count"].to_numpy(), want["count"].to_numpy())
    assert (got["weight"] == got["count"]).all()


def test_the_list_reads_only_the_columns_it_shows(small_store):
    rows = Rows(small_store.events, np.array([True, False, True, True, True]))
    pd.testing.assert_frame_equal(list_frame(rows.head(3, LIST_READS), selected="c"),
                                  list_frame(rows.head(3), selected="c"))


@pytest.mark.parametrize("share", [0.0, 0.1, 0.5, 1.0])
def test_the_count_outside_the_view_is_the_same_however_many_rows_are_in(share):
    """Few rows are counted from their own coordinates, most rows from the table's in place: both
    count the drawable events of these rows outside the box, and only those."""
    rng = np.random.default_rng(7)
    size = 2000
    table = pd.DataFrame({"lat": rng.uniform(30, 40, size), "lon": rng.uniform(33, 45, size),
                          "uncertainty_km": rng.choice([0.0, np.nan, 5.0, 400.0], size)})
    mask = rng.random(size) < share
    box = (33.0, 36.0, 37.0, 40.0)
    inside = (table["lat"].between(33, 37) & table["lon"].between(36, 40)).to_numpy()
    points = ~(table["uncertainty_km"].to_numpy() > POINT_MAX_KM)
    want = int(np.count_nonzero(mask & points & ~inside))
    assert outside(box, Rows(table, mask)) == want
    assert outside(box, Rows(table)) == int(np.count_nonzero(points & ~inside))
    assert outside(None, Rows(table, mask)) == 0


def test_rows_narrowed_by_a_flag_per_table_row_keep_only_their_own_rows(table):
    rows = Rows(table, np.array([0, 1, 1, 0, 1, 0, 0, 1], bool))
    big = rows.table_values("n") >= 30  # a test over the whole table, in place
    assert np.shares_memory(rows.table_values("n"), table["n"].to_numpy())
    assert rows.also(big).positions().tolist() == [4, 7]  # not 3, 5 or 6: not among these rows
    everything = Rows(table)
    assert everything.also(np.ones(8, bool)) is everything
    assert everything.also(big).positions().tolist() == [3, 4, 5, 6, 7]


@pytest.mark.parametrize(("block", "zoom", "within"), [
    (64, 9, None), (1000, 9, None), (64, 11, (35.5, -1.0, 36.0, 1.0)), (64, 16, None)])
def test_grid_cells_of_rows_read_in_blocks_equal_those_of_the_rows_copied(monkeypatch, block, zoom, within):
    """Blocks of the table (and a grid bounded by the view) give the cells the copied rows give;
    a box too fine to number every cell goes the copied way."""
    from dashboard.mapping.grid import aggregate, aggregate_rows

    monkeypatch.setattr("dashboard.model.rows.BLOCK_ROWS", block)
    rng = np.random.default_rng(5)
    table = pd.DataFrame({"lat": rng.uniform(35, 36.5, 3000), "lon": rng.uniform(-2, 2, 3000)})
    mask = rng.random(3000) < 0.6
    if within is not None:
        mask &= table["lat"].between(within[0], within[2]).to_numpy()
        mask &= table["lon"].between(within[1], within[3]).to_numpy()
    rows = Rows(table, mask)
    got = aggregate_rows(rows, zoom=zoom, within=within)
    want = aggregate(table["lat"].to_numpy()[mask], table["lon"].to_numpy()[mask], zoom=zoom)
    np.testing.assert_array_equal(got["count"].to_numpy(), want["count"].to_numpy())
    columns = ["lat", "lon", "weight"]
    np.testing.assert_allclose(got[columns].to_numpy(), want[columns].to_numpy())
    assert len(aggregate_rows(Rows(table, np.zeros(3000, bool)), zoom=zoom)) == 0
    everything = aggregate_rows(Rows(table), zoom=zoom)
    assert everything["count"].sum() == 3000


@pytest.mark.parametrize("block", [1, 5, 1 << 19])
def test_codes_are_tallied_block_by_block_as_one_count_would(monkeypatch, block):
    from dashboard.model.rows import tally

    monkeypatch.setattr("dashboard.model.rows.BLOCK_ROWS", block)
    codes = np.array([0, 2, -1, 2, 1, 2, -1, 0, 3], np.int8)
    where = np.array([1, 1, 1, 0, 1, 1, 1, 1, 0], bool)
    assert tally(codes, 4).tolist() == [2, 1, 3, 1]
    assert tally(codes, 4, where).tolist() == [2, 1, 2, 0]
    assert tally(codes[:0], 3).tolist() == [0, 0, 0]
