"""PointLayer: many circles as one element, safe inside a <script> and never parsed as a template."""

from __future__ import annotations

import json
import math
import re

import folium
import pytest

from dashboard.mapping.points import PointLayer, style_table
from dashboard.mapping.safe import script_json


def page_with(layer: PointLayer) -> str:
    fmap = folium.Map(tiles=None)
    group = folium.FeatureGroup().add_to(fmap)
    layer.add_to(group)
    return fmap.get_root().render()


def table_in(html: str) -> dict:
    found = re.search(r"var d = (\{.*?\});\n", html)
    assert found, "the layer's table is in the page"
    return json.loads(found.group(1).replace("<\\/", "</").replace("<\\!--", "<!--"))


@pytest.mark.parametrize("text", ["{{ 7 * 7 }}", "{% if x %}", "{# note", "}}{{"])
def test_text_that_looks_like_a_template_is_kept_verbatim(text):
    html = page_with(PointLayer([36.2], [37.1], styles=[{}], tooltips=[text], popups=[text]))
    table = table_in(html)
    assert table["tooltip"] == [text] and table["popup"] == [text]


def test_nothing_in_the_data_can_end_the_script_element():
    nasty = "</script><script>alert(1)</script><!--"
    html = page_with(PointLayer([36.2], [37.1], styles=[{}], tooltips=[nasty]))
    assert "</script><script>alert(1)" not in html
    assert table_in(html)["tooltip"] == [nasty]
    assert script_json("\u2028") == '"\\u2028"'


def test_points_without_coordinates_are_left_out_with_their_text():
    layer = PointLayer([36.2, math.nan, 36.4], [37.1, 37.2, math.inf], styles=[{"radius": 3}],
                       tooltips=["a", "b", "c"], popups=["pa", "pb", "pc"])
    assert len(layer) == 1
    assert layer.table["tooltip"] == ["a"] and layer.table["popup"] == ["pa"]


def test_columns_of_another_length_are_refused():
    with pytest.raises(ValueError, match="tooltips has 1 values for 2 points"):
        PointLayer([1, 2], [3, 4], styles=[{}], tooltips=["only one"])
    with pytest.raises(ValueError, match="kind"):
        PointLayer([1], [2], styles=[{}], kind="marker")


def test_styles_are_shared_by_index():
    rows = [{"radius": 6, "color": "#f00"}, {"color": "#f00", "radius": 6}, {"radius": 7}]
    styles, index = style_table(rows)
    assert styles == [{"radius": 6, "color": "#f00"}, {"radius": 7}]
    assert index == [0, 0, 1]


def test_a_thousand_points_make_one_element_and_one_loop():
    layer = PointLayer([36.0 + i / 1000 for i in range(1000)], [37.0] * 1000, styles=[{"radius": 5}],
                       tooltips=[f"event {i}" for i in range(1000)])
    html = page_with(layer)
    assert html.count("L[d.kind]") == 1 and "L.circleMarker(" not in html
    assert len(table_in(html)["lat"]) == 1000


def test_the_marked_point_is_counted_among_the_points_drawn():
    layer = PointLayer([1.0, float("nan"), 3.0], [1.0, 2.0, 3.0], styles=[{}], picked={"weight": 5},
                       marked=2)
    assert layer.table["marked"] == 1, "the third point is the second drawn (the NaN is dropped)"
    assert PointLayer([1.0, float("nan")], [1.0, 2.0], styles=[{}], picked={"weight": 5},
                      marked=1).table["marked"] is None
