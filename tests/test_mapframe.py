"""The map component sends what st_folium would, with the fixed map rendered once."""

from __future__ import annotations

import folium
import pytest
import streamlit_folium

from dashboard.events.query import Query
from dashboard.events.scene import MapSpec, Screen, compose
from dashboard.events.view import build_view
from dashboard.ui import mapframe

RETURNED = ["last_object_clicked_tooltip", "bounds", "zoom", "center"]


@pytest.fixture
def sent(monkeypatch):
    """Every call of streamlit-folium's component: its arguments, the callback left out."""
    calls: list[dict] = []

    def component(**args: object) -> object:
        calls.append({k: v for k, v in args.items() if k != "on_change"})
        return args.get("default")

    monkeypatch.setattr(streamlit_folium, "_component_func", component)
    monkeypatch.setattr(mapframe, "_FIXED", {})
    return calls


def scene(store, spec: MapSpec, *, ring: str | None = None):
    view = build_view(store, spec.query)
    return compose(store, spec, view=view, screen=Screen(zoom=6, ring=ring))


def through_st_folium(made) -> None:
    streamlit_folium.st_folium(made.fmap, key="map-type", height=620, use_container_width=True,
                               feature_group_to_add=made.layers,
                               layer_control=folium.LayerControl(collapsed=True),
                               center=(35.0, 38.0), zoom=6, returned_objects=RETURNED)


def through_ours(made) -> None:
    drawn = mapframe.draw_layers(made.fixed_key, made.fmap, made.layers, folium.LayerControl(collapsed=True))
    mapframe.send_map(drawn, key="map-type", height=620, center=(35.0, 38.0), zoom=6,
                      returned_objects=RETURNED, on_change=lambda _: None)


def test_every_rerun_sends_what_st_folium_sends(small_store, sent):
    specs = [MapSpec(), MapSpec(query=Query(actors=("Hezbollah",))),
             MapSpec(layers=("events", "heat", "places")), MapSpec()]
    for spec in specs:  # one fixed map, rendered on the first rerun only
        through_st_folium(scene(small_store, spec))
        through_ours(scene(small_store, spec))
    assert len(mapframe._FIXED) == 1
    for theirs, ours in zip(sent[::2], sent[1::2], strict=True):
        assert ours == theirs
    assert sent[1]["feature_group"] != sent[3]["feature_group"]  # the layers did change


def test_the_kept_map_holds_no_layer_after_a_rerun(small_store, sent):
    made = scene(small_store, MapSpec())
    through_ours(made)
    fixed = next(iter(mapframe._FIXED.values()))
    rendered = [kept for _, kept in fixed.kept]  # the map's and its page's children once rendered
    assert all(rendered)
    for _ in range(3):
        through_ours(scene(small_store, MapSpec(layers=("events", "heat"))))
    assert [dict(children) for children, _ in fixed.kept] == rendered
    attached = ("feature_group_feature_group", "layer_control_layer_control")  # st_folium's names
    assert not any(name.startswith(attached) for name in fixed.fmap._children)
    assert sent[0]["script"] == sent[-1]["script"]


def test_a_colour_mode_gets_its_own_fixed_map(small_store, sent):
    through_ours(scene(small_store, MapSpec()))
    through_ours(scene(small_store, MapSpec(colour_mode="side")))
    assert len(mapframe._FIXED) == 2
    assert sent[0]["html"] != sent[1]["html"]  # the legend
